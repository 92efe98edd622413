"""Questions of `payment …`: the invoice, the method and the amount of `payment add`; the
confirmation of a chargeback."""

from __future__ import annotations

from typing import Any

from hostctl import prompts
from hostctl.ask import choice, confirm, money, read
from hostctl.ask.invoice import invoice as invoice
from hostctl.ask.invoice import invoice_label
from hostctl.i18n import _, language


def method_then_amount(ref: str, method: str | None, amount: str | None) -> tuple[str, str]:
    """``payment add``'s method, then its amount: the method's discount (DSC-3) changes the
    amount due, which the amount question offers. Without a terminal the first missing
    option named is still --amount, as it is declared first."""
    if amount is None and not prompts.allowed():
        raise prompts.missing("--amount")
    method = payment_method(method, ref)
    return method, payment_amount(amount, ref, method)


def payment_amount(value: str | None, ref: str, method: str | None = None) -> str:
    """The amount received, offering what settles the invoice with ``method`` (its amount
    due, less the method's discount when paying it all earns one)."""
    from hostctl.core import payments

    if value is not None:
        return value
    if not prompts.allowed():
        raise prompts.missing("--amount")
    facts = read(_amount_facts, ref, method)
    currency = facts["currency"]
    label = (
        _("Amount received in {currency} (due with the {method} discount: {due}):")
        if facts["discounted"]
        else _("Amount received in {currency}:")
    )
    return prompts.text(
        label.format(currency=currency, method=method, due=facts["due"]),
        option="--amount",
        default=facts["due"],
        check=lambda raw: payments.check_amount(raw, currency, language=language()),
    )


def _amount_facts(session: Any, ref: str, method: str | None) -> dict[str, Any]:
    from hostctl.core import invoices, payments, settings
    from hostctl.core.money import typed_form

    found = invoices.find_invoice(session, ref)
    due = invoices.amount_due(found)
    method = (method or "").strip().lower()
    known = method in settings.payment_methods(session)  # else add_payment refuses it later
    with_method = payments.amount_due_with(session, found, method) if known else due
    return {
        "currency": found.currency,
        "due": typed_form(with_method, language()),  # offered as the session types it
        "discounted": with_method != due,
    }


def confirm_excess(ref: str, amount: str, allow: bool) -> bool:
    """Whether a payment more than twice the amount due is allowed: with --allow-excess; on a
    terminal, when confirmed (the question shows the credit it would leave; --yes answers
    it); never in a script without --allow-excess (core refuses it)."""
    from hostctl.core import payments

    if allow or not prompts.allowed():
        return allow
    credit = read(payments.would_credit, ref, amount, language=language())
    if credit is None:
        return False
    from hostctl import output

    prompts.confirm_step(
        _("More than twice the amount due: {credit} would become credit. Record it?").format(
            credit=output.human_money(credit, credit.currency)
        )
    )
    return True


def payment_method(value: str | None, ref: str) -> str:
    """The methods the invoice's client may use, those of its country first; a discount
    (DSC-3) is shown beside its method."""
    from hostctl.core import invoices, payments, settings

    def methods(session: Any) -> list[tuple[str, str]]:
        listed = payments.methods_for(session, invoices.find_invoice(session, ref))
        titled = []
        for method in listed:
            pct = settings.method_discount(session, method)
            title = (
                _("{method} — {percent} % discount").format(
                    method=method, percent=f"{pct.normalize():f}"
                )
                if pct > 0
                else method
            )
            titled.append((method, title))
        return titled

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
