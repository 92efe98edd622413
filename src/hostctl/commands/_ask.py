"""What the commands ask on a terminal for an option left out, and what they confirm.

``prompts.py`` does the asking behind its gate (a terminal, no ``--no-input``); this module
knows the questions: their labels, the core check each answer goes through (the same as the
option's) and the choices, fetched through core in a read-only unit of work only when the
question is really asked. A value given on the command line is returned unchanged, and
nothing is read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from hostctl import prompts
from hostctl.i18n import _

T = TypeVar("T")


def read(fetch: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fetch(session, *args, **kwargs)`` in a read-only unit of work."""
    from hostctl.commands._common import work

    with work(readonly=True) as (session, _ctx):
        return fetch(session, *args, **kwargs)


def known(fetch: Callable[[Any, Any], object], key: Any, *values: object) -> None:
    """Before asking about ``key`` (an id of the command line) for the ``values`` left out,
    ``fetch(session, key)`` refuses an unknown one: first, not after every question."""
    if any(v is None for v in values) and prompts.allowed():
        read(fetch, key)


def text(value: str | None, option: str, label: str, check: prompts.Check | None = None) -> str:
    return value if value is not None else prompts.text(label, option=option, check=check)


def number(
    value: int | None,
    option: str,
    label: str,
    fetch: Callable[[Any, int], object] | None = None,
) -> int:
    """An id; with ``fetch`` (``clients.get_client`` …) an unknown one is refused at the
    prompt, to correct."""
    if value is not None:
        return value
    check = (lambda number: read(fetch, number)) if fetch is not None else None
    return prompts.whole_number(label, option=option, check=check)


def choice(value: str | None, option: str, label: str, choices: prompts.Choices) -> str:
    return value if value is not None else prompts.select(label, choices, option=option)


def confirm(yes: bool, describe: Callable[[], str]) -> None:
    """A destructive step, confirmed on a terminal; ``describe`` (it may read the database to
    say what exactly would change, and refuses an unknown id first) runs only when asked."""
    if prompts.asks_to_confirm(yes):
        prompts.confirm_step(describe(), yes=yes)


def _money(minor: int, currency: str) -> str:
    """An amount in a confirmation question (asked on a terminal only): ``US$ 1.234,56``."""
    from hostctl.core.money import Money, format_money

    return format_money(Money(minor, currency))


# --------------------------------------------------------------------------- clients
def client(value: int | None, option: str = "--client") -> int:
    from hostctl.core import clients

    return number(value, option, _("Client id:"), clients.get_client)


def client_name(value: str | None, label: str | None = None) -> str:
    from hostctl.core import validate

    return text(value, "--name", label or _("Name:"), validate.name)


def client_email(value: str | None, label: str | None = None) -> str:
    from hostctl.core import validate

    return text(value, "--email", label or _("Email:"), validate.email)


def contact_name(value: str | None) -> str:
    return client_name(value, _("Contact name:"))


def contact_email(value: str | None) -> str:
    return client_email(value, _("Contact email:"))


# --------------------------------------------------------------------------- catalogue
def product(value: str | None, option: str = "--product") -> str:
    from hostctl.core import catalogue

    return choice(value, option, _("Product:"), lambda: read(catalogue.product_choices))


def cycle(value: str | None, product_code: str, option: str = "--cycle") -> str:
    from hostctl.core import catalogue

    return choice(
        value, option, _("Billing cycle:"), lambda: read(catalogue.cycles_of, product_code)
    )


def product_name(value: str | None) -> str:
    from hostctl.core import validate

    return text(value, "--name", _("Name shown on invoices:"), validate.name)


def product_category(value: str | None) -> str:
    from hostctl.core import catalogue

    return choice(value, "--category", _("Category:"), list(catalogue.CATEGORIES))


def monthly_prices(values: list[str], currency: str) -> list[str]:
    from hostctl.core import catalogue
    from hostctl.i18n import language

    if values:
        return values
    answer = prompts.text(
        _("Monthly price (an amount in {currency}, or CUR=AMOUNT):").format(currency=currency),
        option="--monthly-price",
        check=lambda raw: catalogue.parse_prices([raw], currency, language=language()),
    )
    return [answer]


def product_cycles(value: str | None) -> str:
    from hostctl.core import catalogue

    if value is not None:
        return value
    return ",".join(
        prompts.choose_many(_("Billing cycles:"), list(catalogue.CYCLES), option="--cycles")
    )


# --------------------------------------------------------------------------- services
def service(value: int | None, option: str = "--service") -> int:
    from hostctl.core import services

    return number(value, option, _("Service id:"), services.get_service)


def _service_label(session: Any, service_id: int) -> dict[str, Any]:
    from hostctl.core import services

    found = services.get_service(session, service_id)
    what = found.product_code + (f", {found.domain}" if found.domain else "")
    return {"id": found.id, "what": what, "client": found.client_id}


def suspend_reason(value: str | None) -> str:
    return choice(value, "--reason", _("Reason:"), [("abuse", _("abuse"))])


