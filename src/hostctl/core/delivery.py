"""Sending the outbox (SPEC NOT-2): each message once, none lost.

For every message, three short transactions and no transaction during network I/O:

1. **claim** — ``UPDATE outbox SET status='sending', claimed_by=<token>, claimed_at=now,
   attempts=attempts+1 WHERE id=… AND status='pending'``: of two senders only one gets the
   row (SQLite serialises writers at ``BEGIN IMMEDIATE``; PostgreSQL re-checks the WHERE
   after the row lock, and ``SKIP LOCKED`` lets the other sender pick another row). The
   claim also reads what the send needs (client, contacts, payload).
2. **send** — WhatsApp, SMTP or a hook, with no database work.
3. **record** — ``sent`` with the provider id; or back to ``pending`` with exponential
   backoff (``next_attempt_at``); or ``failed`` with the reason, for a permanent error or
   after ``notify.max_attempts`` attempts.

A crash between 2 and 3 leaves the row ``sending``; a claim older than ``STALE_AFTER`` is
put back to ``pending`` by the next run, so that one message may be sent again (at least
once), never lost. Every send finishes well within ``STALE_AFTER`` (timeouts of at most
two minutes), so a live claim is never taken over.

Channels that are not configured are off: their messages stay ``pending`` (not claimed,
not attempted) and go out once the channel is configured.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from hostctl.core import settings, templates
from hostctl.core.channels import DeliveryError, PermanentError, Sent, TemporaryError, clip
from hostctl.core.channels import email as email_channel
from hostctl.core.channels import hooks as hook_channel
from hostctl.core.channels import whatsapp as whatsapp_channel
from hostctl.core.context import Context
from hostctl.models import Client, Contact, OutboxMessage

ALL_CHANNELS = ("whatsapp", "email", "hook")
STALE_AFTER = dt.timedelta(minutes=10)
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)
# Which contacts (SPEC CLI-5) get a copy of an event's email, by event prefix.
CONTACT_RIGHTS = {"invoice.": "invoices", "payment.": "invoices", "ticket.": "tickets"}

_outbox = OutboxMessage.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DeliveryConfig:
    whatsapp: whatsapp_channel.WhatsAppConfig | None
    smtp: email_channel.SmtpConfig | None
    hooks_dir: str | None
    max_attempts: int
    company: str
    off: dict[str, str] = field(default_factory=dict)  # channel → why it is off

    @property
    def enabled(self) -> list[str]:
        return [c for c in ALL_CHANNELS if c not in self.off]


@dataclass(frozen=True)
class Claimed:
    id: int
    event: str
    channel: str
    client_id: int | None
    invoice_id: int | None
    service_id: int | None
    stage: str | None
    payload: dict[str, Any]
    created_at: dt.datetime | None
    attempts: int
    client_name: str = ""
    phone: str | None = None
    email: str | None = None
    cc: list[str] = field(default_factory=list)


def load_config(session: Session) -> DeliveryConfig:
    off: dict[str, str] = {}
    wa = None
    phone_id = settings.get(session, "whatsapp.phone_number_id")
    token = os.environ.get("HOSTCTL_WHATSAPP_TOKEN", "").strip()
    if not phone_id:
        off["whatsapp"] = "whatsapp.phone_number_id is not set"
    elif not token:
        off["whatsapp"] = "HOSTCTL_WHATSAPP_TOKEN is not set"
    else:
        wa = whatsapp_channel.WhatsAppConfig(
            api_base=settings.get(session, "whatsapp.api_base"),
            phone_number_id=phone_id,
            token=token,
            language=settings.get(session, "whatsapp.language"),
        )
    smtp = None
    host = settings.get(session, "smtp.host")
    sender = settings.get(session, "smtp.from")
    if not host:
        off["email"] = "smtp.host is not set"
    elif not sender:
        off["email"] = "smtp.from is not set"
    else:
        smtp = email_channel.SmtpConfig(
            host=host,
            port=settings.get(session, "smtp.port"),
            sender=sender,
            username=settings.get(session, "smtp.username"),
            password=os.environ.get("HOSTCTL_SMTP_PASSWORD"),
        )
    hooks_dir = settings.get(session, "hooks.dir")
    if not hooks_dir:
        off["hook"] = "hooks.dir is not set"
    return DeliveryConfig(
        whatsapp=wa,
        smtp=smtp,
        hooks_dir=hooks_dir,
        max_attempts=settings.get(session, "notify.max_attempts"),
        company=settings.get(session, "company.name"),
        off=off,
    )


def new_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failed try: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


# --------------------------------------------------------------------------- transactions
def requeue_failed(session: Session, ctx: Context) -> int:
    """``--retry-failed``: failed messages get a fresh set of attempts (reason kept)."""
    result = session.execute(
        sa.update(_outbox)
        .where(_outbox.c.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=ctx.now, claimed_by=None,
                claimed_at=None)
    )  # fmt: skip
    return int(result.rowcount or 0)


def reclaim_stale(session: Session, ctx: Context) -> int:
    """Claims left by a crashed sender go back to pending (the message may go twice)."""
    result = session.execute(
        sa.update(_outbox)
        .where(_outbox.c.status == "sending", _outbox.c.claimed_at < ctx.now - STALE_AFTER)
        .values(status="pending", claimed_by=None, claimed_at=None, next_attempt_at=ctx.now)
    )
    return int(result.rowcount or 0)


def claim_next(session: Session, ctx: Context, token: str, channels: list[str]) -> Claimed | None:
    """Claim the oldest due pending message of ``channels``; None when there is none."""
    if not channels:
        return None
    due = sa.or_(
        col(OutboxMessage.next_attempt_at).is_(None), col(OutboxMessage.next_attempt_at) <= ctx.now
    )
    for _ in range(20):  # a row another sender took between our SELECT and UPDATE
        candidate = session.execute(
            sa.select(_outbox.c.id)
            .where(_outbox.c.status == "pending", _outbox.c.channel.in_(channels), due)
            .order_by(_outbox.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).scalar()
        if candidate is None:
            return None
        won = session.execute(
            sa.update(_outbox)
            .where(_outbox.c.id == candidate, _outbox.c.status == "pending")
            .values(status="sending", claimed_by=token, claimed_at=ctx.now,
                    attempts=_outbox.c.attempts + 1)
        ).rowcount  # fmt: skip
        if won:
            return _load(session, candidate)
    return None


def _load(session: Session, message_id: int) -> Claimed:
    row = session.execute(sa.select(_outbox).where(_outbox.c.id == message_id)).one()._mapping
    try:
        payload = json.loads(row["payload"] or "{}")
    except ValueError:
        payload = {}
    base: dict[str, Any] = {
        "id": row["id"],
        "event": row["event"],
        "channel": row["channel"],
        "client_id": row["client_id"],
        "invoice_id": row["invoice_id"],
        "service_id": row["service_id"],
        "stage": row["stage"],
        "payload": payload if isinstance(payload, dict) else {},
        "created_at": row["created_at"],
        "attempts": row["attempts"],
    }
    client = session.get(Client, row["client_id"]) if row["client_id"] else None
    if client is None:
        return Claimed(**base)
    cc: list[str] = []
    right = next((r for p, r in CONTACT_RIGHTS.items() if row["event"].startswith(p)), None)
    if row["channel"] == "email" and right:
        contacts = session.exec(select(Contact).where(Contact.client_id == client.id)).all()
        seen = {client.email.strip().lower()}
        for contact in sorted(contacts, key=lambda c: c.id or 0):
            rights = {r.strip() for r in (contact.rights or "").split(",")}
            address = (contact.email or "").strip()
            if right in rights and address and address.lower() not in seen:
                seen.add(address.lower())
                cc.append(address)
    return Claimed(**base, client_name=client.name, phone=client.phone, email=client.email, cc=cc)


def record(
    session: Session,
    ctx: Context,
    token: str,
    message: Claimed,
    outcome: Sent | DeliveryError,
    max_attempts: int,
) -> str:
    """Store the outcome of one send; returns sent | retried | failed."""
    mine = sa.and_(
        _outbox.c.id == message.id, _outbox.c.status == "sending", _outbox.c.claimed_by == token
    )
    if isinstance(outcome, Sent):
        values: dict[str, Any] = {
            "status": "sent",
            "sent_at": ctx.now,
            "provider_id": outcome.provider_id,
            "last_error": outcome.note,
        }
        verdict = "sent"
    elif isinstance(outcome, TemporaryError) and message.attempts < max_attempts:
        wait = max(backoff(message.attempts), outcome.retry_after or dt.timedelta(0))
        values = {
            "status": "pending",
            "last_error": f"attempt {message.attempts}: {outcome.reason}",
            "next_attempt_at": ctx.now + wait,
            "claimed_by": None,
            "claimed_at": None,
        }
        verdict = "retried"
    else:
        values = {"status": "failed", "last_error": f"attempt {message.attempts}: {outcome.reason}"}
        verdict = "failed"
    session.execute(sa.update(_outbox).where(mine).values(**values))
    return verdict


# --------------------------------------------------------------------------- sending
def hook_document(message: Claimed) -> dict[str, Any]:
    return {
        "outbox_id": message.id,
        "event": message.event,
        "client_id": message.client_id,
        "invoice_id": message.invoice_id,
        "service_id": message.service_id,
        "stage": message.stage,
        "data": message.payload,
        "created_at": message.created_at.isoformat() if message.created_at else None,
        "client": {"name": message.client_name, "email": message.email, "phone": message.phone},
    }


def deliver(config: DeliveryConfig, message: Claimed) -> Sent:
    """One send, no database. Raises ``DeliveryError``."""
    if message.channel == "hook":
        assert config.hooks_dir is not None
        return hook_channel.run(config.hooks_dir, message.event, hook_document(message))
    if not message.client_name:
        raise PermanentError(f"client {message.client_id} not found")
    key = templates.template_key(message.event, message.stage)
    try:
        template = templates.find(key, message.channel)
    except templates.TemplateError as exc:
        raise PermanentError(str(exc)) from None
    vals = templates.values(
        message.payload,
        client_name=message.client_name,
        company=config.company,
        event=message.event,
        stage=message.stage,
    )
    if message.channel == "email":
        assert config.smtp is not None
        content = templates.render_email(template, vals)
        return email_channel.send(config.smtp, message.id, message.email or "", message.cc, content)
    if message.channel == "whatsapp":
        assert config.whatsapp is not None
        wa_content = templates.render_whatsapp(template, vals)
        return whatsapp_channel.send(config.whatsapp, message.phone or "", wa_content)
    raise PermanentError(f"unknown channel {message.channel!r}")


def _attempt(config: DeliveryConfig, message: Claimed) -> Sent | DeliveryError:
    try:
        return deliver(config, message)
    except DeliveryError as exc:
        return exc
    except Exception as exc:  # a bug must not stop the queue: kept as the reason, retried
        return TemporaryError(clip(f"unexpected error: {type(exc).__name__}: {exc}"))


def waiting(session: Session, ctx: Context, channels: list[str]) -> int:
    """Pending messages held back because their channel is off."""
    if not channels:
        return 0
    return int(
        session.execute(
            sa.select(sa.func.count())
            .select_from(_outbox)
            .where(_outbox.c.status == "pending", _outbox.c.channel.in_(channels))
        ).scalar()
        or 0
    )


def send_pending(
    ctx: Context,
    *,
    limit: int | None = None,
    retry_failed: bool = False,
    url: str | None = None,
) -> dict[str, int]:
    """Send what is pending and due, each message in its own short transactions.

    Returns counts: ``sent``, ``retried`` (temporary error, rescheduled), ``failed``,
    ``requeued`` (by ``retry_failed``), ``reclaimed`` (stale claims of a crashed sender)
    and ``waiting`` (pending on channels that are off). ``ctx.now`` must be the real
    time: it stamps claims, and claims older than ``STALE_AFTER`` are taken over.
    """
    from hostctl.db import unit_of_work

    token = new_token()
    counts = {"sent": 0, "retried": 0, "failed": 0, "requeued": 0, "reclaimed": 0, "waiting": 0}
    with unit_of_work(url=url) as session:
        config = load_config(session)
        if retry_failed:
            counts["requeued"] = requeue_failed(session, ctx)
        counts["reclaimed"] = reclaim_stale(session, ctx)
    attempted = 0
    while limit is None or attempted < limit:
        with unit_of_work(url=url) as session:
            message = claim_next(session, ctx, token, config.enabled)
        if message is None:
            break
        attempted += 1
        outcome = _attempt(config, message)
        with unit_of_work(url=url) as session:
            verdict = record(session, ctx, token, message, outcome, config.max_attempts)
        counts[verdict] += 1
    with unit_of_work(url=url, readonly=True) as session:
        counts["waiting"] = waiting(session, ctx, sorted(config.off))
    return counts


def channel_status(url: str | None = None) -> dict[str, str]:
    """Each channel: ``on`` or why it is off (for ``notify send`` warnings)."""
    from hostctl.db import unit_of_work

    with unit_of_work(url=url, readonly=True) as session:
        config = load_config(session)
    return {c: config.off.get(c, "on") for c in ALL_CHANNELS}
