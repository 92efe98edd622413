"""Shared helpers for the notify tests: settings for the loopback servers, clients and
their alerts, the outbox rows, a sender run, and time passing for stored timestamps."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import select
from tests.conftest import make_ctx

from hostctl import db
from hostctl.core import delivery, outbox, settings
from hostctl.core.clock import real_now_utc
from hostctl.models import Client, Contact, OutboxMessage
from servers import PHONE_NUMBER_ID, SmtpServer, WhatsAppServer


def configure(db_url: str, **values: str) -> None:
    with db.unit_of_work(url=db_url) as s:
        for key, value in values.items():
            settings.set_value(s, make_ctx(), key.replace("__", "."), value)


def use_smtp(db_url: str, server: SmtpServer, **more: str) -> None:
    configure(
        db_url,
        smtp__host="127.0.0.1",
        smtp__port=str(server.port),
        smtp__from="Hosting <facturacion@hosting.example>",
        **more,
    )


def use_whatsapp(db_url: str, server: WhatsAppServer) -> None:
    configure(db_url, whatsapp__api_base=server.base, whatsapp__phone_number_id=PHONE_NUMBER_ID)


def add_client(
    db_url: str,
    name: str = "Ana Pérez",
    *,
    email: str = "ana@example.com",
    phone: str | None = "+5491122334455",
    contacts: list[tuple[str, str]] = (),  # type: ignore[assignment]
) -> int:
    ctx = make_ctx()
    with db.unit_of_work(url=db_url) as s:
        client = Client(
            name=name,
            email=email,
            email_key=email.lower(),
            phone=phone,
            created_on=ctx.today,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
        s.add(client)
        s.flush()
        for address, rights in contacts:
            s.add(
                Contact(
                    client_id=client.id,
                    name=address.split("@")[0],
                    email=address,
                    rights=rights,
                    created_at=ctx.now,
                )
            )
        assert client.id is not None
        return client.id


def emit(db_url: str, client_id: int, event: str, data: dict[str, Any], **kw: Any) -> None:
    with db.unit_of_work(url=db_url) as s:
        client = s.get(Client, client_id)
        assert client is not None
        outbox.emit(s, make_ctx(), event, client, data=data, **kw)


def messages(db_url: str) -> list[OutboxMessage]:
    with db.unit_of_work(url=db_url, readonly=True) as s:
        return list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def send(db_url: str, **kw: Any) -> dict[str, int]:
    """A sender run by staff whose command clock says 2026-01-10 09:00 (it must not matter)."""
    return delivery.send_pending(make_ctx("2026-01-10"), url=db_url, **kw)


def timed_send(db_url: str, **kw: Any) -> tuple[dt.datetime, dict[str, int], dt.datetime]:
    """``send`` with the real time just before and just after it."""
    before = real_now_utc()
    counts = send(db_url, **kw)
    return before, counts, real_now_utc()


def elapse(db_url: str, minutes: float) -> None:
    """Time passes: every stored claim and next attempt moves ``minutes`` into the past."""
    delta = dt.timedelta(minutes=minutes)
    with db.unit_of_work(url=db_url) as s:
        for row in s.exec(select(OutboxMessage)).all():
            if row.next_attempt_at is not None:
                row.next_attempt_at -= delta
            if row.claimed_at is not None:
                row.claimed_at -= delta
            s.add(row)


def assert_due_after(
    row: OutboxMessage, before: dt.datetime, after: dt.datetime, **wait: float
) -> None:
    """The next attempt is ``wait`` after the real time of the send."""
    delta = dt.timedelta(**wait)
    assert row.next_attempt_at is not None
    assert before + delta <= row.next_attempt_at <= after + delta
