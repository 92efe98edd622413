"""Questions of `payment …`: the invoice, the method and the amount of `payment add`; the
confirmation of a chargeback."""

from __future__ import annotations

from typing import Any

from hostctl import prompts
from hostctl.ask import choice, confirm, money, read
from hostctl.ask.invoice import invoice as invoice
from hostctl.ask.invoice import invoice_label
from hostctl.i18n import _


def payment_amount(value: str | None, ref: str) -> str:
    from hostctl.core import payments

    if value is not None:
        return value
    if not prompts.allowed():
        raise prompts.missing("--amount")
    facts = read(invoice_label, ref)
    currency = facts["currency"]
    return prompts.text(
        _("Amount received in {currency}:").format(currency=currency),
        option="--amount",
        default=facts["due"],
        check=lambda raw: payments.check_amount(raw, currency),
    )


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
            shown = invoice_label(session, str(found.invoice_id))
            return {
                "id": found.id,
                "amount": money(found.amount_minor, found.currency),
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
