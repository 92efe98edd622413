"""hostctl transfer … through the CLI: exit codes, exact messages, then the state."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from hostctl import db
from hostctl.core.clock import COMPANY_TZ
from hostctl.models import (
    Invoice,
    InvoiceLine,
    OutboxMessage,
    Product,
    ProductPrice,
    Service,
    Transfer,
)

TODAY = "2026-05-04"
NOW = dt.datetime(2026, 5, 4, 11, 0, tzinfo=COMPANY_TZ)
CONSENT = (
    "Hola ! soy Juan Perez, mi correo de cliente es juan@example.com y deseo que el servicio "
    "Hosting Básico juan.com.ar que activo y al dia pase a nombre del cliente Jose Garcia "
    "con correo jose@example.com"
)


def add(db_url: str, *rows: Any) -> list[int | None]:
    ids = []
    with db.unit_of_work(url=db_url) as session:
        for row in rows:
            session.add(row)
            session.flush()
            ids.append(getattr(row, "id", None))
    return ids


def service_row(client_id: int, *, status: str = "active") -> Service:
    return Service(
        client_id=client_id,
        product_code="hosting-basic",
        cycle="annual",
        status=status,
        domain="juan.com.ar",
        next_due_date=dt.date(2026, 12, 1),
        created_on=dt.date(2025, 12, 1),
        created_at=NOW,
        updated_at=NOW,
    )


def unpaid_invoice(db_url: str, client_id: int, due: str, service_id: int | None = None) -> str:
    number = f"A-2026-{due.replace('-', '')}"
    [invoice_id] = add(
        db_url,
        Invoice(
            number=number,
            year=2026,
            seq=int(due.replace("-", "")),
            client_id=client_id,
            kind="renewal",
            issue_date=dt.date(2026, 4, 1),
            due_date=dt.date.fromisoformat(due),
            currency="USD",
            total_minor=9600,
            created_at=NOW,
        ),
    )
    add(
        db_url,
        InvoiceLine(
            invoice_id=invoice_id,
            position=1,
            kind="item",
            description="Hosting",
            service_id=service_id,
            amount_minor=9600,
        ),
    )
    return number


@pytest.fixture
def world(cli: Any, db_url: str) -> dict[str, Any]:
    for name, email in (("Juan Perez", "juan@example.com"), ("Jose Garcia", "jose@example.com")):
        client = cli.json(
            "client", "add", "--name", name, "--email", email, "--phone", "+5491123456789"
        )
        assert cli("client", "verify", str(client["id"])).exit_code == 0
    add(
        db_url,
        Product(
            code="hosting-basic",
            name="Hosting Básico",
            category="hosting",
            cycles="annual",
            created_at=NOW,
            updated_at=NOW,
        ),
        ProductPrice(product_code="hosting-basic", currency="USD", monthly_minor=800),
    )
    [service_id] = add(db_url, service_row(1))
    return {"service": service_id}


def state(db_url: str) -> dict[str, Any]:
    with db.unit_of_work(url=db_url, readonly=True) as session:
        return {
            "transfers": [
                (t.id, t.status, t.from_confirmed_at is not None, t.to_confirmed_at is not None)
                for t in session.exec(select(Transfer).order_by(col(Transfer.id))).all()
            ],
            "holder": {s.id: s.client_id for s in session.exec(select(Service)).all()},
            "alerts": len(
                session.exec(
                    select(OutboxMessage).where(OutboxMessage.event == "service.transferred")
                ).all()
            ),
        }


def request(cli: Any, service: int = 1, to: int = 2, today: str = TODAY) -> Any:
    return cli("transfer", "request", "--service", str(service), "--to", str(to), today=today)


def test_request_prints_the_consent_message(cli: Any, world: dict[str, Any]) -> None:
    data = cli.json(
        "transfer", "request", "--service", "1", "--to", "2", today=TODAY, staff="maria"
    )
    assert data["id"] == 1
    assert data["service_id"] == 1
    assert (data["from_client_id"], data["to_client_id"]) == (1, 2)
    assert data["status"] == "pending"
    assert data["message"] == CONSENT
    assert (data["requested_by"], data["expires_on"]) == ("maria", "2026-05-18")
    human = cli("transfer", "show", "1")
    assert human.exit_code == 0
    assert CONSENT in human.stdout


def test_request_human_output_says_what_to_do(cli: Any, world: dict[str, Any]) -> None:
    result = request(cli)
    assert result.exit_code == 0
    assert CONSENT in result.stdout
    assert result.stderr == (
        "Both clients must send this message back literally by 2026-05-18; record each with "
        "`hostctl transfer confirm 1 --party from|to`.\n"
    )


REFUSALS = {
    "unverified": (
        lambda cli, db_url: cli("client", "add", "--name", "Luis Diaz", "--email", "l@ex.com"),
        3,
        "error: Client 3 (Luis Diaz) is not verified; verify the account "
        "(`hostctl client verify 3`) before transferring a service.\n",
    ),
    "same-email": (
        lambda cli, db_url: (
            cli("client", "add", "--name", "Juan P", "--email", "juan+shop@example.com"),
            cli("client", "verify", "3"),
        ),
        3,
        "error: Clients 1 and 3 have the same email (juan@example.com); a service can only "
        "pass to a client with a different email.\n",
    ),
    "not-active": (
        lambda cli, db_url: add(db_url, service_row(1, status="suspended")),
        2,
        "error: Service 2 is suspended; only an active service can be transferred.\n",
    ),
    "unpaid-on-service": (
        lambda cli, db_url: unpaid_invoice(db_url, 1, "2026-05-20", service_id=1),
        2,
        "error: Service 1 has the unpaid invoice A-2026-20260520; it must be paid before the "
        "service can be transferred.\n",
    ),
    "overdue-holder": (
        lambda cli, db_url: unpaid_invoice(db_url, 1, "2026-05-03"),
        2,
        "error: Client 1 (Juan Perez) has the overdue invoice A-2026-20260503 (due 2026-05-03); "
        "it must be paid before the transfer.\n",
    ),
    "overdue-new-holder": (
        lambda cli, db_url: unpaid_invoice(db_url, 2, "2026-04-30"),
        2,
        "error: Client 2 (Jose Garcia) has the overdue invoice A-2026-20260430 (due 2026-04-30); "
        "it must be paid before the transfer.\n",
    ),
    "already-pending": (
        lambda cli, db_url: request(cli),
        2,
        "error: Service 1 already has the pending transfer 1 to client 2; confirm it or wait "
        "until it expires after 2026-05-18.\n",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_request_refusals(cli: Any, db_url: str, world: dict[str, Any], case: str) -> None:
    setup, to, message = REFUSALS[case]
    setup(cli, db_url)
    service = 2 if case == "not-active" else 1
    before = state(db_url)
    result = request(cli, service=service, to=to)
    assert result.exit_code == 1
    assert result.stderr == message
    assert result.stdout == ""
    assert state(db_url) == before


def test_request_not_found(cli: Any, world: dict[str, Any]) -> None:
    result = request(cli, service=99)
    assert result.exit_code == 3
    assert result.stderr == "error: There is no service 99; `hostctl service list` shows them.\n"
    result = request(cli, to=99)
    assert result.exit_code == 3
    assert result.stderr == "error: There is no client 99; `hostctl client list` shows them.\n"


def confirm(cli: Any, party: str, *extra: str, today: str = "2026-05-05", **kw: Any) -> Any:
    return cli("transfer", "confirm", "1", "--party", party, *extra, today=today, **kw)


def test_confirmations_complete_the_transfer(
    cli: Any, db_url: str, world: dict[str, Any], tmp_path: Path
) -> None:
    assert request(cli).exit_code == 0
    whatsapp = tmp_path / "from.txt"
    whatsapp.write_bytes(f"\r\n  {CONSENT}  \r\n".encode())
    first = confirm(cli, "from", "--message-file", str(whatsapp), staff="luis")
    assert first.exit_code == 0, first.stderr
    assert first.stderr == "Confirmation recorded; waiting for the new holder.\n"
    assert state(db_url)["transfers"] == [(1, "pending", True, False)]
    assert state(db_url)["holder"] == {1: 1}

    done = cli(
        "transfer",
        "confirm",
        "1",
        "--party",
        "to",
        "--message",
        CONSENT + "\n",
        "--json",
        now="2026-05-06T12:30:00-03:00",
        staff="maria",
    )
    assert done.exit_code == 0, done.stderr
    assert done.stderr == "Service 1 now belongs to client 2.\n"
    data = json.loads(done.stdout)
    assert data["status"] == "completed"
    assert data["completed_at"] == "2026-05-06T12:30:00-03:00"
    assert (data["from_confirmed_by"], data["to_confirmed_by"]) == ("luis", "maria")
    assert state(db_url) == {
        "transfers": [(1, "completed", True, True)],
        "holder": {1: 2},
        "alerts": 4,  # both clients, on WhatsApp and email
    }
    log = cli.json("log", "--entity", "transfer:1")
    assert [(e["action"], e["staff"]) for e in log] == [
        ("transfer.request", "tester"),
        ("transfer.confirm", "luis"),
        ("transfer.confirm", "maria"),
        ("transfer.complete", "maria"),
    ]
    assert log[-1]["changes"]["requested_by"] == "tester"
    service_log = cli.json("log", "--entity", "service:1")
    assert service_log[-1]["changes"] == {"client_id": [1, 2]}
    alerts = cli.json("notify", "list", "--event", "service.transferred")
    assert sorted((a["client_id"], a["channel"]) for a in alerts) == [
        (1, "email"),
        (1, "whatsapp"),
        (2, "email"),
        (2, "whatsapp"),
    ]


def test_a_changed_message_is_refused_with_a_diff(
    cli: Any, db_url: str, world: dict[str, Any]
) -> None:
    assert request(cli).exit_code == 0
    changed = CONSENT.replace("Jose Garcia", "José Garcia")
    result = confirm(cli, "to", "--message", changed)
    assert result.exit_code == 1
    where = CONSENT.index("Jose") + 3  # the "e"; diff lines start with two characters
    marker = " " * (where + 1) + "^"
    assert result.stderr == (
        "error: The message of the new holder (client 2) differs from the consent text of "
        "transfer 1; it must be sent back literally, without changing anything (differences "
        "below: - expected, + received).\n"
        f"  - {CONSENT}\n"
        f"  ?{marker}\n"
        f"  + {changed}\n"
        f"  ?{marker}\n"
    )
    assert state(db_url)["transfers"] == [(1, "pending", False, False)]


def test_trf1_failing_at_the_second_confirmation_keeps_it_pending(
    cli: Any, db_url: str, world: dict[str, Any]
) -> None:
    assert request(cli).exit_code == 0
    assert confirm(cli, "from", "--message", CONSENT).exit_code == 0
    number = unpaid_invoice(db_url, 2, "2026-05-04")  # overdue from 2026-05-05 on
    result = confirm(cli, "to", "--message", CONSENT, today="2026-05-06")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: Client 2 (Jose Garcia) has the overdue invoice {number} (due 2026-05-04); it "
        "must be paid before the transfer; transfer 1 stays pending and can be confirmed again "
        "once this is solved.\n"
    )
    assert state(db_url) == {
        "transfers": [(1, "pending", True, False)],
        "holder": {1: 1},
        "alerts": 0,
    }


def test_confirm_usage(cli: Any, world: dict[str, Any]) -> None:
    assert request(cli).exit_code == 0
    result = confirm(cli, "from")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: Give the received text with exactly one of --message or --message-file.\n"
    )
    result = confirm(cli, "both", "--message", CONSENT)
    assert result.exit_code == 1
    assert result.stderr == "error: Unknown party 'both'; use from (current holder) or to.\n"
    result = cli("transfer", "confirm", "7", "--party", "from", "--message", "x")
    assert result.exit_code == 3
    assert result.stderr == "error: There is no transfer 7; `hostctl transfer list` shows them.\n"


def test_list_and_show(cli: Any, world: dict[str, Any]) -> None:
    assert request(cli).exit_code == 0
    rows = cli.json("transfer", "list", "--status", "pending")
    assert [(r["id"], r["status"], r["message"]) for r in rows] == [(1, "pending", CONSENT)]
    assert cli.json("transfer", "list", "--status", "expired") == []
    bad = cli("transfer", "list", "--status", "done")
    assert bad.exit_code == 1
    assert bad.stderr == (
        "error: Unknown transfer status 'done'; use one of pending, completed, expired.\n"
    )
    table = cli("transfer", "list")
    assert table.exit_code == 0
    assert "pending" in table.stdout
    shown = cli.json("transfer", "show", "1")
    assert {k: shown[k] for k in ("id", "service_id", "from_client_id", "to_client_id")} == {
        "id": 1,
        "service_id": 1,
        "from_client_id": 1,
        "to_client_id": 2,
    }


def test_expired_transfer_cannot_be_confirmed(cli: Any, db_url: str, world: dict[str, Any]) -> None:
    assert request(cli).exit_code == 0
    from conftest import make_ctx
    from hostctl.core import transfers

    with db.unit_of_work(url=db_url) as session:
        assert transfers.expire_transfers(session, make_ctx("2026-05-19")) == 1
    result = confirm(cli, "from", "--message", CONSENT, today="2026-05-19")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: Transfer 1 is expired; only a pending transfer can be confirmed (request a new "
        "one with `hostctl transfer request`).\n"
    )
    assert cli.json("transfer", "show", "1")["status"] == "expired"
    entries = cli.json("log", "--entity", "transfer:1")
    assert entries[-1]["action"] == "transfer.expire"