def confirm_suspend(service_id: int, yes: bool) -> None:
    confirm(
        yes,
        lambda: _("Suspend service {id} ({what}) of client {client} for abuse?").format(
            **read(_service_label, service_id)
        ),
    )


def new_cycle(value: str | None, service_id: int) -> str:
    from hostctl.core import services

    return choice(
        value,
        "--cycle",
        _("New billing cycle:"),
        lambda: read(services.cycle_choices, service_id),
    )


def upgrade_target(value: str | None, service_id: int, *, force: bool) -> str:
    from hostctl.core import upgrades

    return choice(
        value, "--to", _("Upgrade to:"), lambda: read(upgrades.targets, service_id, force=force)
    )


def cancel_when(value: str | None) -> str:
    from hostctl.core import cancellations

    titles = {
        "immediate": _("immediate — today, the service stops"),
        "end-of-period": _("end-of-period — at its next due date (can be revoked)"),
    }
    return choice(value, "--when", _("Cancel when:"), [(w, titles[w]) for w in cancellations.WHENS])


def cancel_channel(value: str | None) -> str:
    return text(value, "--channel", _("Where the client asked (client area, ticket …):"))


def cancel_reason(value: str | None) -> str:
    return text(value, "--reason", _("The client's reason:"))


def confirm_cancel(service_id: int, yes: bool) -> None:
    confirm(
        yes,
        lambda: _("Cancel service {id} ({what}) of client {client} today?").format(
            **read(_service_label, service_id)
        ),
    )


def server(value: str | None, option: str = "--server") -> str:
    from hostctl.core import uptime

    return text(value, option, _("Server:"), uptime.check_server)


# --------------------------------------------------------------------------- invoices, payments
def _invoice_label(session: Any, ref: str) -> dict[str, Any]:
    from hostctl.core import invoices

    found = invoices.find_invoice(session, ref)
    return {
        "number": found.number,
        "client": found.client_id,
        "total": _money(found.total_minor, found.currency),
        "due": invoices.amount_due(found).to_json(),
        "currency": found.currency,
    }


def confirm_invoice_cancel(ref: str, yes: bool) -> None:
    confirm(
        yes,
        lambda: _("Cancel invoice {number} of client {client} ({total})?").format(
            **read(_invoice_label, ref)
        ),
    )


def invoice(value: str | None) -> str:
    return text(value, "--invoice", _("Invoice (id or number):"))


def payment_amount(value: str | None, ref: str) -> str:
    from hostctl.core import payments
    from hostctl.i18n import language

    if value is not None:
        return value
    if not prompts.allowed():
        raise prompts.missing("--amount")
    facts = read(_invoice_label, ref)
    currency = facts["currency"]
    return prompts.text(
        _("Amount received in {currency}:").format(currency=currency),
        option="--amount",
        default=facts["due"],
        check=lambda raw: payments.check_amount(raw, currency, language=language()),
    )


def confirm_excess(ref: str, amount: str, allow: bool) -> bool:
    """Whether a payment more than twice the amount due is allowed: with --allow-excess; on a
    terminal, when confirmed (the question shows the credit it would leave; --yes answers
    it); never in a script without --allow-excess (core refuses it)."""
    from hostctl.core import payments
    from hostctl.i18n import language

    if allow or not prompts.allowed():
        return allow
    credit = read(payments.would_credit, ref, amount, language=language())
    if credit is None:
        return False
    from hostctl.core.money import format_money

    prompts.confirm_step(
        _("More than twice the amount due: {credit} would become credit. Record it?").format(
            credit=format_money(credit)
        )
    )
    return True


def payment_method(value: str | None, ref: str) -> str:
    from hostctl.core import invoices, payments

    def methods(session: Any) -> list[str]:
        return payments.methods_for(session, invoices.find_invoice(session, ref))

    return choice(value, "--method", _("Method:"), lambda: read(methods))


def confirm_chargeback(payment_id: int, close_account: bool, yes: bool) -> None:
    from hostctl.core import payments

    def describe() -> str:
        def facts(session: Any) -> dict[str, Any]:
            found = payments.get_payment(session, payment_id)
            shown = _invoice_label(session, str(found.invoice_id))
            return {
                "id": found.id,
                "amount": _money(found.amount_minor, found.currency),
                "method": found.method,
                "number": shown["number"],
                "client": shown["client"],
            }

        found = read(facts)
        if close_account:
            return _(
                "Reverse payment {id} ({amount}, {method}) of invoice {number} and terminate "
                "every service of client {client}?"
            ).format(**found)
        return _(
            "Reverse payment {id} ({amount}, {method}) of invoice {number}? Its services "
            "will be suspended."
        ).format(**found)

    confirm(yes, describe)


# --------------------------------------------------------------------------- transfers
def transfer_party(value: str | None) -> str:
    from hostctl.core import transfers

    titles = {"from": _("from — the current holder"), "to": _("to — the new holder")}
    return choice(
        value, "--party", _("Whose message:"), [(p, titles[p]) for p in transfers.PARTIES]
    )


