"""The whole client as ``client show`` prints it, read through SQLAlchemy Core.

One-shot ``client show`` reads eight tables; building their SQLModel classes cost more than
the rest of the command (about 1.3× ``import sqlmodel`` on their own). The same selects,
filters and order as ``clients.get_client``/``contacts``, ``services.list_services``,
``invoices.list_invoices``/``lines_of``, ``payments.list_payments``,
``tickets.list_tickets`` and ``transfers.list_transfers`` run here on the Core tables of
``models.core_tables``; the rows answer by attribute as the model objects do, so the same
``views`` functions render them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from hostctl.errors import NotFoundError
from hostctl.i18n import _
from hostctl.models import core_tables as t

SECTIONS = (
    "contacts",
    "services",
    "unpaid_invoices",
    "recent_payments",
    "open_tickets",
    "pending_transfers",
)
RECENT_PAYMENTS = 10


def whole_client(session: Any, client_id: int) -> tuple[Any, dict[str, Any]]:
    """The client's row and its sections' rows (``SECTIONS``; each unpaid invoice as a pair
    of the invoice and its lines); ``NotFoundError`` if there is no such client."""
    run = session.execute
    client = run(select(t.clients).where(t.clients.c.id == client_id)).first()
    if client is None:
        raise NotFoundError(
            _("There is no client {client_id}; `hostctl client list` shows them.").format(
                client_id=client_id
            )
        )
    contacts = t.contacts
    services = t.services
    invoices, lines = t.invoices, t.invoice_lines
    payments, tickets, transfers = t.payments, t.tickets, t.transfers
    unpaid = run(
        select(invoices)
        .where(invoices.c.client_id == client_id, invoices.c.status == "unpaid")
        .order_by(invoices.c.id)
    ).all()
    lines_of: dict[int, list[Any]] = {inv.id: [] for inv in unpaid}
    if unpaid:
        for line in run(
            select(lines)
            .where(lines.c.invoice_id.in_(list(lines_of)))
            .order_by(lines.c.invoice_id, lines.c.position)
        ):
            lines_of[line.invoice_id].append(line)
    recent = run(
        select(payments)
        .where(payments.c.client_id == client_id)
        .order_by(payments.c.paid_on.desc(), payments.c.id.desc())
        .limit(RECENT_PAYMENTS)
    ).all()
    sections = {
        "contacts": run(
            select(contacts).where(contacts.c.client_id == client_id).order_by(contacts.c.id)
        ).all(),
        "services": run(
            select(services).where(services.c.client_id == client_id).order_by(services.c.id)
        ).all(),
        "unpaid_invoices": [(inv, lines_of[inv.id]) for inv in unpaid],
        "recent_payments": recent[::-1],
        "open_tickets": run(
            select(tickets)
            .where(tickets.c.client_id == client_id, tickets.c.status != "closed")
            .order_by(tickets.c.opened_at, tickets.c.id)
        ).all(),
        "pending_transfers": run(
            select(transfers)
            .where(
                transfers.c.status == "pending",
                or_(
                    transfers.c.from_client_id == client_id,
                    transfers.c.to_client_id == client_id,
                ),
            )
            .order_by(transfers.c.id)
        ).all(),
    }
    return client, sections
