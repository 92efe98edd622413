"""Starting data for the core billing tests, written through core (no CLI), and readers of
what the rules leave behind, with amounts as exact strings ("96.00")."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlmodel import Session, col, select

from conftest import make_ctx
from hostctl.core import catalogue, clients, payments, services
from hostctl.core.catalogue import ProductInput
from hostctl.core.context import Context
from hostctl.core.cycles import CYCLE_MONTHS, add_months
from hostctl.core.invoices import InvoiceSpec, add_credit, lines_of
from hostctl.core.money import Money, money_json
from hostctl.core.pricing import Line
from hostctl.models import (
    AuditEntry,
    Client,
    CreditEntry,
    Invoice,
    OutboxMessage,
    Payment,
    Service,
)

START = "2026-01-01"
PRODUCTS = (
    ProductInput(
        code="hosting-basic",
        name="Hosting Básico",
        category="hosting",
        cycles=["semiannual", "annual", "biennial"],
        prices={
            "USD": Money.parse("10.00", "USD"),
            "ARS": Money.parse("9000.00", "ARS"),
            "UYU": Money.parse("400.00", "UYU"),
        },
    ),
    ProductInput(
        code="radio",
        name="Radio Streaming",
        category="streaming",
        cycles=["monthly", "quarterly", "semiannual", "annual"],
        prices={"USD": Money.parse("8.00", "USD")},
        refundable=False,
    ),
    ProductInput(
        code="reseller",
        name="Revendedor",
        category="reseller",
        cycles=["monthly", "annual"],
        prices={"USD": Money.parse("20.00", "USD")},
        activation="manual",
        activation_days=2,
        requirement="datos de la cuenta confirmados",
    ),
    ProductInput(
        code="domain-com",
        name="Dominio .com",
        category="domain",
        cycles=["annual"],
        prices={"USD": Money.parse("1.25", "USD")},
        period_discount=False,
        refundable=False,
    ),
)


def date(text: str | dt.date) -> dt.date:
    return text if isinstance(text, dt.date) else dt.date.fromisoformat(text)


def add_catalogue(session: Session) -> None:
    for product in PRODUCTS:
        catalogue.add_product(session, make_ctx(START), product)
    session.flush()


def add_client(
    session: Session,
    email: str,
    *,
    currency: str = "USD",
    phone: str | None = "+5491123456789",
    credit: str | None = None,
) -> Client:
    client, _ = clients.add_client(
        session,
        make_ctx(START),
        name=email.split("@")[0].title(),
        email=email,
        currency=currency,
        phone=phone,
    )
    if credit:
        add_credit(session, make_ctx(START), client.id, Money.parse(credit, currency), "test")
        session.flush()
        session.refresh(client)
    return client


def add_service(
    session: Session,
    client: Client,
    *,
    product: str = "hosting-basic",
    cycle: str = "annual",
    due: str | dt.date = "2027-01-10",
    status: str = "active",
    reason: str | None = None,
    auto_renew: bool = True,
    cancellation: str | None = None,
    domain: str | None = None,
) -> Service:
    """A service already running (as imported), its current period ending the day before
    ``due``; a suspended one defaults to a non-payment suspension."""
    due = date(due)
    now = make_ctx(START).now
    suspended = status == "suspended"
    service = Service(
        client_id=client.id,
        product_code=product,
        cycle=cycle,
        status=status,
        suspension_reason=(reason or "non-payment") if suspended else None,
        suspended_on=date(START) if suspended else None,
        next_due_date=due if status != "pending" else None,
        anchor_day=due.day if status != "pending" else None,
        activated_on=add_months(due, -CYCLE_MONTHS[cycle]) if status != "pending" else None,
        domain=domain,
        auto_renew=auto_renew,
        cancellation=cancellation,
        created_on=date(START),
        created_at=now,
        updated_at=now,
    )
    session.add(service)
    session.flush()
    return service


def add_services(session: Session, client: Client, n: int, **kw: Any) -> list[Service]:
    return [add_service(session, client, **kw) for _ in range(n)]


def invoice_for(
    session: Session,
    ctx: Context,
    client: Client,
    amounts: list[str],
    *,
    kind: str = "renewal",
    due: str | dt.date | None = None,
    service: Service | None = None,
) -> Invoice:
    """An invoice with one line per amount (an item for ``service``, if given)."""
    lines = [
        Line(
            "item",
            f"Línea {i}",
            Money.parse(a, client.currency),
            None,
            service.id if service else None,
            service.next_due_date if service else None,
            add_months(service.next_due_date, CYCLE_MONTHS[service.cycle]) - dt.timedelta(days=1)
            if service and service.next_due_date
            else None,
        )
        for i, a in enumerate(amounts, start=1)
    ]
    spec = InvoiceSpec(
        client=client,
        kind=kind,
        issue_date=ctx.today,
        due_date=date(due) if due else ctx.today,
        lines=lines,
    )
    return payments.issue_invoice(session, ctx, spec)


def order(
    session: Session,
    ctx: Context,
    client: Client,
    product: str = "hosting-basic",
    cycle: str = "annual",
    quantity: int = 1,
    domain: str | None = None,
) -> tuple[list[Service], Invoice]:
    return services.order(
        session,
        ctx,
        client_id=client.id,
        product_code=product,
        cycle=cycle,
        quantity=quantity,
        domain=domain,
    )


def pay(
    session: Session, ctx: Context, invoice: Invoice | int, amount: str, method: str = "card"
) -> tuple[Payment, Invoice]:
    invoice_id = invoice if isinstance(invoice, int) else invoice.id
    return payments.add_payment(session, ctx, invoice_id, amount, method)


# --------------------------------------------------------------------------- reading
def lines(session: Session, invoice: Invoice | int) -> list[tuple[str, str | None, str]]:
    """(kind, code, amount) of each line, in order."""
    inv = invoice if isinstance(invoice, Invoice) else session.get(Invoice, invoice)
    return [
        (x.kind, x.code, money_json(x.amount_minor, inv.currency))
        for x in lines_of(session, inv.id)
    ]


def total(invoice: Invoice) -> str:
    return money_json(invoice.total_minor, invoice.currency)


def reread(session: Session, obj: Any) -> Any:
    """The row as the database has it now."""
    session.flush()
    session.refresh(obj)
    return obj


def client_invoices(session: Session, client: Client) -> list[Invoice]:
    session.flush()
    return list(
        session.exec(
            select(Invoice)
            .where(Invoice.client_id == client.id)
            .order_by(col(Invoice.id))
            .execution_options(populate_existing=True)
        )
    )


def credit_of(session: Session, client: Client) -> str:
    session.flush()
    fresh = session.get(Client, client.id, populate_existing=True)
    return money_json(fresh.credit_minor, fresh.currency)


def ledger(session: Session, client: Client) -> list[tuple[str, str, int | None]]:
    """(amount, reason, invoice id) of each credit movement, in order."""
    session.flush()
    rows = session.exec(
        select(CreditEntry).where(CreditEntry.client_id == client.id).order_by(col(CreditEntry.id))
    )
    return [(money_json(e.amount_minor, e.currency), e.reason, e.invoice_id) for e in rows]


def ledger_total(session: Session, client: Client) -> str:
    rows = session.exec(select(CreditEntry).where(CreditEntry.client_id == client.id)).all()
    return money_json(sum(e.amount_minor for e in rows), client.currency)


def audit_rows(
    session: Session, action_prefix: str = "", *, after: int = 0
) -> list[tuple[str, str, str, dict[str, Any], str | None, dt.date]]:
    """(action, entity type, entity id, changes, note, effective date) in order."""
    session.flush()
    rows = session.exec(
        select(AuditEntry)
        .where(col(AuditEntry.action).startswith(action_prefix), col(AuditEntry.id) > after)
        .order_by(col(AuditEntry.id))
    )
    return [
        (a.action, a.entity_type, a.entity_id, json.loads(a.changes), a.note, a.effective_date)
        for a in rows
    ]


def outbox_rows(
    session: Session, event_prefix: str = "", *, after: int = 0
) -> list[tuple[str, str, int | None, int | None, int | None, str | None, dict[str, Any]]]:
    """(event, channel, client, invoice, service, stage, payload) in order."""
    session.flush()
    rows = session.exec(
        select(OutboxMessage)
        .where(col(OutboxMessage.event).startswith(event_prefix), col(OutboxMessage.id) > after)
        .order_by(col(OutboxMessage.id))
    )
    return [
        (
            m.event,
            m.channel,
            m.client_id,
            m.invoice_id,
            m.service_id,
            m.stage,
            json.loads(m.payload),
        )
        for m in rows
    ]


def last_id(session: Session, model: type[Any]) -> int:
    session.flush()
    found = session.exec(select(model.id).order_by(col(model.id).desc())).first()
    return found or 0


def state(session: Session, service: Service) -> tuple[Any, ...]:
    """(status, suspension reason, next due date, cycle, suspended on, ended on)."""
    s = session.get(Service, service.id, populate_existing=True)
    return (s.status, s.suspension_reason, s.next_due_date, s.cycle, s.suspended_on, s.ended_on)
