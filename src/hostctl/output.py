"""The one place that prints: data on stdout (JSON, tables, records, invoices, charts),
messages and progress bars on stderr. No other module imports rich (a test checks it); here
it is imported only inside the functions that draw.

On a TTY: rich tables sized to the terminal that never cut an identifier, an amount, a date
or a code (optional columns are hidden first, then each row becomes a block of lines),
amounts for people (``US$ 1.234,56``), times to the minute in the company's time zone,
statuses in colour (never with ``NO_COLOR``), a sentence for an empty list. Otherwise plain
tabulate text with every column, amounts as ``1234.56``, so pipes and scripts get stable
output. ``--json`` is untouched by all of this.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

from hostctl.i18n import N_, LazyText, _, language, localize


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
    """``data`` as JSON indented by two, as ``json.dumps(indent=2, ensure_ascii=False)``
    writes it. orjson writes it (the standard library's indenting encoder is pure Python:
    seconds for the report of a 50 000-line statement); what orjson refuses (an integer
    beyond 64 bits) is written by the standard library."""
    import orjson

    try:
        text = orjson.dumps(
            data,
            default=_default,  # dataclasses (Money …) and datetimes as the standard library
            option=orjson.OPT_INDENT_2
            | orjson.OPT_NON_STR_KEYS
            | orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_PASSTHROUGH_DATETIME,
        ).decode()
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        text = json.dumps(data, default=_default, ensure_ascii=False, indent=2)
    sys.stdout.write(text + "\n")


def stdout_is_tty() -> bool:
    return sys.stdout.isatty()


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


def colour_allowed() -> bool:
    return "NO_COLOR" not in os.environ


# --------------------------------------------------------------------------- columns
# What a column holds decides how it is shown. Un-cuttable kinds are never wrapped nor cut:
# when the terminal is too narrow for them the table hides its optional columns, then turns
# into one block of ``label  value`` lines per row.
KINDS = ("id", "code", "money", "number", "date", "time", "status", "text", "list")
WRAPPING = frozenset({"text", "list"})  # free text wraps at spaces; a list between its items
RIGHT = frozenset({"id", "money", "number"})
TEXT_MIN = 20  # a wrapping column is at least this wide, or as wide as its widest value
GAP = 2  # spaces between two columns

MONEY_KEYS = frozenset(
    {
        "total",
        "paid",
        "amount_due",
        "amount",
        "discount",
        "applied",
        "credited",
        "credit_balance",
        "earned",
        "withdrawn",
        "balance",
        "opening_balance",
        "closing_balance",
        "monthly_price",
    }
)
STATUS_KEYS = frozenset({"status", "queue_state", "first_response_state", "resolution_state"})
TEXT_KEYS = frozenset(
    {
        "name",
        "company",
        "subject",
        "description",
        "reason",
        "suspension_reason",
        "message",
        "last_error",
        "note",
        "changes",
        "help",
        "requirement",
        "detail",
        "body",
    }
)
# Status words by what they ask of the reader: red needs action, yellow is waiting.
RED = frozenset(
    {"suspended", "overdue", "failed", "breached", "terminated", "reversed", "chargeback"}
)
YELLOW = frozenset({"pending", "unpaid", "unknown", "sending", "waiting", "client-reply"})
GREEN = frozenset(
    {"active", "paid", "sent", "met", "received", "completed", "accepted", "answered", "earned"}
)

_TIME_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_LIST_COMMA = re.compile(r",(?=\S)")
# What text from outside (a name from a CSV, a hook's output, a WhatsApp error) must never
# send to a terminal as it is: the C0 controls but tab and line feed (ESC, CR, bell …), DEL,
# the C1 controls, and the bidirectional embeddings, overrides and isolates.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe(text: str) -> str:
    """``text`` with its control characters and direction overrides written as escapes
    (``\\x1b``, ``\\u202e``): the one place every cell, record value, line and message passes
    before it is printed (``--json`` is data, escaped by JSON itself)."""
    return _UNSAFE.sub(_escaped, text) if _UNSAFE.search(text) else text


class Col(NamedTuple):
    """A table column: the row's ``key``, its ``header``, its ``kind`` (one of ``KINDS``;
    empty: guessed from the key and the values) and ``drop``: 0 always shown; 1, 2, … hidden
    in that order, only on a terminal too narrow for every column. A ``(key, header)`` or
    ``(key, header, kind)`` tuple is a ``Col`` too."""

    key: str
    header: str
    kind: str = ""
    drop: int = 0


ColumnSpec = Col | tuple[str, str] | tuple[str, str, str]


def infer_kind(key: str, values: Sequence[Any] = ()) -> str:
    """The kind of a field of a view dict: by its name, else by the shape of its values."""
    if key in MONEY_KEYS:
        return "money"
    if key in STATUS_KEYS:
        return "status"
    if key in TEXT_KEYS:
        return "text"
    if key == "id" or key.endswith("_id"):
        return "id"
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return "code"
    if isinstance(sample, int | float):
        return "number"
    if isinstance(sample, list | tuple):
        return "list"
    if isinstance(sample, str):
        if _TIME_RE.match(sample):
            return "time"
        if _DATE_RE.fullmatch(sample):
            return "date"
    return "code"


def _columns(columns: Sequence[ColumnSpec], rows: Sequence[dict[str, Any]]) -> list[Col]:
    found = []
    for spec in columns:
        col = Col(*spec)
        if not col.kind:
            col = col._replace(kind=infer_kind(col.key, [row.get(col.key) for row in rows]))
        if col.kind not in KINDS:
            raise ValueError(f"unknown column kind {col.kind!r} for {col.key!r}")
        found.append(col)
    return found


# --------------------------------------------------------------------------- values
def human_money(value: Any, currency: str | None) -> str:
    """An amount for people in the session's format (``US$ 1.234,56`` in Spanish,
    ``US$ 1,234.56`` in English: ``core.money.format_money``), what that session's amount
    prompt takes back; a view's ``{currency: amount}`` becomes one amount a line; without
    a currency, as written."""
    from hostctl.core.money import Money, format_money
    from hostctl.errors import ValidationError

    if value is None:
        return "—"
    if isinstance(value, Mapping):
        return "\n".join(human_money(amount, cur) for cur, amount in value.items())
    if isinstance(value, Money):
        return format_money(value, language())
    if not currency:
        return str(value)
    try:
        return format_money(Money.parse(str(value), currency), language())
    except ValidationError:  # not an amount: shown as it is, never a crash
        return str(value)


def amount_text(amount: Any, currency: str) -> str:
    """An amount inside a sentence: ``US$ 1.234,56`` (``human_money``) on a TTY,
    ``USD 1234.56`` in a pipe."""
    return human_money(amount, currency) if stdout_is_tty() else f"{currency} {amount}"


def human_time(value: Any) -> str:
    """A timestamp to the minute in the company's time zone: ``2026-05-26 13:30``."""
    import datetime as dt

    from hostctl.core.clock import to_local

    if isinstance(value, str):
        if not _TIME_RE.match(value):
            return value  # a date, or not a time at all
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, dt.datetime):
        return to_local(value).strftime("%Y-%m-%d %H:%M")
    return "" if value is None else str(value)


