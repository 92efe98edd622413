"""Questions of `invoice …`: the invoice asked by number, the confirmation of a cancellation."""

from __future__ import annotations

from typing import Any

from hostctl.ask import confirm, money, read, text
from hostctl.i18n import _


def invoice_label(session: Any, ref: str) -> dict[str, Any]:
    from hostctl.core import invoices

    found = invoices.find_invoice(session, ref)
    return {
        "number": found.number,
        "client": found.client_id,
        "total": money(found.total_minor, found.currency),
        "due": invoices.amount_due(found).to_json(),
        "currency": found.currency,
    }


def confirm_invoice_cancel(ref: str, yes: bool) -> None:
    confirm(
        yes,
        lambda: _("Cancel invoice {number} of client {client} ({total})?").format(
            **read(invoice_label, ref)
        ),
    )


def invoice(value: str | None) -> str:
    return text(value, "--invoice", _("Invoice (id or number):"))
