"""Transfer of a service to another client (rules §7, TRF-1 … TRF-3).

A transfer is requested by staff, which writes the exact consent message; the current
holder and the new holder each send it back literally (TRF-2) and staff records each
confirmation. With both in, and TRF-1 still holding, the service changes holder in the
same transaction. A transfer pending for more than 14 days expires (``expire_transfers``,
run by ``daily``).
"""

from __future__ import annotations

import datetime as dt
import difflib

from sqlalchemy import update
from sqlmodel import Session, col, select

from hostctl.core import audit, outbox
from hostctl.core.clients import get_client
from hostctl.core.context import Context
from hostctl.errors import BusinessRuleError, NotFoundError, ValidationError
from hostctl.i18n import _
from hostctl.models import Client, Invoice, InvoiceLine, Product, Service, Transfer
from hostctl.words import say

STATUSES = ("pending", "completed", "expired")
PARTIES = ("from", "to")
VALID_DAYS = 14  # TRF-3: pending for more than 14 days expires

CONSENT_TEMPLATE = (
    "Hola ! soy {from_name}, mi correo de cliente es {from_email} y deseo que el servicio "
    "{product} {service_ref} que activo y al dia pase a nombre del cliente {to_name} "
    "con correo {to_email}"
)


# --------------------------------------------------------------------------- lookups
def get_transfer(session: Session, transfer_id: int, *, lock: bool = False) -> Transfer:
    stmt = select(Transfer).where(Transfer.id == transfer_id)
    if lock:
        stmt = stmt.with_for_update()
    transfer = session.exec(stmt).first()
    if transfer is None:
        raise NotFoundError(
            _("There is no transfer {transfer_id}; `hostctl transfer list` shows them.").format(
                transfer_id=transfer_id
            )
        )
    return transfer


def _get_service(session: Session, service_id: int) -> Service:
    # FOR UPDATE on PostgreSQL: two requests (or confirmations) of one service queue up.
    service = session.exec(
        select(Service).where(Service.id == service_id).with_for_update()
    ).first()
    if service is None:
        raise NotFoundError(
            _("There is no service {service_id}; `hostctl service list` shows them.").format(
                service_id=service_id
            )
        )
    return service


def list_transfers(
    session: Session,
    *,
    status: str | None = None,
    service_id: int | None = None,
    client_id: int | None = None,
) -> list[Transfer]:
    stmt = select(Transfer)
    if status:
        if status not in STATUSES:
            raise ValidationError(
                _("Unknown status {status!r}; use {statuses}.").format(
                    status=status, statuses=", ".join(STATUSES)
                )
            )
        stmt = stmt.where(Transfer.status == status)
    if service_id:
        stmt = stmt.where(Transfer.service_id == service_id)
    if client_id:
        stmt = stmt.where(
            (Transfer.from_client_id == client_id) | (Transfer.to_client_id == client_id)
        )
    return list(session.exec(stmt.order_by(col(Transfer.id))).all())


# --------------------------------------------------------------------------- TRF-1
def mailbox(email: str) -> str:
    """The mailbox an address delivers to: lower-cased, without a ``+tag`` sub-address.

    ``email_key`` is already unique, so "different emails" (TRF-1) is only meaningful
    for addresses that differ in form but reach the same person (ana+shop@… and ana@…).
    """
    local, _at, domain = email.strip().lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def _unpaid_invoice_of_service(session: Session, service_id: int) -> Invoice | None:
    stmt = (
        select(Invoice)
        .join(InvoiceLine, col(InvoiceLine.invoice_id) == col(Invoice.id))
        .where(InvoiceLine.service_id == service_id, Invoice.status == "unpaid")
        .order_by(col(Invoice.due_date), col(Invoice.id))
    )
    return session.exec(stmt).first()


def _overdue_invoice_of(session: Session, client_id: int, today: dt.date) -> Invoice | None:
    stmt = (
        select(Invoice)
        .where(
            Invoice.client_id == client_id,
            Invoice.status == "unpaid",
            col(Invoice.due_date) < today,
        )
        .order_by(col(Invoice.due_date), col(Invoice.id))
    )
    return session.exec(stmt).first()