def people(value: Any, *, human: bool = False) -> str:
    """A text for a person: an ``N_`` text in the session's language with the amounts in it
    shown as ``amount_text`` shows them (``US$ 1.234,56`` on a terminal), or always as
    ``human_money`` with ``human`` (an error message, a prompt's refusal: said to a person
    even when stdout is a pipe); any other text as it is. Core puts an amount in a message as
    a ``words.Amount`` field of an ``N_`` text (it never reads the session's language), and
    this formats it."""
    from hostctl.core.money import Money
    from hostctl.words import Amount

    if not isinstance(value, LazyText):
        return str(value)
    fields: dict[str, object] = {}
    for key, field in value.fields.items():
        if isinstance(field, Amount):
            field = field.money
        if isinstance(field, Money):
            fields[key] = (
                human_money(field, field.currency)
                if human
                else amount_text(field.to_json(), field.currency)
            )
        elif isinstance(field, LazyText):
            fields[key] = people(field, human=human)  # a plain str: localize leaves it as is
        else:
            fields[key] = field
    if fields == value.fields:
        return localize(value)
    shown = LazyText(value.msgid, **fields)
    shown.context = value.context
    return localize(shown)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items())
    if isinstance(value, str):  # an N_ text in Spanish, its amounts formatted
        return safe(people(value))  # escaped before rich may drop a carriage return
    return safe(str(value))


