"""The one place that prints: data on stdout (JSON, tables, records), messages on stderr.

Rich tables and colour only on a TTY (and never with ``NO_COLOR``); plain tabulate text
otherwise, so pipes and scripts get stable output.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any


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
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def print_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]], *, title: str | None = None
) -> None:
    """``columns`` is a list of (key, header)."""
    if stdout_is_tty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title, show_lines=False, header_style="bold")
        for _, header in columns:
            table.add_column(header)
        for row in rows:
            table.add_row(*[_cell(row.get(key)) for key, _ in columns])
        Console(no_color=not colour_allowed()).print(table)
        return
    from tabulate import tabulate

    body = [[_cell(row.get(key)) for key, _ in columns] for row in rows]
    text = tabulate(body, headers=[h for _, h in columns], tablefmt="simple", disable_numparse=True)
    sys.stdout.write(text + "\n")


def print_record(record: dict[str, Any], *, title: str | None = None) -> None:
    """One object as ``key: value`` lines."""
    if title:
        sys.stdout.write(title + "\n")
    width = max((len(k) for k in record), default=0)
    for key, value in record.items():
        sys.stdout.write(f"{key.ljust(width)}  {_cell(value)}\n")


def print_line(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def info(message: str) -> None:
    sys.stderr.write(message + "\n")


def warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


def error(message: str) -> None:
    sys.stderr.write(f"error: {message}\n")


def print_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Rows as CSV on stdout (a header, then one line a row)."""
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