def check_transfer(
    session: Session, ctx: Context, service: Service, source: Client, target: Client
) -> None:
    """TRF-1, in the order a person would check it; the first failure is the refusal."""
    for client in (source, target):
        if not client.verified:
            raise BusinessRuleError(
                _(
                    "Client {client_id} ({client_name}) is not verified; verify the account "
                    "(`hostctl client verify {client_id}`) before transferring a service."
                ).format(client_id=client.id, client_name=client.name)
            )
    if mailbox(source.email) == mailbox(target.email):
        raise BusinessRuleError(
            _(
                "Clients {source_id} and {target_id} have the same email ({mailbox}); a "
                "service can only pass to a client with a different email."
            ).format(source_id=source.id, target_id=target.id, mailbox=mailbox(source.email))
        )
    if service.status != "active":
        raise BusinessRuleError(
            _(
                "Service {service_id} is {service_status}; only an active service can be "
                "transferred."
            ).format(service_id=service.id, service_status=say("service", service.status))
        )
    unpaid = _unpaid_invoice_of_service(session, service.id or 0)
    if unpaid is not None:
        raise BusinessRuleError(
            _(
                "Service {service_id} has the unpaid invoice {unpaid_number}; it must be "
                "paid before the service can be transferred."
            ).format(service_id=service.id, unpaid_number=unpaid.number)
        )
    for client in (source, target):
        overdue = _overdue_invoice_of(session, client.id or 0, ctx.today)
        if overdue is not None:
            raise BusinessRuleError(
                _(
                    "Client {client_id} ({client_name}) has the overdue invoice "
                    "{overdue_number} (due {due_date}); it must be paid before the transfer."
                ).format(
                    client_id=client.id,
                    client_name=client.name,
                    overdue_number=overdue.number,
                    due_date=overdue.due_date.isoformat(),
                )
            )


def consent_message(service: Service, product: Product, source: Client, target: Client) -> str:
    """The WhatsApp text both holders must send back, in the manual's own words."""
    return CONSENT_TEMPLATE.format(
        from_name=source.name,
        from_email=source.email,
        product=product.name,
        service_ref=service.domain or f"#{service.id}",
        to_name=target.name,
        to_email=target.email,
    )


# --------------------------------------------------------------------------- request
def request_transfer(
    session: Session, ctx: Context, *, service_id: int, to_client_id: int
) -> Transfer:
    service = _get_service(session, service_id)
    target = get_client(session, to_client_id)
    source = get_client(session, service.client_id)
    if source.id == target.id:
        raise BusinessRuleError(
            _(
                "Service {service_id} already belongs to client {target_id} ({target_name}); "
                "choose another client."
            ).format(service_id=service.id, target_id=target.id, target_name=target.name)
        )
    pending = session.exec(
        select(Transfer).where(Transfer.service_id == service.id, Transfer.status == "pending")
    ).first()
    if pending is not None:
        raise BusinessRuleError(
            _(
                "Service {service_id} already has the pending transfer {pending_id} to "
                "client {to_client_id}; confirm it or wait until it expires after "
                "{expires_on}."
            ).format(
                service_id=service.id,
                pending_id=pending.id,
                to_client_id=pending.to_client_id,
                expires_on=pending.expires_on.isoformat(),
            )
        )
    check_transfer(session, ctx, service, source, target)
    product = session.get(Product, service.product_code)
    assert product is not None  # foreign key
    transfer = Transfer(
        service_id=service.id or 0,
        from_client_id=source.id or 0,
        to_client_id=target.id or 0,
        status="pending",
        message=consent_message(service, product, source, target),
        requested_by=ctx.staff,
        requested_on=ctx.today,
        expires_on=ctx.today + dt.timedelta(days=VALID_DAYS),
        created_at=ctx.now,
    )
    session.add(transfer)
    session.flush()
    audit.record(
        session,
        ctx,
        "transfer.request",
        "transfer",
        transfer.id,
        {
            "service_id": transfer.service_id,
            "from_client_id": transfer.from_client_id,
            "to_client_id": transfer.to_client_id,
            "expires_on": transfer.expires_on.isoformat(),
        },
    )
    return transfer