def _plain(value: Any, kind: str) -> str:
    """A cell for a pipe: amounts as ``38400.00`` (parseable), times to the minute; control
    characters escaped (``safe``)."""
    return safe(_plain_text(value, kind))


def _plain_text(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "time":
        return human_time(value)
    if kind == "money" and isinstance(value, Mapping):
        return ", ".join(f"{cur} {amount}" for cur, amount in value.items())
    return _text(value)


_ENTRY_KINDS = frozenset(
    {"invoice", "payment", "discount", "chargeback", "cancellation", "refund", "credit_note"}
)


def _word(key: str, value: Any, row: Mapping[str, Any]) -> Any:
    """A code of the data (a status, a cycle, a kind, a reason) as a person reads it in the
    session's language (``hostctl.words``); the value itself for anything else."""
    from hostctl.words import word

    if not isinstance(value, str) or isinstance(value, LazyText):
        if key == "cycles" and isinstance(value, list | tuple):
            return [word("cycle", v) for v in value]
        return value
    context = {
        "cycle": "cycle",
        "suspension_reason": "reason",
        "stage": "stage",
        "support_plan": "support plan",
        "first_response_state": "status",
        "resolution_state": "status",
        "by": "matched by",
    }.get(key)
    if key == "cycles":
        return ", ".join(word("cycle", v) for v in value.split(","))
    if key == "status":
        if "transaction_id" in row:
            context = "statement line"
        elif "amount_due" in row:
            context = "invoice"
        elif "next_due_date" in row:
            context = "service"
        elif "support_plan" in row and "email" in row:
            context = "client"
        else:
            context = "status"
    elif key == "kind":
        if "amount_due" in row:
            context = "invoice kind"
        elif "balance" in row and value in _ENTRY_KINDS:
            context = "entry kind"
        elif "period_start" in row:
            context = "line kind"
    return word(context, value) if context else value


def status_style(word: str) -> str:
    if word in RED:
        return "red"
    if word in YELLOW:
        return "yellow"
    return "green" if word in GREEN else ""


def _shown_status(value: Any, row: Mapping[str, Any]) -> Any:
    """An unpaid invoice past its due date (the command sets ``overdue``) reads overdue."""
    return "overdue" if value == "unpaid" and row.get("overdue") else value


def _human(value: Any, kind: str, row: Mapping[str, Any], currency: str | None) -> Text:
    """A cell for people: amounts formatted, times to the minute, statuses coloured; the
    data's control characters (an escape sequence in a subject) never reach the terminal:
    they are shown escaped (``safe``)."""
    text = _human_text(value, kind, row, currency)
    text.plain = safe(text.plain.replace("\t", " "))
    return text


def _human_text(value: Any, kind: str, row: Mapping[str, Any], currency: str | None) -> Text:
    from rich.text import Text

    if value is None:
        return Text("—")
    if kind == "money":
        return Text(human_money(value, row.get("currency") or currency))
    if kind == "time":
        return Text(human_time(value))
    if kind == "status":
        code = _shown_status(value, row)
        if code is not value:  # "overdue", said of the invoice
            code = _word("status", code, row)
        return Text(_text(code), style=status_style(str(code)))
    if kind == "list" and isinstance(value, str):  # "a,b,c" (a setting) wraps between items
        return Text(_LIST_COMMA.sub(", ", value))
    return Text(_text(value))


def _console() -> Console:
    """The console of a TTY: colour unless ``NO_COLOR`` (then no escape codes at all, bold
    neither), width from the terminal or ``COLUMNS``; no markup, emoji or highlighting of
    what the data says."""
    from rich.console import Console

    colour = colour_allowed()
    return Console(
        force_terminal=True,
        color_system="auto" if colour else None,
        no_color=not colour,
        highlight=False,
        emoji=False,
        markup=False,
    )


# --------------------------------------------------------------------------- tables
def print_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[ColumnSpec],
    *,
    title: str | None = None,
    currency: str | None = None,
    empty: str | None = None,
) -> None:
    """Rows as a table. ``columns``: ``Col``s or (key, header[, kind]) tuples; ``currency``
    for money cells of rows without a ``currency`` key; ``empty``: the sentence a TTY shows
    for no rows (``N_("No invoices.")``, translated here like the headers). A pipe gets
    tabulate text: every column, amounts as ``38400.00``, a header even for no rows."""
    from hostctl.i18n import _

    cols = _columns(columns, rows)
    if stdout_is_tty():
        _tty_table(
            rows,
            cols,
            title=title,
            currency=currency,
            empty=localize(empty) if empty else _("Nothing to show."),
        )
        return
    from tabulate import tabulate

    body = [[_plain(_word(c.key, row.get(c.key), row), c.kind) for c in cols] for row in rows]
    text = tabulate(
        body,
        headers=[localize(c.header) for c in cols],
        tablefmt="simple",
        disable_numparse=True,
        colalign=["right" if c.kind in RIGHT else "left" for c in cols],
    )
    sys.stdout.write(text + "\n")


