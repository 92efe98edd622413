"""The alert outbox (SPEC NOT-2).

``emit`` is called by every state change, in the change's own transaction, and writes
one pending message per channel. Delivery happens later (``notify send``), so an alert
is never lost with a rolled-back change and never sent for a change that did not happen.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from hostctl.core.context import Context
from hostctl.models import Client, OutboxMessage

EVENTS = (
    "client.registered",
    "client.password_changed",
    "client.updated",
    "invoice.created",
    "invoice.reminder",
    "invoice.cancelled",
    "payment.received",
    "service.suspended",
    "service.reactivated",
    "service.terminated",
    "service.transferred",
    "quote.available",
    "domain.deleted",
)
CHANNELS = ("whatsapp", "email", "hook")
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
    and optionally invoice_id, service_id, stage, data. Returns messages written."""
    if not alerts:
        return 0
    has_hook = _hook_events(session)
    session.flush()  # what the ORM form of the insert did first
    written = 0
    for start in range(0, len(alerts), BULK_CHUNK):  # rows built per chunk: memory stays flat
        rows = _rows(ctx, alerts[start : start + BULK_CHUNK], has_hook)
        if rows:
            session.execute(insert(OutboxMessage.__table__), rows)  # type: ignore[attr-defined]
            written += len(rows)
    return written


BULK_CHUNK = 2000


def _rows(
    ctx: Context, alerts: list[dict[str, Any]], has_hook: Callable[[str], bool]
) -> list[dict[str, Any]]:
    rows = []
    # no scheduled attempt: a fresh message is due whenever a sender runs (even one queued
    # while a future day is replayed in a simulation); only a retry's backoff sets a time
    for alert in alerts:
        event = alert["event"]
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")
        if event == "invoice.reminder" and alert.get("stage") not in REMINDER_STAGES:
            raise ValueError("invoice.reminder needs a stage")
        payload = json.dumps(alert.get("data") or {}, ensure_ascii=False, sort_keys=True)
        channels = _channels(alert.get("phone"), alert.get("email"))
        if has_hook(event):
            channels.append("hook")  # <hooks.dir>/<event> runs for it (core/channels/hooks.py)
        for channel in channels:
            rows.append(
                {
                    "event": event,
                    "channel": channel,
                    "client_id": alert["client_id"],
                    "invoice_id": alert.get("invoice_id"),
                    "service_id": alert.get("service_id"),
                    "stage": alert.get("stage"),
                    "payload": payload,
                    "status": "pending",
                    "attempts": 0,
                    "effective_date": ctx.today,
                    "created_at": ctx.now,
                    "next_attempt_at": None,
                }
            )
    return rows


def listing(
    session: Session,
    *,
    status: str | None = None,
    client_id: int | None = None,
    event: str | None = None,
    limit: int = 200,
) -> list[OutboxMessage]:
    stmt = select(OutboxMessage)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if client_id:
        stmt = stmt.where(OutboxMessage.client_id == client_id)
    if event:
        stmt = stmt.where(OutboxMessage.event == event)
    stmt = stmt.order_by(col(OutboxMessage.id).desc()).limit(limit)
    return list(reversed(session.exec(stmt).all()))
