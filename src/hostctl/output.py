"""The one place that prints: data on stdout (JSON, tables, records, invoices, charts),
messages and progress bars on stderr. No other module imports rich (a test checks it); here
it is imported only inside the functions that draw.

Rich tables and colour only on a TTY (and never with ``NO_COLOR``); plain tabulate text
otherwise, so pipes and scripts get stable output.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from hostctl.i18n import N_, _, localize


def _default(value: Any) -> Any:
    import datetime as dt

    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "to_json"):
        return value.to_json()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, default=_default, ensure_ascii=False, indent=2) + "\n")


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


def colour_allowed() -> bool:
    return "NO_COLOR" not in os.environ


def _cell(value: Any) -> str:
    if value is None:
        return "—" if stdout_is_tty() else ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(localize(str(v)) if isinstance(v, str) else str(v) for v in value)
    if isinstance(value, str):
        return localize(value)
    return str(value)


def print_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], *, title: str | None = None
) -> None:
    """``columns`` is a list of (key, header); headers made with ``N_`` are translated here,
    and so are cells that are ``N_`` texts."""
    headers = [localize(header) for _key, header in columns]
    if stdout_is_tty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_lines=False, header_style="bold")
        for header in headers:
            table.add_column(header)
        for row in rows:
            table.add_row(*[_cell(row.get(key)) for key, _header in columns])
        Console(no_color=not colour_allowed()).print(table)
        return
    from tabulate import tabulate

    body = [[_cell(row.get(key)) for key, _header in columns] for row in rows]
    text = tabulate(body, headers=headers, tablefmt="simple", disable_numparse=True)
    sys.stdout.write(text + "\n")


def print_record(record: dict[str, Any], *, title: str | None = None) -> None:
    """One object as ``key: value`` lines; in Spanish the keys are the labels of
    ``hostctl.fields`` (in English, the field names themselves)."""
    from hostctl.fields import label

    if title:
        sys.stdout.write(title + "\n")
    labels = [label(k) for k in record]
    width = max((len(k) for k in labels), default=0)
    for key, value in zip(labels, record.values(), strict=True):
        sys.stdout.write(f"{key.ljust(width)}  {_cell(value)}\n")


def print_line(text: str = "") -> None:
    sys.stdout.write(text + "\n")


INVOICE_LINE_COLUMNS = [
    ("kind", N_("kind")),
    ("description", N_("description")),
    ("period_start", N_("from")),
    ("period_end", N_("to")),
    ("amount", N_("amount")),
]


def print_invoice(invoice: dict[str, Any]) -> None:
    """An invoice (``views.invoice``): its heading, its lines as a table, its totals."""
    print_line(
        "\n"
        + _("invoice {number} ({status}), issued {issue_date}, due {due_date}").format(
            number=invoice["number"],
            status=invoice["status"],
            issue_date=invoice["issue_date"],
            due_date=invoice["due_date"],
        )
    )
    print_table(invoice["lines"], INVOICE_LINE_COLUMNS)
    print_line(
        _("total {currency} {total}  ·  due {currency} {amount_due}").format(
            currency=invoice["currency"], total=invoice["total"], amount_due=invoice["amount_due"]
        )
    )


def print_bar_chart(
    bars: Sequence[tuple[str, int, int]], *, legend: str, good: str, bad: str, width: int = 30
) -> None:
    """Horizontal bars of two counts each, ``good`` (green) then ``bad`` (red), scaled to the
    longest bar; ``bars`` is a list of (label, good count, bad count). For a TTY only."""
    from rich.console import Console
    from rich.text import Text

    console = Console(no_color=not colour_allowed())
    most = max(ok + ko for _, ok, ko in bars) or 1
    label_width = max(len(label) for label, _, _ in bars)
    heading = Text(f"{legend}: ", style="bold")
    heading.append(f"■ {good} ", style="green")
    heading.append(f"■ {bad}", style="red")
    console.print(heading)
    for label, ok, ko in bars:
        bar = Text(f"{label:<{label_width}} ")
        bar.append("█" * round(width * ok / most), style="green")
        bar.append("█" * round(width * ko / most), style="red")
        bar.append(f" {ok}/{ko}")
        console.print(bar)


class Progress:
    """A transient progress bar on stderr; the caller shows it only when stderr is a TTY."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import Progress as RichProgress

        self._bar = RichProgress(console=Console(stderr=True), transient=True)
        self._task: Any = None

    def start(self, total: int, description: str = "") -> None:
        self._bar.start()
        self._task = self._bar.add_task(description, total=max(total, 1))

    def advance(self, description: str | None = None) -> None:
        self._bar.update(self._task, advance=1, description=description)

    def stop(self) -> None:
        self._bar.stop()


def info(message: str) -> None:
    sys.stderr.write(message + "\n")


def warn(message: str) -> None:
    sys.stderr.write(_("warning: {message}").format(message=message) + "\n")


def error(message: str) -> None:
    sys.stderr.write(_("error: {message}").format(message=message) + "\n")


def print_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Rows as CSV on stdout (a header, then one line a row)."""
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