def _fit(cols: Sequence[Col], cells: Sequence[Sequence[Text]], width: int) -> list[int] | None:
    """Column widths that show every un-cuttable value whole within ``width``, or None.

    Each column has a least width (its widest value; for free text ``TEXT_MIN``, for a list
    its widest item; a header wraps at its spaces) and a natural width (its widest
    value or header on one line)."""
    from rich.cells import cell_len

    least, natural = [], []
    for col, column in zip(cols, cells, strict=True):
        header = localize(col.header)
        head_word = max((cell_len(w) for w in header.split()), default=0)
        lines = [line for text in column for line in text.plain.split("\n")]
        widest = max((cell_len(line) for line in lines), default=0)
        nat = max(widest, cell_len(header), 1)
        if col.kind == "text":
            low = max(head_word, min(nat, TEXT_MIN))
        elif col.kind == "list":
            word = max((cell_len(w) for line in lines for w in line.split()), default=0)
            low = max(head_word, word)
        else:
            low = max(widest, head_word, 1)
        least.append(low)
        natural.append(nat)
    room = width - GAP * (len(cols) - 1)
    if sum(least) > room:
        return None
    widths = list(least)
    # spare room widens free text first (fewer wrapped lines), then unwraps headers
    for group in (
        [col.kind in WRAPPING for col in cols],
        [col.kind not in WRAPPING for col in cols],
    ):
        _widen(widths, natural, group, room - sum(widths))
    return widths


def _widen(widths: list[int], natural: Sequence[int], group: Sequence[bool], spare: int) -> None:
    """Give up to ``spare`` columns to the columns of ``group``, narrowest first, none past
    its natural width."""
    chosen = [i for i, member in enumerate(group) if member and widths[i] < natural[i]]
    if spare <= 0 or not chosen:
        return
    start = {i: widths[i] for i in chosen}

    def grown(level: int) -> int:
        return sum(min(max(start[i], level), natural[i]) - start[i] for i in chosen)

    low, high = 0, max(natural[i] for i in chosen)
    while low < high:
        mid = (low + high + 1) // 2
        if grown(mid) <= spare:
            low = mid
        else:
            high = mid - 1
    for i in chosen:
        widths[i] = min(max(start[i], low), natural[i])
    spare -= grown(low)
    for i in chosen:
        if spare and widths[i] < natural[i]:
            widths[i] += 1
            spare -= 1


