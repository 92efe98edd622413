"""Transfers of a service to another client (SPEC §7) without the CLI."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlmodel import Session, col, select

from conftest import make_ctx
from hostctl.core import clients, transfers
from hostctl.errors import BusinessRuleError, NotFoundError
from hostctl.models import (
    AuditEntry,
    Client,
    Invoice,
    InvoiceLine,
    OutboxMessage,
    Product,
    ProductPrice,
    Service,
    Transfer,
)

DAY = "2026-05-04"
CONSENT = (
    "Hola ! soy Juan Perez, mi correo de cliente es juan@example.com y deseo que el servicio "
    "Hosting Básico juan.com.ar que activo y al dia pase a nombre del cliente Jose Garcia "
    "con correo jose@example.com"
)


# --------------------------------------------------------------------------- builders
def add_client(session: Session, name: str, email: str, *, verified: bool = True) -> Client:
    client, _ = clients.add_client(
        session, make_ctx(DAY), name=name, email=email, phone="+5491123456789"
    )
    if verified:
        clients.verify_client(session, make_ctx(DAY), client.id)
    return client


def add_service(
    session: Session, client: Client, *, status: str = "active", domain: str | None = "juan.com.ar"
) -> Service:
    if session.get(Product, "hosting-basic") is None:
        now = make_ctx(DAY).now
        session.add(
            Product(
                code="hosting-basic",
                name="Hosting Básico",
                category="hosting",
                cycles="semiannual,annual",
                created_at=now,
                updated_at=now,
            )
        )
        session.add(ProductPrice(product_code="hosting-basic", currency="USD", monthly_minor=800))
    service = Service(
        client_id=client.id,
        product_code="hosting-basic",
        cycle="annual",
        status=status,
        domain=domain,
        next_due_date=dt.date(2026, 12, 1),
        created_on=dt.date(2025, 12, 1),
        created_at=make_ctx(DAY).now,
        updated_at=make_ctx(DAY).now,
    )
    session.add(service)
    session.flush()
    return service


_invoice_seq = 0


def add_invoice(
    session: Session,
    client: Client,
    *,
    due: str,
    status: str = "unpaid",
    service: Service | None = None,
) -> Invoice:
    global _invoice_seq
    _invoice_seq += 1
    invoice = Invoice(
        number=f"A-2026-{_invoice_seq:05d}",
        year=2026,
        seq=_invoice_seq,
        client_id=client.id,
        kind="renewal",
        status=status,
        issue_date=dt.date.fromisoformat(due) - dt.timedelta(days=15),
        due_date=dt.date.fromisoformat(due),
        currency="USD",
        total_minor=9600,
        created_at=make_ctx(DAY).now,
    )
    session.add(invoice)
    session.flush()
    session.add(
        InvoiceLine(
            invoice_id=invoice.id,
            position=1,
            kind="item",
            description="Hosting",
            service_id=service.id if service else None,
            amount_minor=9600,
        )
    )
    session.flush()
    return invoice


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    juan = add_client(session, "Juan Perez", "juan@example.com")
    jose = add_client(session, "Jose Garcia", "jose@example.com")
    service = add_service(session, juan)
    return {"juan": juan, "jose": jose, "service": service}


def refused(session: Session, fn: Any, *args: Any, **kwargs: Any) -> BusinessRuleError:
    """Run a refused change in a savepoint, as ``work()`` would roll it back."""
    with pytest.raises(BusinessRuleError) as err, session.begin_nested():
        fn(session, *args, **kwargs)
    session.expire_all()
    return err.value


def transfer_count(session: Session) -> int:
    return len(session.exec(select(Transfer)).all())


# --------------------------------------------------------------------------- request
def test_request_writes_the_consent_message(session: Session, world: dict[str, Any]) -> None:
    ctx = make_ctx(DAY, staff="maria")
    transfer = transfers.request_transfer(
        session, ctx, service_id=world["service"].id, to_client_id=world["jose"].id
    )
    assert transfer.status == "pending"
    assert transfer.message == CONSENT
    assert transfer.from_client_id == world["juan"].id
    assert transfer.to_client_id == world["jose"].id
    assert transfer.requested_by == "maria"
    assert transfer.requested_on == dt.date(2026, 5, 4)
    assert transfer.expires_on == dt.date(2026, 5, 18)
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "transfer.request")).one()
    assert entry.staff == "maria"
    assert entry.entity_id == str(transfer.id)


def test_service_without_domain_is_named_by_id(session: Session, world: dict[str, Any]) -> None:
    bare = add_service(session, world["juan"], domain=None)
    transfer = transfers.request_transfer(
        session, make_ctx(DAY), service_id=bare.id, to_client_id=world["jose"].id
    )
    assert f"el servicio Hosting Básico #{bare.id} que activo" in transfer.message


def test_unknown_service_or_client_is_not_found(session: Session, world: dict[str, Any]) -> None:
    with pytest.raises(NotFoundError) as err:
        transfers.request_transfer(session, make_ctx(DAY), service_id=999, to_client_id=1)
    assert err.value.message == "There is no service 999; `hostctl service list` shows them."
    with pytest.raises(NotFoundError):
        transfers.request_transfer(
            session, make_ctx(DAY), service_id=world["service"].id, to_client_id=999
        )


def _request(session: Session, world: dict[str, Any], day: str = DAY) -> Any:
    return transfers.request_transfer(
        session, make_ctx(day), service_id=world["service"].id, to_client_id=world["jose"].id
    )


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda s, w: add_client(s, "Luis Diaz", "luis@example.com", verified=False),
            "Client 3 (Luis Diaz) is not verified; verify the account "
            "(`hostctl client verify 3`) before transferring a service.",
        ),
        (
            lambda s, w: add_client(s, "Juan Perez (empresa)", "Juan+Empresa@Example.com"),
            "Clients 1 and 3 have the same email (juan@example.com); a service can only pass "
            "to a client with a different email.",
        ),
    ],
    ids=["target-unverified", "same-email"],
)
def test_refusals_about_the_target(
    session: Session, world: dict[str, Any], setup: Any, message: str
) -> None:
    target = setup(session, world)
    err = refused(
        session,
        transfers.request_transfer,
        make_ctx(DAY),
        service_id=world["service"].id,
        to_client_id=target.id,
    )
    assert err.message == message
    assert transfer_count(session) == 0


def test_refused_when_the_holder_is_unverified(session: Session, world: dict[str, Any]) -> None:
    world["juan"].verified = False
    session.add(world["juan"])
    err = refused(session, _request, world)
    assert err.message == (
        "Client 1 (Juan Perez) is not verified; verify the account "
        "(`hostctl client verify 1`) before transferring a service."
    )
    assert transfer_count(session) == 0


@pytest.mark.parametrize("status", ["pending", "suspended", "cancelled", "terminated"])
def test_refused_when_the_service_is_not_active(
    session: Session, world: dict[str, Any], status: str
) -> None:
    world["service"].status = status
    session.add(world["service"])
    err = refused(session, _request, world)
    assert err.message == (f"Service 1 is {status}; only an active service can be transferred.")
    assert transfer_count(session) == 0


def test_refused_with_an_unpaid_invoice_on_the_service(
    session: Session, world: dict[str, Any]
) -> None:
    add_invoice(session, world["juan"], due="2026-05-10", service=world["service"], status="paid")
    invoice = add_invoice(session, world["juan"], due="2026-05-20", service=world["service"])
    err = refused(session, _request, world)
    assert err.message == (
        f"Service 1 has the unpaid invoice {invoice.number}; it must be paid before the "
        "service can be transferred."
    )
    assert transfer_count(session) == 0


@pytest.mark.parametrize("who", ["juan", "jose"])
def test_refused_when_either_client_has_an_overdue_invoice(
    session: Session, world: dict[str, Any], who: str
) -> None:
    client = world[who]
    add_invoice(session, client, due="2026-05-04")  # due today: not yet overdue
    overdue = add_invoice(session, client, due="2026-05-03")
    err = refused(session, _request, world)
    assert err.message == (
        f"Client {client.id} ({client.name}) has the overdue invoice {overdue.number} "
        "(due 2026-05-03); it must be paid before the transfer."
    )
    assert transfer_count(session) == 0


def test_an_invoice_due_today_or_later_of_another_service_does_not_block(
    session: Session, world: dict[str, Any]
) -> None:
    add_invoice(session, world["juan"], due="2026-05-04")
    add_invoice(session, world["jose"], due="2026-06-01")
    assert _request(session, world).status == "pending"


def test_only_one_pending_transfer_per_service(session: Session, world: dict[str, Any]) -> None:
    first = _request(session, world)
    err = refused(session, _request, world)
    assert err.message == (
        f"Service 1 already has the pending transfer {first.id} to client 2; confirm it or "
        "wait until it expires after 2026-05-18."
    )
    assert transfer_count(session) == 1


def test_refused_to_the_current_holder(session: Session, world: dict[str, Any]) -> None:
    err = refused(
        session,
        transfers.request_transfer,
        make_ctx(DAY),
        service_id=world["service"].id,
        to_client_id=world["juan"].id,
    )
    assert err.message == (
        "Service 1 already belongs to client 1 (Juan Perez); choose another client."
    )


# --------------------------------------------------------------------------- TRF-2
@pytest.mark.parametrize(
    "received",
    [
        CONSENT,
        f"  \r\n{CONSENT}\r\n\t ",
        f"\n{CONSENT}\r",
    ],
    ids=["identical", "outer-space-crlf", "outer-newlines"],
)
def test_identical_after_trimming_is_accepted(
    session: Session, world: dict[str, Any], received: str
) -> None:
    transfer = _request(session, world)
    ctx = make_ctx("2026-05-05", staff="luis", at="11:00")
    transfers.confirm_transfer(session, ctx, transfer.id, party="from", message=received)
    assert transfer.from_confirmed_by == "luis"
    assert transfer.from_confirmed_at == ctx.now
    assert transfer.status == "pending"


@pytest.mark.parametrize(
    "received",
    [
        CONSENT.replace("Hosting Básico", "Hosting Basico"),
        CONSENT.replace("soy Juan", "soy  Juan"),
        CONSENT + ".",
        CONSENT.replace(" y deseo", "\ny deseo"),
        CONSENT.lower(),
    ],
    ids=["accent", "inner-space", "trailing-dot", "inner-newline", "case"],
)
def test_inner_changes_are_refused(session: Session, world: dict[str, Any], received: str) -> None:
    transfer = _request(session, world)
    err = refused(
        session,
        transfers.confirm_transfer,
        make_ctx(DAY),
        transfer.id,
        party="to",
        message=received,
    )
    assert err.message == (
        "The message of the new holder (client 2) differs from the consent text of transfer 1; "
        "it must be sent back literally, without changing anything "
        "(differences below: - expected, + received)."
    )
    assert f"- {CONSENT}" in err.details
    assert any(line.startswith("+ ") for line in err.details)
    assert session.get(Transfer, transfer.id).to_confirmed_at is None


def test_the_diff_points_at_the_change(session: Session, world: dict[str, Any]) -> None:
    received = CONSENT.replace("Hosting Básico", "Hosting Basico")
    diff = transfers.message_diff(CONSENT, received)
    column = CONSENT.index("Básico") + 1 + 2  # "á", after the two-character prefix
    assert diff[0] == f"- {CONSENT}"
    assert diff[1].startswith("?") and diff[1][column] == "^"
    assert diff[2] == f"+ {received}"
    assert diff[3][column] == "^"


def test_a_party_confirms_once(session: Session, world: dict[str, Any]) -> None:
    transfer = _request(session, world)
    transfers.confirm_transfer(session, make_ctx(DAY), transfer.id, party="from", message=CONSENT)
    err = refused(
        session,
        transfers.confirm_transfer,
        make_ctx(DAY),
        transfer.id,
        party="from",
        message=CONSENT,
    )
    assert err.message == (
        "The confirmation of the current holder (client 1) for transfer 1 is already recorded."
    )


# --------------------------------------------------------------------------- TRF-3
def test_both_confirmations_complete_the_transfer(session: Session, world: dict[str, Any]) -> None:
    transfer = _request(session, world)
    transfers.confirm_transfer(
        session, make_ctx("2026-05-05", staff="luis"), transfer.id, party="to", message=CONSENT
    )
    assert world["service"].client_id == world["juan"].id
    done_ctx = make_ctx("2026-05-06", staff="maria", at="12:30")
    transfers.confirm_transfer(
        session, done_ctx, transfer.id, party="from", message=f"{CONSENT}\r\n"
    )
    session.flush()
    session.expire_all()
    transfer = session.get(Transfer, transfer.id)
    assert transfer.status == "completed"
    assert transfer.completed_at == done_ctx.now
    assert transfer.ended_on == dt.date(2026, 5, 6)
    assert session.get(Service, world["service"].id).client_id == world["jose"].id

    alerts = session.exec(
        select(OutboxMessage)
        .where(OutboxMessage.event == "service.transferred")
        .order_by(col(OutboxMessage.id))
    ).all()
    assert sorted({(m.client_id, m.channel) for m in alerts}) == [
        (1, "email"),
        (1, "whatsapp"),
        (2, "email"),
        (2, "whatsapp"),
    ]
    assert {m.service_id for m in alerts} == {world["service"].id}
    roles = {m.client_id: json.loads(m.payload)["role"] for m in alerts}
    assert roles == {1: "from", 2: "to"}

    complete = session.exec(
        select(AuditEntry).where(AuditEntry.action == "transfer.complete")
    ).one()
    assert complete.staff == "maria"
    assert json.loads(complete.changes) == {
        "from_confirmed_by": "maria",
        "requested_by": "tester",
        "status": ["pending", "completed"],
        "to_confirmed_by": "luis",
    }
    moved = session.exec(select(AuditEntry).where(AuditEntry.action == "service.transfer")).one()
    assert moved.entity_id == str(world["service"].id)
    assert json.loads(moved.changes) == {"client_id": [1, 2]}


def test_trf1_is_checked_again_at_the_second_confirmation(
    session: Session, world: dict[str, Any]
) -> None:
    transfer = _request(session, world)
    transfers.confirm_transfer(session, make_ctx(DAY), transfer.id, party="from", message=CONSENT)
    invoice = add_invoice(session, world["juan"], due="2026-05-20", service=world["service"])
    err = refused(
        session,
        transfers.confirm_transfer,
        make_ctx(DAY),
        transfer.id,
        party="to",
        message=CONSENT,
    )
    assert err.message == (
        f"Service 1 has the unpaid invoice {invoice.number}; it must be paid before the "
        "service can be transferred; transfer 1 stays pending and can be confirmed again "
        "once this is solved."
    )
    transfer = session.get(Transfer, transfer.id)
    assert transfer.status == "pending"
    assert transfer.to_confirmed_at is None
    assert transfer.from_confirmed_at is not None
    assert session.get(Service, world["service"].id).client_id == world["juan"].id
    assert (
        session.exec(
            select(OutboxMessage).where(OutboxMessage.event == "service.transferred")
        ).all()
        == []
    )

    invoice.status = "paid"
    session.add(invoice)
    transfers.confirm_transfer(session, make_ctx(DAY), transfer.id, party="to", message=CONSENT)
    assert transfer.status == "completed"


def test_a_completed_transfer_takes_no_more_confirmations(
    session: Session, world: dict[str, Any]
) -> None:
    transfer = _request(session, world)
    for party in ("from", "to"):
        transfers.confirm_transfer(
            session, make_ctx(DAY), transfer.id, party=party, message=CONSENT
        )
    err = refused(
        session,
        transfers.confirm_transfer,
        make_ctx(DAY),
        transfer.id,
        party="to",
        message=CONSENT,
    )
    assert err.message == (
        "Transfer 1 is completed; only a pending transfer can be confirmed (request a new one "
        "with `hostctl transfer request`)."
    )


# --------------------------------------------------------------------------- expiry
def test_pending_transfers_expire_after_14_days(session: Session, world: dict[str, Any]) -> None:
    transfer = _request(session, world)  # 2026-05-04, expires after 2026-05-18
    other_service = add_service(session, world["jose"], domain="jose.com.ar")
    kept = transfers.request_transfer(
        session, make_ctx("2026-05-10"), service_id=other_service.id, to_client_id=1
    )
    assert transfers.expire_transfers(session, make_ctx("2026-05-18")) == 0
    transfers.confirm_transfer(
        session, make_ctx("2026-05-18"), transfer.id, party="from", message=CONSENT
    )

    assert transfers.expire_transfers(session, make_ctx("2026-05-19", staff="daily")) == 1
    session.expire_all()
    expired = session.get(Transfer, transfer.id)
    assert expired.status == "expired"
    assert expired.ended_on == dt.date(2026, 5, 19)
    assert session.get(Transfer, kept.id).status == "pending"
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "transfer.expire")).one()
    assert (entry.staff, entry.entity_id) == ("daily", str(transfer.id))
    assert json.loads(entry.changes) == {"status": ["pending", "expired"]}
    assert transfers.expire_transfers(session, make_ctx("2026-05-20")) == 0

    # The service is free again for a new request.
    assert _request(session, world, "2026-05-19").status == "pending"


def test_an_expired_but_unswept_transfer_is_refused(
    session: Session, world: dict[str, Any]
) -> None:
    transfer = _request(session, world)
    err = refused(
        session,
        transfers.confirm_transfer,
        make_ctx("2026-05-19"),
        transfer.id,
        party="from",
        message=CONSENT,
    )
    assert err.message == (
        "Transfer 1 expired after 2026-05-18; request a new one with `hostctl transfer request`."
    )


def test_list_filters(session: Session, world: dict[str, Any]) -> None:
    transfer = _request(session, world)
    assert [t.id for t in transfers.list_transfers(session, status="pending")] == [transfer.id]
    assert transfers.list_transfers(session, status="completed") == []
    assert [t.id for t in transfers.list_transfers(session, client_id=2)] == [transfer.id]
    assert transfers.list_transfers(session, service_id=99) == []