# --------------------------------------------------------------------------- confirm
def normalise(text: str) -> str:
    """TRF-2: outer white space removed and line ends unified; nothing else."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def message_diff(expected: str, received: str) -> list[str]:
    """``difflib.ndiff`` of the consent text (−) and what was received (+); the ``?``
    lines point at the characters that differ."""
    lines = difflib.ndiff(normalise(expected).split("\n"), normalise(received).split("\n"))
    return [line.rstrip("\n") for line in lines if not line.startswith("  ")]


def _party_label(party: str, transfer: Transfer) -> str:
    if party == "from":
        return _("current holder (client {client_id})").format(client_id=transfer.from_client_id)
    return _("new holder (client {client_id})").format(client_id=transfer.to_client_id)


def confirm_transfer(
    session: Session, ctx: Context, transfer_id: int, *, party: str, message: str
) -> Transfer:
    """Record one holder's confirmation; with both in and TRF-1 holding, complete."""
    if party not in PARTIES:
        raise ValidationError(
            _("Unknown party {party!r}; use from (current holder) or to.").format(party=party)
        )
    transfer = get_transfer(session, transfer_id, lock=True)
    if transfer.status != "pending":
        raise BusinessRuleError(
            _(
                "Transfer {transfer_id} is {transfer_status}; only a pending transfer can be "
                "confirmed (request a new one with `hostctl transfer request`)."
            ).format(transfer_id=transfer.id, transfer_status=say("status", transfer.status))
        )
    if transfer.expires_on < ctx.today:
        raise BusinessRuleError(
            _(
                "Transfer {transfer_id} expired after {expires_on}; request a new one with "
                "`hostctl transfer request`."
            ).format(transfer_id=transfer.id, expires_on=transfer.expires_on.isoformat())
        )
    label = _party_label(party, transfer)
    if getattr(transfer, f"{party}_confirmed_at") is not None:
        raise BusinessRuleError(
            _(
                "The confirmation of the {label} for transfer {transfer_id} is already recorded."
            ).format(label=label, transfer_id=transfer.id)
        )
    if normalise(message) != normalise(transfer.message):
        raise BusinessRuleError(
            _(
                "The message of the {label} differs from the consent text of transfer "
                "{transfer_id}; it must be sent back literally, without changing anything "
                "(differences below: - expected, + received)."
            ).format(label=label, transfer_id=transfer.id),
            details=message_diff(transfer.message, message),
        )
    setattr(transfer, f"{party}_confirmed_at", ctx.now)
    setattr(transfer, f"{party}_confirmed_by", ctx.staff)
    session.add(transfer)
    audit.record(
        session,
        ctx,
        "transfer.confirm",
        "transfer",
        transfer.id,
        {"party": party, "client_id": getattr(transfer, f"{party}_client_id")},
    )
    other = "to" if party == "from" else "from"
    if getattr(transfer, f"{other}_confirmed_at") is not None:
        _complete(session, ctx, transfer)
    return transfer


def _complete(session: Session, ctx: Context, transfer: Transfer) -> None:
    service = _get_service(session, transfer.service_id)
    source = get_client(session, transfer.from_client_id)
    target = get_client(session, transfer.to_client_id)
    try:
        if service.client_id != source.id:
            raise BusinessRuleError(
                _(
                    "Service {service_id} no longer belongs to client {source_id} ({source_name})."
                ).format(service_id=service.id, source_id=source.id, source_name=source.name)
            )
        check_transfer(session, ctx, service, source, target)
    except BusinessRuleError as exc:
        raise BusinessRuleError(
            _(
                "{problem}; transfer {transfer_id} stays pending and can be confirmed again "
                "once this is solved."
            ).format(problem=exc.message.rstrip("."), transfer_id=transfer.id)
        ) from None
    service.client_id = target.id or 0
    service.updated_at = ctx.now
    transfer.status = "completed"
    transfer.completed_at = ctx.now
    transfer.ended_on = ctx.today
    session.add(service)
    audit.record(
        session,
        ctx,
        "service.transfer",
        "service",
        service.id,
        {"client_id": [source.id, target.id]},
        note=f"transfer {transfer.id}",
    )
    audit.record(
        session,
        ctx,
        "transfer.complete",
        "transfer",
        transfer.id,
        {
            "status": ["pending", "completed"],
            "requested_by": transfer.requested_by,
            "from_confirmed_by": transfer.from_confirmed_by,
            "to_confirmed_by": transfer.to_confirmed_by,
        },
    )
    product = session.get(Product, service.product_code)
    data = {
        "transfer_id": transfer.id,
        "product": product.name if product else service.product_code,
        "domain": service.domain,
        "from_client_id": source.id,
        "from_name": source.name,
        "to_client_id": target.id,
        "to_name": target.name,
    }
    for client, role in ((source, "from"), (target, "to")):
        outbox.emit(
            session,
            ctx,
            "service.transferred",
            client,
            service_id=service.id,
            data={**data, "role": role},
        )


# --------------------------------------------------------------------------- expiry
def expire_transfers(session: Session, ctx: Context) -> int:
    """TRF-3: pending transfers whose ``expires_on`` is before today expire (one UPDATE)."""
    stmt = (
        update(Transfer)
        .where(col(Transfer.status) == "pending", col(Transfer.expires_on) < ctx.today)
        .values(status="expired", ended_on=ctx.today)
        .returning(col(Transfer.id), col(Transfer.expires_on))
    )
    expired = session.execute(stmt).all()
    for transfer_id, expires_on in expired:
        audit.record(
            session,
            ctx,
            "transfer.expire",
            "transfer",
            transfer_id,
            {"status": ["pending", "expired"]},
            note=f"not confirmed by both holders by {expires_on.isoformat()}",
        )
    return len(expired)