def _tty_table(
    rows: Sequence[dict[str, Any]],
    cols: list[Col],
    *,
    title: str | None,
    currency: str | None,
    empty: str,
) -> None:
    from rich.box import SIMPLE_HEAD
    from rich.table import Table
    from rich.text import Text

    from hostctl.i18n import _

    console = _console()
    if not rows:
        console.print(Text(empty))
        return
    cells = [
        [_human(_word(c.key, row.get(c.key), row), c.kind, row, currency) for row in rows]
        for c in cols
    ]
    kept = list(range(len(cols)))
    widths = _fit(cols, cells, console.width)
    for level in sorted({c.drop for c in cols if c.drop}):
        if widths is not None:
            break
        kept = [i for i in kept if not 0 < cols[i].drop <= level]
        widths = _fit([cols[i] for i in kept], [cells[i] for i in kept], console.width)
    if widths is None:
        blocks = [
            [(localize(c.header), cells[i][r], c.kind) for i, c in enumerate(cols)]
            for r in range(len(rows))
        ]
        _print_blocks(console, blocks, title)
        return
    headers = [Text(localize(cols[i].header)) for i in kept]
    heights = [len(h.wrap(console, w)) for h, w in zip(headers, widths, strict=True)]
    table = Table(
        box=SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
        header_style="bold",
        title=Text(title) if title else None,
        title_justify="left",
        title_style="bold",
    )
    for i, header, height, width in zip(kept, headers, heights, widths, strict=True):
        col = cols[i]
        lifted = Text("\n" * (max(heights) - height)) + header  # headers sit on the rule
        lifted.no_wrap = False
        table.add_column(
            lifted,
            width=width,
            no_wrap=col.kind not in WRAPPING,
            overflow="fold" if col.kind in WRAPPING else "ellipsis",
            justify="right" if col.kind in RIGHT else "left",
        )
    for r in range(len(rows)):
        table.add_row(*[cells[i][r] for i in kept])
    console.print(table)
    hidden = [localize(c.header) for i, c in enumerate(cols) if i not in kept]
    if hidden:
        sys.stdout.flush()  # the note goes to stderr, after the table
        info(
            _("Hidden at {width} columns: {names} (--json shows every field).").format(
                width=console.width, names=", ".join(hidden)
            )
        )


def _print_blocks(
    console: Console, blocks: Sequence[Sequence[tuple[str, Text, str]]], title: str | None
) -> None:
    """Records as ``label  value`` lines, a rule between two: free text wraps under
    its value, anything else is printed whole (the terminal may fold a value longer than
    the screen; nothing is cut). Amounts are right-aligned with one another."""
    from rich.cells import cell_len
    from rich.text import Text

    fields = [field for block in blocks for field in block]
    label_width = max((cell_len(label) for label, _, _ in fields), default=0)
    money_width = max(
        (
            cell_len(line)
            for _, text, kind in fields
            if kind == "money"
            for line in text.plain.split("\n")
        ),
        default=0,
    )
    if title:
        console.print(Text(title, style="bold"), soft_wrap=True)
    widest = max(
        (cell_len(line) for _, text, _ in fields for line in text.plain.split("\n")), default=0
    )
    rule = Text("─" * min(console.width, label_width + 2 + max(widest, money_width)), style="dim")
    for n, block in enumerate(blocks):
        if n:  # a rule between two records, so that one ends where the next begins
            console.print(rule, soft_wrap=True)
        for label, text, kind in block:
            prefix = label + " " * (label_width - cell_len(label) + 2)
            room = console.width - cell_len(prefix)
            longest = max((cell_len(word) for word in text.plain.split()), default=0)
            if (kind == "text" and room >= TEXT_MIN) or (kind == "list" and longest <= room):
                lines = list(text.wrap(console, room, overflow="fold"))  # a list item whole
            else:
                lines = list(text.split("\n"))
            for i, line in enumerate(lines or [Text("")]):
                out = Text(prefix if i == 0 else " " * cell_len(prefix))
                if kind == "money":
                    out.append(" " * (money_width - cell_len(line.plain)))
                out.append_text(line)
                console.print(out, soft_wrap=True)


def print_record(
    record: dict[str, Any], *, title: str | None = None, currency: str | None = None
) -> None:
    """One object as ``key  value`` lines; how a value is shown follows its key
    (``infer_kind``): on a TTY amounts formatted and aligned, statuses coloured."""
    from hostctl.fields import label

    kinds = {key: infer_kind(key, [value]) for key, value in record.items()}
    if stdout_is_tty():
        console = _console()
        block = [
            (
                label(key),
                _human(_word(key, value, record), kinds[key], record, currency),
                kinds[key],
            )
            for key, value in record.items()
        ]
        _print_blocks(console, [block], title)
        return
    if title:
        sys.stdout.write(title + "\n")
    labels = {key: label(key) for key in record}
    width = max((len(k) for k in labels.values()), default=0)
    for key, value in record.items():
        shown = _plain(_word(key, value, record), kinds[key])
        sys.stdout.write(f"{labels[key].ljust(width)}  {shown}\n")


def print_line(text: str = "", *, indent: int = 0, hang: int | None = None) -> None:
    """A sentence on stdout, ``indent`` spaces in. On a TTY it is wrapped at spaces to the
    terminal's width (never inside a word; a word longer than the line is left whole), its
    further lines ``hang`` spaces in (default ``indent``); a pipe gets it on one line.
    Control characters are shown escaped (``safe``)."""
    text = safe(text)
    if not stdout_is_tty():
        sys.stdout.write(" " * indent + text + "\n")
        return
    sys.stdout.write("\n".join(wrap(text, indent=indent, hang=hang)) + "\n")


def terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size(fallback=(80, 24)).columns


def wrap(text: str, *, indent: int = 0, hang: int | None = None) -> list[str]:
    """``text``'s lines wrapped at spaces to the terminal's width (see ``print_line``)."""
    import textwrap

    width = terminal_width()
    first, rest = " " * indent, " " * (indent if hang is None else hang)
    lines: list[str] = []
    for part in text.split("\n"):
        lines += textwrap.wrap(
            part,
            width=max(width, len(rest) + 10),
            initial_indent=first,
            subsequent_indent=rest,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [first.rstrip()]
    return lines


INVOICE_LINE_COLUMNS = [
    Col("kind", N_("kind"), "code"),
    Col("description", N_("description"), "text"),
    Col("period_start", N_("from"), "date"),
    Col("period_end", N_("to"), "date"),
    Col("amount", N_("amount"), "money"),
]


def print_invoice(invoice: dict[str, Any]) -> None:
    """An invoice (``views.invoice``): its heading, its lines as a table, its totals. On a
    TTY its status is coloured (an unpaid one past due, ``overdue`` set, reads overdue) and
    its amounts are formatted."""
    cur = invoice["currency"]
    tty = stdout_is_tty()
    from hostctl.words import say

    status = str(_shown_status(invoice["status"], invoice)) if tty else invoice["status"]
    shown = say("invoice", status)
    heading = "\n" + _("invoice {number} ({status}), issued {issue_date}, due {due_date}").format(
        number=invoice["number"],
        status=shown,
        issue_date=invoice["issue_date"],
        due_date=invoice["due_date"],
    )
    totals = _("total {total}  ·  due {amount_due}").format(
        total=amount_text(invoice["total"], cur), amount_due=amount_text(invoice["amount_due"], cur)
    )
    if not tty:
        print_line(heading)
        print_table(invoice["lines"], INVOICE_LINE_COLUMNS, currency=cur)
        print_line(totals)
        return
    from rich.text import Text

    console = _console()
    text = Text(heading)
    text.highlight_regex(rf"(?<=\(){re.escape(shown)}(?=\))", style=status_style(status))
    console.print(text, soft_wrap=True)
    print_table(invoice["lines"], INVOICE_LINE_COLUMNS, currency=cur)
    console.print(Text(totals), soft_wrap=True)


def print_bar_chart(
    bars: Sequence[tuple[str, int, int]], *, legend: str, good: str, bad: str, width: int = 30
) -> None:
    """Horizontal bars of two counts each, ``good`` (green) then ``bad`` (red), scaled to the
    longest bar; ``bars`` is a list of (label, good count, bad count). For a TTY only."""
    from rich.text import Text

    console = _console()
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


class Counter:
    """A transient bar on stderr counting rows of a job whose total is not known (the WHMCS
    import, table by table); the caller shows it only when stderr is a TTY."""

    def __init__(self, description: str) -> None:
        from rich.console import Console
        from rich.progress import Progress as RichProgress
        from rich.progress import SpinnerColumn, TextColumn

        self._bar = RichProgress(
            SpinnerColumn(),
            TextColumn("{task.description} {task.completed:,}"),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(safe(description), total=None)

    def update(self, count: int) -> None:
        self._bar.update(self._task, completed=count)

    def stop(self) -> None:
        self._bar.stop()


def _message(text: str) -> None:
    """A message on stderr, on one line (the terminal folds it; tests and people grep it),
    control characters escaped (``safe``)."""
    sys.stderr.write(safe(text) + "\n")


def info(message: str) -> None:
    _message(message)


def warn(message: str) -> None:
    _message(_("warning: {message}").format(message=message))


def error(message: str) -> None:
    _message(_("error: {message}").format(message=message))


def print_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    """Rows as CSV on stdout (a header, then one line a row)."""
    import csv

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])


def print_document(text: str) -> None:
    """A document for a file (e.g. the TOML map of `whmcs map`), written as it is: its
    maker keeps control characters out of it."""
    sys.stdout.write(text)