def consent_message(message: str | None, message_file: Any) -> str | None:
    """The received text, asked (several lines; Esc then Enter ends it) when neither
    --message nor --message-file is given on a terminal."""
    if message is not None or message_file is not None or not prompts.allowed():
        return message
    return prompts.text(_("The message received:"), option="--message", multiline=True)


# --------------------------------------------------------------------------- tickets
def ticket_subject(value: str | None) -> str:
    return text(value, "--subject", _("Subject:"))


def ticket_category(value: str | None, allowed: Sequence[str] | None = None) -> str:
    from hostctl.core import tickets

    titles = {
        "sla1": _("sla1 — advice"),
        "sla2": _("sla2 — preventive maintenance"),
        "sla3": _("sla3 — error report"),
        "sla4": _("sla4 — web design or software"),
    }
    listed = [(c, titles[c]) for c in (allowed or tickets.CATEGORIES)]
    return choice(value, "--category", _("Category:"), listed)


def reply_author(value: str | None) -> str:
    from hostctl.core import tickets

    titles = {"staff": _("staff — us"), "client": _("client — the client wrote")}
    return choice(value, "--by", _("Reply by:"), [(a, titles[a]) for a in tickets.AUTHORS])


def reply_message(value: str | None) -> str:
    return text(value, "--message", _("Reply:"))


# --------------------------------------------------------------------------- promotions, affiliates
def referral_ids(
    referrer: int | None, referred: int | None, service_id: int | None
) -> tuple[int, int, int]:
    from hostctl.core import clients, services

    return (
        number(referrer, "--referrer", _("Referring client id:"), clients.get_client),
        number(referred, "--referred", _("Referred client id:"), clients.get_client),
        number(service_id, "--service", _("Service id that gets the month:"), services.get_service),
    )


def two_clients(values: list[int]) -> list[int]:
    from hostctl.core import clients

    if values:
        return values
    first = number(None, "--client", _("First new client id (A):"), clients.get_client)
    second = number(None, "--client", _("Second new client id (B, free):"), clients.get_client)
    return [first, second]


def withdrawal_amount(value: str | None, client_id: int) -> str:
    from hostctl.core import affiliates
    from hostctl.i18n import language

    if value is not None:
        return value
    if not prompts.allowed():
        raise prompts.missing("--amount")
    currency = read(lambda session: affiliates.get_affiliate(session, client_id).currency)
    return prompts.text(
        _("Amount in {currency}:").format(currency=currency),
        option="--amount",
        check=lambda raw: affiliates.check_withdrawal(raw, currency, language=language()),
    )


def withdrawal_to(value: str | None) -> str:
    from hostctl.core import affiliates

    titles = {"credit": _("credit — the client's credit now"), "bank": _("bank — a bank transfer")}
    return choice(
        value, "--to", _("Withdraw to:"), [(t, titles[t]) for t in affiliates.WITHDRAW_TO]
    )


def bank_account(value: str | None, to: str) -> str | None:
    if value is not None or to.strip().lower() != "bank" or not prompts.allowed():
        return value
    return prompts.text(_("The client's bank account (CBU/IBAN, holder):"), option="--bank-account")


def confirm_decline(quote_id: int, yes: bool) -> None:
    from hostctl.core import quotes

    def facts(session: Any) -> dict[str, Any]:
        found = quotes.get_quote(session, quote_id)
        return {
            "id": found.id,
            "client": found.client_id,
            "total": _money(found.total_minor, found.currency),
        }

    confirm(
        yes,
        lambda: _(
            "Record that client {client} declined quote {id} ({total})? It cannot be "
            "accepted afterwards."
        ).format(**read(facts)),
    )


# --------------------------------------------------------------------------- outages, uptime
def outage_time(value: str | None, option: str, label: str) -> str:
    from hostctl.core.clock import parse_datetime

    return text(value, option, label, lambda raw: parse_datetime(raw, what=option))


def outage_start(value: str | None) -> str:
    return outage_time(value, "--from", _("Down from (YYYY-MM-DDTHH:MM, company time):"))


def outage_end(value: str | None) -> str:
    return outage_time(value, "--to", _("Back at (YYYY-MM-DDTHH:MM):"))


def month(value: str | None) -> str:
    from hostctl.core import uptime

    return text(value, "--month", _("Month (YYYY-MM):"), uptime.parse_month)


# --------------------------------------------------------------------------- settings
def setting_key(value: str | None) -> str:
    from hostctl.core import settings

    return choice(value, "KEY", _("Setting:"), list(settings.KNOWN))


def setting_value(value: str | None, key: str) -> str:
    from hostctl.core import settings
    from hostctl.i18n import language

    if value is not None:
        return value
    if not prompts.allowed():
        raise prompts.missing("VALUE")
    current = read(settings.get_known, key)
    return prompts.text(
        _("Value of {key}:").format(key=key),
        option="VALUE",
        default=current,
        check=lambda raw: settings.validate(key, raw, language=language()),
    )
