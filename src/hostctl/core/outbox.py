"""The alert outbox (rules NOT-2).

``emit`` is called by every state change, in the change's own transaction, and writes
one pending message per channel. Delivery happens later (``notify send``), so an alert
is never lost with a rolled-back change and never sent for a change that did not happen.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from sqlmodel import Session, col, select

from hostctl.core import validate
from hostctl.core.bulk import db_value, dumps, insert_rows
from hostctl.core.context import Context
from hostctl.i18n import N_
from hostctl.models import Client, OutboxMessage

EVENTS = (
    "client.registered",
    "client.password_changed",
    "client.updated",
    "invoice.created",
    "invoice.reminder",
    "invoice.cancelled",
    "payment.received",
    "payment.refunded",
    "service.suspended",
    "service.reactivated",
    "service.terminated",
    "service.transferred",
    "service.upgraded",
    "quote.available",
    "domain.deleted",
    "uptime.credited",
)
CHANNELS = ("whatsapp", "email", "hook", "panel")
# Events for the servers only (SRV-3): no WhatsApp or email to the client (NOT-1 does not
# list them); a hook still runs where one exists.
SERVER_ONLY = ("service.upgraded",)
REMINDER_STAGES = ("first", "second", "final")


def _channels(phone: str | None, email: str | None) -> list[str]:
    result = []
    if phone:
        result.append("whatsapp")
    if email:
        result.append("email")
    return result


def _hook_events(session: Session) -> Callable[[str], bool]:
    """Whether ``<hooks.dir>/<event>`` is an executable (hooks.dir read once per call)."""
    from hostctl.core import settings
    from hostctl.core.channels.hooks import hook_path

    hooks_dir = settings.get_raw(session, "hooks.dir")
    found: dict[str, bool] = {}

    def has_hook(event: str) -> bool:
        if not hooks_dir:
            return False
        if event not in found:
            found[event] = hook_path(hooks_dir, event) is not None
        return found[event]

    return has_hook


def emit(
    session: Session,
    ctx: Context,
    event: str,
    client: Client,
    *,
    invoice_id: int | None = None,
    service_id: int | None = None,
    stage: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Queue ``event`` for ``client`` on every channel the client can be reached by."""
    emit_many(
        session,
        ctx,
        [
            {
                "event": event,
                "client_id": client.id,
                "phone": client.phone,
                "email": client.email,
                "invoice_id": invoice_id,
                "service_id": service_id,
                "stage": stage,
                "data": data or {},
            }
        ],
    )


def emit_many(session: Session, ctx: Context, alerts: list[dict[str, Any]]) -> int:
    """Bulk form of ``emit`` for ``daily``: each dict has event, client_id, phone, email,
    and optionally invoice_id, service_id, stage, data. Returns messages written.

    A service event of a service on a server with a panel also queues the call on that
    panel (channel ``panel``, SRV-3): one look-up for all of ``alerts``
    (``servers.panel_targets``), never one per alert."""
    if not alerts:
        return 0
    from hostctl.core.servers import panel_targets

    return insert_rows(
        session,
        OutboxMessage.__table__,  # type: ignore[attr-defined]
        _COLUMNS,
        _rows(
            ctx,
            alerts,
            _hook_events(session),
            db_value(session),
            panel_targets(session, ctx, alerts),
        ),
    )


_COLUMNS = (
    "event",
    "channel",
    "client_id",
    "invoice_id",
    "service_id",
    "stage",
    "payload",
    "status",
    "attempts",
    "effective_date",
    "created_at",
    "next_attempt_at",
)


def _rows(
    ctx: Context,
    alerts: list[dict[str, Any]],
    has_hook: Callable[[str], bool],
    convert: Callable[[Any], Any],
    targets: dict[int, Any],
) -> Iterator[tuple[Any, ...]]:
    """One row per channel of each alert, in ``_COLUMNS`` order, made as they are written.

    No scheduled attempt: a fresh message is due whenever a sender runs (even one queued
    while a future day is replayed in a simulation); only a retry's backoff sets a time."""
    today, now = convert(ctx.today), convert(ctx.now)
    for alert in alerts:
        event = alert["event"]
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")
        stage = alert.get("stage")
        if event == "invoice.reminder" and stage not in REMINDER_STAGES:
            raise ValueError("invoice.reminder needs a stage")
        channels = [] if event in SERVER_ONLY else _channels(alert.get("phone"), alert.get("email"))
        if has_hook(event):
            channels.append("hook")  # <hooks.dir>/<event> runs for it (core/channels/hooks.py)
        client_id, invoice_id, service_id = (
            alert["client_id"],
            alert.get("invoice_id"),
            alert.get("service_id"),
        )
        target = targets.get(service_id) if service_id else None
        if not channels and target is None:
            continue
        data = alert.get("data") or {}
        payload = dumps(data)
        for channel in channels:
            yield (
                event,
                channel,
                client_id,
                invoice_id,
                service_id,
                stage,
                payload,
                "pending",
                0,
                today,
                now,
                None,
            )
        if target is not None:
            from hostctl.core.servers import panel_payload

            yield (
                event,
                "panel",
                client_id,
                invoice_id,
                service_id,
                stage,
                dumps(panel_payload(event, target, data)),
                "pending",
                0,
                today,
                now,
                None,
            )


def listing(
    session: Session,
    *,
    status: str | None = None,
    client_id: int | None = None,
    event: str | None = None,
    channel: str | None = None,
    limit: int = 200,
) -> list[OutboxMessage]:
    if event is not None:
        event = validate.one_of(event, EVENTS, N_("event"))
    if channel is not None:
        channel = validate.one_of(channel, CHANNELS, N_("channel"))
    stmt = select(OutboxMessage)
    if channel:
        stmt = stmt.where(OutboxMessage.channel == channel)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if client_id:
        stmt = stmt.where(OutboxMessage.client_id == client_id)
    if event:
        stmt = stmt.where(OutboxMessage.event == event)
    stmt = stmt.order_by(col(OutboxMessage.id).desc()).limit(limit)
    return list(reversed(session.exec(stmt).all()))
