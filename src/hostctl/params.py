"""Whole numbers typed on the command line, for every command at once (``cli.load_command``
installs this on the command tree it loads):

* every ``int`` option and argument is read here rather than by Typer's pydantic coercion,
  so a bad value is one sentence in the session's language (``error: --limit takes a whole
  number such as 7, not 'ten'.``, exit 1), never pydantic's words under a usage line;
* a number the database cannot hold (beyond its 32-bit integer columns) is refused before
  any query: an id is "not found" (exit 3: no such row can exist), anything else exit 1;
* a negative number is a value, not an option: ``client show -1``, ``config set KEY -10``
  (click would answer "No such option: -1").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from typer._click.parser import _OptionParser, _ParsingState
from typer._coercion import RuntimeParam

from hostctl.core.validate import LARGEST_ID
from hostctl.errors import NotFoundError, ValidationError
from hostctl.i18n import _

if TYPE_CHECKING:
    from typer import _click as click

LARGEST = LARGEST_ID  # PostgreSQL's integer: ids, counts, limits
SMALLEST = -LARGEST_ID - 1

_WHOLE = re.compile(r"[+-]?[0-9]+")
# A token that is a negative number, never an option (no option of hostctl is a digit).
NEGATIVE = re.compile(r"-[0-9][0-9.,]*")

# The int parameters that name a row, by parameter name → what they name.
IDS = {
    "client_id": "client",
    "client": "client",
    "referrer": "client",
    "referred": "client",
    "to": "client",  # transfer request --to CLIENT_ID
    "service_id": "service",
    "service": "service",
    "payment_id": "payment",
    "transfer_id": "transfer",
    "quote_id": "quote",
}


def not_found(what: str, number: int) -> NotFoundError:
    """The sentence of core's ``get_…`` for an id no row can have."""
    if what == "client":
        text = _("There is no client {client_id}; `hostctl client list` shows them.").format(
            client_id=number
        )
    elif what == "service":
        text = _("There is no service {service_id}; `hostctl service list` shows them.").format(
            service_id=number
        )
    elif what == "payment":
        text = _("There is no payment {payment_id}.").format(payment_id=number)
    elif what == "transfer":
        text = _("There is no transfer {transfer_id}; `hostctl transfer list` shows them.").format(
            transfer_id=number
        )
    else:
        text = _("There is no quote {quote_id}; `hostctl quote list` shows them.").format(
            quote_id=number
        )
    return NotFoundError(text)


def label(param: click.Parameter) -> str:
    """How the user wrote the parameter: ``--limit``, or ``CLIENT_ID`` for an argument."""
    if param.param_type_name == "option" and param.opts:
        return max(param.opts, key=len)
    return (getattr(param, "metavar", None) or param.name or "").upper()


def whole_number(
    text: str, what: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """``text`` as a whole number within ``minimum``..``maximum`` and what the database keeps,
    or one sentence (exit 1) naming ``what`` (the option)."""
    raw = text.strip()
    if not raw.isascii() or not _WHOLE.fullmatch(raw):
        raise ValidationError(
            _("{option} takes a whole number such as 7, not {answer!r}.").format(
                option=what, answer=text
            )
        )
    number = int(raw)
    low = SMALLEST if minimum is None else max(minimum, SMALLEST)
    high = LARGEST if maximum is None else min(maximum, LARGEST)
    if low <= number <= high:
        return number
    if minimum is not None and maximum is not None:
        message = _("{option} takes a whole number from {low} to {high}, not {number}.")
    elif number > high:
        message = _("{option} {number} is too large; the largest is {high}.")
    elif minimum is not None:
        message = _("{option} takes a whole number from {low} up, not {number}.")
    else:
        message = _("{option} {number} is too small; the smallest is {low}.")
    raise ValidationError(message.format(option=what, low=low, high=high, number=number))


@dataclass(frozen=True)
class WholeNumber(RuntimeParam):
    """Typer's coercion of one ``int`` (or ``list[int]``) parameter, replaced."""

    def _coerce_value(self, value: Any, param: Any, ctx: click.Context) -> Any:
        if isinstance(value, list | tuple):
            return [self._one(item, param) for item in value]
        return self._one(value, param)

    def _one(self, value: Any, param: click.Parameter) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value  # a default
        what = label(param)
        kind = IDS.get(param.name or "")
        if kind is not None:
            text = str(value).strip()
            if text.isascii() and _WHOLE.fullmatch(text) and not SMALLEST <= int(text) <= LARGEST:
                raise not_found(kind, int(text))
        info = self.parameter_info
        return whole_number(
            str(value),
            what,
            minimum=None if info.min is None else int(info.min),
            maximum=None if info.max is None else int(info.max),
        )


class _Parser(_OptionParser):
    """Click's parser, for which ``-1`` is a value (an argument), not an unknown option."""

    def _process_opts(self, arg: str, state: _ParsingState) -> None:
        if NEGATIVE.fullmatch(arg) and arg not in self._short_opt and arg not in self._long_opt:
            state.largs.append(arg)
            return
        super()._process_opts(arg, state)


def _make_parser(command: click.Command) -> Any:
    def make_parser(ctx: click.Context) -> _OptionParser:
        parser = _Parser(ctx)
        for param in command.get_params(ctx):
            param.add_to_parser(parser, ctx)
        return parser

    return make_parser


def install(command: click.Command) -> None:
    """Whole numbers and negative values as above, on ``command`` and its sub-commands."""
    for param in command.params:
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or descriptor.annotation not in (int, list[int]):
            continue
        param._runtime_param = WholeNumber(  # type: ignore[attr-defined]
            parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
        )
    subs = getattr(command, "commands", None)
    if subs is None:
        command.make_parser = _make_parser(command)  # type: ignore[method-assign]
    for sub in (subs or {}).values():
        install(sub)
