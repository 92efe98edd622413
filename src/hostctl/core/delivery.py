"""Sending the outbox (rules NOT-2): each message at most once by itself, none lost.

For every message, three short transactions and no transaction during network I/O:

1. **claim** — ``UPDATE outbox SET status='sending', claimed_by=<token>, claimed_at=now,
   attempts=attempts+1 WHERE id=… AND status='pending'``: of two senders only one gets the
   row (SQLite serialises writers at ``BEGIN IMMEDIATE``; PostgreSQL re-checks the WHERE
   after the row lock, and ``SKIP LOCKED`` lets the other sender pick another row). The
   claim also reads what the send needs (client, contacts, payload).
2. **send** — WhatsApp, SMTP or a hook, with no database work.
3. **record** — ``sent`` with the provider id; or, when it certainly did not go, back to
   ``pending`` with exponential backoff (``next_attempt_at``) or ``failed`` with the reason
   (a permanent error, or ``notify.max_attempts`` attempts); or ``unknown`` when the
   provider may have accepted it (the answer was lost): never retried by itself, only by
   ``--retry-unknown``, which staff run on purpose and the audit log records.

A sender that stops between 1 and 3 leaves the row ``sending``; a claim older than
``STALE_AFTER`` is marked ``unknown`` by the next run (it may have gone out), not resent.
Every send finishes well within ``STALE_AFTER`` (timeouts of at most two minutes); should a
slow sender still come back after that, its outcome replaces the ``unknown``.

**Time is the real clock** (``clock.real_now_utc``, read afresh for each transaction), for
claims, stale claims, next attempts and ``sent_at``: never ``HOSTCTL_TODAY``/``HOSTCTL_NOW``,
which replay a day for the business rules. A replayed clock would stamp claims that look
live for years or stale at once to a sender with the real time. Rows stamped that way by
earlier versions (claims or next attempts further ahead than any real one can be) are
treated as stale / due.

Channels that are not configured are off: their messages stay ``pending`` (not claimed,
not attempted) and go out once the channel is configured.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, select

from hostctl.core import audit, secret, settings, templates
from hostctl.core.channels import (
    STORED_LIMIT,
    DeliveryError,
    PermanentError,
    Sent,
    TemporaryError,
    UnknownOutcome,
    clip,
)
from hostctl.core.channels import email as email_channel
from hostctl.core.channels import hooks as hook_channel
from hostctl.core.channels import panel as panel_channel
from hostctl.core.channels import whatsapp as whatsapp_channel
from hostctl.core.clock import real_now_utc
from hostctl.core.context import Context
from hostctl.i18n import _
from hostctl.models import Client, Contact, OutboxMessage

ALL_CHANNELS = ("whatsapp", "email", "hook", "panel")
STALE_AFTER = dt.timedelta(minutes=10)
PROVIDER_ID_LIMIT = 200
BACKOFF_BASE = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)
# Which contacts (rules CLI-5) get a copy of an event's email, by event prefix.
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
    # servers with a panel: what their driver needs, or why none can be made (no token)
    panel_servers: dict[str, panel_channel.PanelServer | str] = field(default_factory=dict)
    panel_driver: panel_channel.DriverFactory | None = None

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


def load_config(
    session: Session, panels: panel_channel.DriverFactory | None = None
) -> DeliveryConfig:
    """The channels' settings, and the secrets from the environment (as ``Secret``s, never
    a plain string: see ``core/secret.py``). A channel without what it needs is off, with
    the reason; so is one whose secret has a line break or control character.

    ``panels`` makes the driver of a server's panel (``hostctl.adapters.panels.driver``,
    passed in by the commands that send): without it the ``panel`` channel is off. A
    server without its token is not: each of its messages fails with the sentence naming
    the variable (SRV-1), and ``notify send --retry-failed`` sends them once it is set."""
    from hostctl.core import servers

    off: dict[str, str] = {}
    wa = None
    phone_id = settings.get(session, "whatsapp.phone_number_id")
    try:
        token = secret.read("HOSTCTL_WHATSAPP_TOKEN", strip=True)
    except secret.SecretError as exc:
        off["whatsapp"], token = str(exc), None
    if not phone_id:
        off["whatsapp"] = _("{name} is not set").format(name="whatsapp.phone_number_id")
    elif "whatsapp" in off:
        pass
    elif token is None:
        off["whatsapp"] = _("{name} is not set").format(name="HOSTCTL_WHATSAPP_TOKEN")
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
    username = settings.get(session, "smtp.username")
    try:
        password = secret.read("HOSTCTL_SMTP_PASSWORD") if username else None
    except secret.SecretError as exc:
        off["email"], password = str(exc), None
    if not host:
        off["email"] = _("{name} is not set").format(name="smtp.host")
    elif not sender:
        off["email"] = _("{name} is not set").format(name="smtp.from")
    elif "email" in off:
        pass
    elif username and password is None:
        # as WhatsApp without its token: the messages wait, no attempt is spent on a login
        # that cannot succeed
        off["email"] = _("{name} is not set").format(name="HOSTCTL_SMTP_PASSWORD")
    else:
        smtp = email_channel.SmtpConfig(
            host=host,
            port=settings.get(session, "smtp.port"),
            sender=sender,
            username=username,
            password=password,
            tls=settings.get(session, "smtp.tls"),
            # as stored: a file gone since `config set` fails each email with the reason
            # (email_channel.tls_context), not the whole run
            ca_file=settings.get_raw(session, "smtp.ca_file"),
        )
    # as stored (checked by `config set`): a folder gone since then fails each hook message
    # with the reason (hook_channel.run), not the whole run
    hooks_dir = settings.get_raw(session, "hooks.dir")
    if not hooks_dir:
        off["hook"] = _("{name} is not set").format(name="hooks.dir")
    if panels is None:
        off["panel"] = _("this command does not drive the panels")
    return DeliveryConfig(
        whatsapp=wa,
        smtp=smtp,
        hooks_dir=hooks_dir,
        max_attempts=settings.get(session, "notify.max_attempts"),
        company=settings.get(session, "company.name"),
        off=off,
        panel_servers=servers.panel_servers(session) if panels is not None else {},
        panel_driver=panels,
    )


def new_token() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failed try: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(BACKOFF_BASE * int(2 ** max(attempts - 1, 0)), BACKOFF_CAP)


# --------------------------------------------------------------------------- transactions
# Each takes ``now``: the real time (``clock.real_now_utc``) when the transaction runs.
def requeue_failed(session: Session, now: dt.datetime) -> int:
    """``--retry-failed``: failed messages get a fresh set of attempts (reason kept)."""
    result = cast(sa.CursorResult[Any], session.execute(  # an UPDATE's: it has a rowcount
        sa.update(_outbox)
        .where(_outbox.c.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=now, claimed_by=None,
                claimed_at=None)
    ))  # fmt: skip
    return int(result.rowcount or 0)


def requeue_unknown(session: Session, ctx: Context, now: dt.datetime) -> int:
    """``--retry-unknown``: staff resend, on purpose, the messages whose outcome is unknown
    (each may reach its client twice); every one is recorded in the audit log."""
    rows = session.execute(
        sa.select(_outbox.c.id, _outbox.c.last_error)
        .where(_outbox.c.status == "unknown")
        .order_by(_outbox.c.id)
        .with_for_update()
    ).all()
    if not rows:
        return 0
    session.execute(
        sa.update(_outbox)
        .where(_outbox.c.id.in_([r.id for r in rows]), _outbox.c.status == "unknown")
        .values(status="pending", attempts=0, next_attempt_at=now, claimed_by=None,
                claimed_at=None)
    )  # fmt: skip
    audit.record_many(
        session,
        ctx,
        [("notify.resend", "outbox", r.id, {"status": ["unknown", "pending"]}) for r in rows],
        notes=[
            "deliberate resend (notify send --retry-unknown) of a message whose delivery "
            f"was unknown: {r.last_error or 'no reason kept'}"
            for r in rows
        ],
    )
    return len(rows)


def _stale(now: dt.datetime) -> Any:
    """Claims older than ``STALE_AFTER``, or further ahead than a real clock can be."""
    claimed = _outbox.c.claimed_at
    return sa.or_(claimed < now - STALE_AFTER, claimed > now + STALE_AFTER)


def reclaim_stale(session: Session, now: dt.datetime) -> int:
    """Claims left by a sender that stopped mid-send become ``unknown``: the message may
    have gone out, so it is not sent again by itself."""
    rows = session.execute(
        sa.select(_outbox.c.id, _outbox.c.attempts, _outbox.c.claimed_by, _outbox.c.claimed_at)
        .where(_outbox.c.status == "sending", _stale(now))
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        session.execute(
            sa.update(_outbox)
            .where(_outbox.c.id == row.id, _outbox.c.status == "sending", _stale(now))
            .values(
                status="unknown",
                last_error=f"attempt {row.attempts}: outcome unknown: sender "
                f"{row.claimed_by} stopped while sending it (claimed "
                f"{row.claimed_at:%Y-%m-%d %H:%M} UTC)",
            )
        )
    return len(rows)


def claim_next(
    session: Session, now: dt.datetime, token: str, channels: list[str]
) -> Claimed | None:
    """Claim the oldest due pending message of ``channels``; None when there is none."""
    if not channels:
        return None
    due = sa.or_(
        _outbox.c.next_attempt_at.is_(None),
        _outbox.c.next_attempt_at <= now,
        _outbox.c.next_attempt_at > now + BACKOFF_CAP,  # set by a replayed clock
    )
    for _attempt in range(20):  # a row another sender took between our SELECT and UPDATE
        candidate = session.execute(
            sa.select(_outbox.c.id)
            .where(_outbox.c.status == "pending", _outbox.c.channel.in_(channels), due)
            .order_by(_outbox.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).scalar()
        if candidate is None:
            return None
        won = cast(sa.CursorResult[Any], session.execute(
            sa.update(_outbox)
            .where(_outbox.c.id == candidate, _outbox.c.status == "pending")
            .values(status="sending", claimed_by=token, claimed_at=now,
                    attempts=_outbox.c.attempts + 1)
        )).rowcount  # fmt: skip
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


def _stored(text: str | None, limit: int = STORED_LIMIT) -> str | None:
    """What a channel brought back, as it may be stored: whatever a hook printed or a
    provider answered (NUL, which PostgreSQL refuses in text; terminal escapes; megabytes)
    is cleaned and cut here, whichever channel forgot to."""
    return None if text is None else clip(text, limit)


def record(
    session: Session,
    now: dt.datetime,
    token: str,
    message: Claimed,
    outcome: Sent | DeliveryError,
    max_attempts: int,
) -> str:
    """Store the outcome of one send; returns sent | retried | failed | unknown.

    The row must still be this sender's claim (``sending``, or ``unknown`` if another run
    took it for stale meanwhile: the real outcome is better than a guess)."""
    mine = sa.and_(
        _outbox.c.id == message.id,
        _outbox.c.claimed_by == token,
        _outbox.c.status.in_(("sending", "unknown")),
    )
    attempt = f"attempt {message.attempts}"
    if isinstance(outcome, Sent):
        values: dict[str, Any] = {
            "status": "sent",
            "sent_at": now,
            "provider_id": _stored(outcome.provider_id, PROVIDER_ID_LIMIT),
            "last_error": _stored(outcome.note),
        }
        verdict = "sent"
    elif isinstance(outcome, UnknownOutcome):
        reason = f"{attempt}: outcome unknown: {outcome.reason}"
        values = {"status": "unknown", "last_error": _stored(reason)}
        verdict = "unknown"
    elif isinstance(outcome, TemporaryError) and message.attempts < max_attempts:
        wait = min(max(backoff(message.attempts), outcome.retry_after or dt.timedelta(0)),
                   BACKOFF_CAP)  # fmt: skip
        values = {
            "status": "pending",
            "last_error": _stored(f"{attempt}: {outcome.reason}"),
            "next_attempt_at": now + wait,
            "claimed_by": None,
            "claimed_at": None,
        }
        verdict = "retried"
    else:
        values = {"status": "failed", "last_error": _stored(f"{attempt}: {outcome.reason}")}
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
    if message.channel == "panel":
        return _panel_call(config, message)
    if message.channel == "hook":
        assert config.hooks_dir is not None
        return _hand_over(hook_channel.run, config.hooks_dir, message.event, hook_document(message))
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
        return _hand_over(
            email_channel.send, config.smtp, message.id, message.email or "", message.cc, content
        )
    if message.channel == "whatsapp":
        assert config.whatsapp is not None
        wa_content = templates.render_whatsapp(template, vals)
        return _hand_over(whatsapp_channel.send, config.whatsapp, message.phone or "", wa_content)
    raise PermanentError(f"unknown channel {message.channel!r}")


def _panel_call(config: DeliveryConfig, message: Claimed) -> Sent:
    """A call on the panel of the message's server (SRV-3, SRV-4)."""
    name = str(message.payload.get("server") or "")
    server = config.panel_servers.get(name)
    if server is None:
        raise PermanentError(clip(f"server {name} has no panel any more; nothing was sent"))
    if isinstance(server, str):  # no token: the sentence naming the variable
        raise PermanentError(clip(server))
    assert config.panel_driver is not None
    driver = config.panel_driver(server)
    return _hand_over(panel_channel.call, driver, message.payload)


def _hand_over(send: Callable[..., Sent], *args: Any) -> Sent:
    """A channel's send: a bug inside it may strike after the message went out."""
    try:
        return send(*args)
    except DeliveryError:
        raise
    except Exception as exc:
        raise UnknownOutcome(
            clip(f"unexpected error while sending: {type(exc).__name__}: {exc}")
        ) from exc


def _attempt(config: DeliveryConfig, message: Claimed) -> Sent | DeliveryError:
    try:
        outcome: Sent | DeliveryError = deliver(config, message)
    except DeliveryError as exc:
        outcome = exc
    except Exception as exc:  # a bug before sending (templates): kept as the reason, retried
        outcome = TemporaryError(clip(f"unexpected error: {type(exc).__name__}: {exc}"))
    return _without_secrets(config, outcome)


def _without_secrets(config: DeliveryConfig, outcome: Sent | DeliveryError) -> Sent | DeliveryError:
    """The outcome with no secret in what ``last_error`` keeps: a provider may echo what it
    got, and an exception's message may quote a value it refused."""
    secrets = [s for s in (config.whatsapp and config.whatsapp.token,
                           config.smtp and config.smtp.password) if s]  # fmt: skip
    secrets += [one.token for one in config.panel_servers.values() if not isinstance(one, str)]
    if isinstance(outcome, Sent):
        note = outcome.note
        for one in secrets:
            note = one.hide(note) if note else note
        return outcome if note == outcome.note else Sent(outcome.provider_id, note)
    reason = outcome.reason
    for one in secrets:
        reason = one.hide(reason)
    if reason == outcome.reason:
        return outcome
    return type(outcome)(reason, retry_after=outcome.retry_after)


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
    retry_unknown: bool = False,
    url: str | None = None,
    panels: panel_channel.DriverFactory | None = None,
) -> dict[str, int]:
    """Send what is pending and due, each message in its own short transactions.

    Returns counts: ``sent``, ``retried`` (certainly not sent, rescheduled), ``failed``,
    ``unknown`` (the answer was lost: not retried), ``requeued`` (by ``retry_failed`` and
    ``retry_unknown``), ``reclaimed`` (claims of a sender that stopped mid-send, now
    ``unknown``) and ``waiting`` (pending on channels that are off). ``ctx`` is who acts
    (the audit log of ``retry_unknown``); the time is always the real clock. ``panels``
    makes the panel drivers (``load_config``).
    """
    from hostctl.db import unit_of_work

    token = new_token()
    counts = dict.fromkeys(
        ("sent", "retried", "failed", "unknown", "requeued", "reclaimed", "waiting"), 0
    )
    with unit_of_work(url=url) as session:
        config = load_config(session, panels)
        if retry_failed:
            counts["requeued"] += requeue_failed(session, real_now_utc())
        if retry_unknown:
            counts["requeued"] += requeue_unknown(session, ctx, real_now_utc())
        counts["reclaimed"] = reclaim_stale(session, real_now_utc())
    attempted = 0
    while limit is None or attempted < limit:
        with unit_of_work(url=url) as session:
            message = claim_next(session, real_now_utc(), token, config.enabled)
        if message is None:
            break
        attempted += 1
        outcome = _attempt(config, message)
        with unit_of_work(url=url) as session:
            verdict = record(session, real_now_utc(), token, message, outcome, config.max_attempts)
        counts[verdict] += 1
    with unit_of_work(url=url, readonly=True) as session:
        counts["waiting"] = waiting(session, ctx, sorted(config.off))
    return counts


def channel_status(
    url: str | None = None, panels: panel_channel.DriverFactory | None = None
) -> dict[str, str]:
    """Each channel: ``on`` or why it is off (for ``notify send`` warnings)."""
    from hostctl.db import unit_of_work

    with unit_of_work(url=url, readonly=True) as session:
        config = load_config(session, panels)
    return {c: config.off.get(c, "on") for c in ALL_CHANNELS}
