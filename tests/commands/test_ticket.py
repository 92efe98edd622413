"""hostctl ticket … through the CLI: exit codes, exact messages, then the state."""

from __future__ import annotations

import re
from typing import Any

import pytest

FRIDAY = "2026-05-22T16:30:00-03:00"


@pytest.fixture
def clients(cli: Any) -> None:
    for plan in ("standard", "professional", "full"):
        result = cli(
            "client", "add", "--name", f"Cliente {plan}", "--email", f"{plan}@example.com",
            "--support-plan", plan,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr


def open_ticket(cli: Any, client: int, now: str, *extra: str) -> dict[str, Any]:
    return cli.json(
        "ticket", "open", "--client", str(client), "--subject", "Correo caído",
        "--category", "sla1", *extra, now=now,
    )  # fmt: skip


def test_open_on_a_friday_before_a_holiday(cli: Any, clients: None) -> None:
    data = cli.json(
        "ticket", "open", "--client", "1", "--subject", "No salen los correos",
        "--category", "sla1", "--message", "Desde ayer no puedo enviar.",
        now=FRIDAY, staff="maria",
    )  # fmt: skip
    assert re.fullmatch(r"TK-[2-9A-HJ-NP-Z]{6}", data["code"])
    assert {k: data[k] for k in data if k != "code"} == {
        "client_id": 1,
        "subject": "No salen los correos",
        "category": "sla1",
        "priority": "p3",
        "status": "open",
        "support_plan": "standard",
        "opened_at": "2026-05-22T16:30:00-03:00",
        "opened_by": "maria",
        "first_response_at": None,
        "first_response_by": None,
        "first_response_due": "2026-05-27T10:30:00-03:00",  # Monday 25 is a holiday
        "last_reply_at": "2026-05-22T16:30:00-03:00",
        "resolution_due": "2026-06-03T15:30:00-03:00",
        "closed_at": None,
        "closed_by": None,
    }


@pytest.mark.parametrize(
    ("client", "now", "extra", "due"),
    [
        (2, FRIDAY, (), "2026-05-26T11:30:00-03:00"),
        (3, FRIDAY, (), "2026-05-22T16:45:00-03:00"),
        (3, "2026-05-26T23:00:00-03:00", ("--priority", "p1"), "2026-05-26T23:30:00-03:00"),
        (1, FRIDAY, ("--category", "sla4"), "2026-05-26T11:30:00-03:00"),
    ],
    ids=["professional", "full", "full-p1-night", "sla4"],
)
def test_first_response_due_by_plan(
    cli: Any, clients: None, client: int, now: str, extra: tuple[str, ...], due: str
) -> None:
    assert open_ticket(cli, client, now, *extra)["first_response_due"] == due


@pytest.mark.parametrize(
    ("args", "code", "stderr"),
    [
        (
            ("--client", "9", "--subject", "x", "--category", "sla1"),
            3,
            "error: There is no client 9; `hostctl client list` shows them.\n",
        ),
        (
            ("--client", "1", "--subject", "x", "--category", "urgent"),
            1,
            "error: Unknown category 'urgent'; use sla1, sla2, sla3, sla4.\n",
        ),
        (
            ("--client", "1", "--subject", "x", "--category", "sla1", "--priority", "p0"),
            1,
            "error: Unknown priority 'p0'; use p1, p2, p3, p4.\n",
        ),
    ],
)
def test_open_refusals(
    cli: Any, clients: None, args: tuple[str, ...], code: int, stderr: str
) -> None:
    result = cli("ticket", "open", *args, now=FRIDAY)
    assert result.exit_code == code
    assert result.stderr == stderr
    assert cli.json("ticket", "list") == []


def test_replies_close_and_show(cli: Any, clients: None) -> None:
    code = open_ticket(cli, 1, FRIDAY, "--message", "Hola")["code"]
    answered = cli.json(
        "ticket", "reply", code, "--by", "staff", "--message", "Probá con el puerto 587",
        now="2026-05-26T12:00:00-03:00", staff="maria",
    )  # fmt: skip
    assert answered["status"] == "answered"
    assert answered["first_response_at"] == "2026-05-26T12:00:00-03:00"
    assert answered["first_response_by"] == "maria"
    assert answered["resolution_due"] == "2026-06-04T11:00:00-03:00"
    again = cli.json(
        "ticket", "reply", code.lower(), "--by", "client", "--message", "Sigue igual",
        now="2026-05-29T16:40:00-03:00",
    )  # fmt: skip
    assert again["status"] == "client-reply"
    assert again["resolution_due"] == "2026-06-09T15:40:00-03:00"

    shown = cli.json("ticket", "show", code, now="2026-05-29T17:00:00-03:00")
    assert shown["first_response_state"] == "met"
    assert shown["resolution_state"] == "pending"
    assert [(m["author_kind"], m["author"], m["body"], m["at"]) for m in shown["messages"]] == [
        ("client", "Cliente standard", "Hola", "2026-05-22T16:30:00-03:00"),
        ("staff", "maria", "Probá con el puerto 587", "2026-05-26T12:00:00-03:00"),
        ("client", "Cliente standard", "Sigue igual", "2026-05-29T16:40:00-03:00"),
    ]
    text = cli("ticket", "show", code)
    assert text.exit_code == 0
    assert "maria (staff):\nProbá con el puerto 587" in text.stdout

    closed = cli.json("ticket", "close", code, now="2026-06-01T10:00:00-03:00", staff="luis")
    assert (closed["status"], closed["closed_by"]) == ("closed", "luis")
    result = cli("ticket", "reply", code, "--by", "client", "--message", "Gracias")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: Ticket {code} is closed; open a new ticket with `hostctl ticket open`.\n"
    )
    assert len(cli.json("ticket", "show", code)["messages"]) == 3
    log = cli.json("log", "--entity", f"ticket:{code}")
    assert [(e["action"], e["staff"]) for e in log] == [
        ("ticket.open", "tester"),
        ("ticket.reply", "maria"),
        ("ticket.reply", "tester"),
        ("ticket.close", "luis"),
    ]


def test_unknown_ticket(cli: Any, clients: None) -> None:
    result = cli("ticket", "show", "TK-ZZZZZZ")
    assert result.exit_code == 3
    assert (
        result.stderr == "error: There is no ticket TK-ZZZZZZ; `hostctl ticket list` shows them.\n"
    )


def test_reclassify(cli: Any, clients: None) -> None:
    code = open_ticket(cli, 2, FRIDAY, "--category", "sla3")["code"]
    data = cli.json("ticket", "reclassify", code, "--category", "sla2")
    assert (data["category"], data["first_response_due"]) == ("sla2", "2026-05-26T11:30:00-03:00")
    result = cli("ticket", "reclassify", code, "--category", "sla1")
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: Ticket {code} is SLA2; only SLA3 error reports and SLA4 queries are "
        "reclassified.\n"
    )


def test_list_breaching(cli: Any, clients: None) -> None:
    late = open_ticket(cli, 2, "2026-05-26T10:00:00-03:00")["code"]  # due 12:00
    near = open_ticket(cli, 2, "2026-05-26T12:30:00-03:00")["code"]  # due 14:30
    far = open_ticket(cli, 2, "2026-05-26T14:00:00-03:00")["code"]  # due 16:00
    rows = cli.json("ticket", "list", "--breaching", now="2026-05-26T13:30:00-03:00")
    assert [r["code"] for r in rows] == [late, near]
    assert [r["code"] for r in cli.json("ticket", "list", "--client", "2")] == [late, near, far]
    assert cli.json("ticket", "list", "--status", "closed") == []
    table = cli("ticket", "list", "--breaching", now="2026-05-26T13:30:00-03:00")
    assert table.exit_code == 0
    assert late in table.stdout and far not in table.stdout


def _month(cli: Any) -> None:
    a = open_ticket(cli, 1, "2026-05-26T10:00:00-03:00")["code"]
    cli("ticket", "reply", a, "--by", "staff", "--message", "a",
        now="2026-05-26T12:00:00-03:00", staff="maria")  # fmt: skip
    cli("ticket", "close", a, now="2026-05-27T10:00:00-03:00", staff="maria")
    b = open_ticket(cli, 2, "2026-05-26T10:00:00-03:00")["code"]
    cli("ticket", "reply", b, "--by", "staff", "--message", "b",
        now="2026-05-26T13:00:00-03:00", staff="luis")  # fmt: skip
    open_ticket(cli, 3, "2026-05-27T10:00:00-03:00", "--category", "sla3")
    open_ticket(cli, 1, "2026-04-30T10:00:00-03:00")  # outside the period


def test_sla_report_json(cli: Any, clients: None) -> None:
    _month(cli)
    report = cli.json(
        "ticket", "sla-report", "--from", "2026-05-01", "--to", "2026-05-31", "--by", "plan",
        now="2026-05-29T12:00:00-03:00",
    )  # fmt: skip
    assert report == {
        "from": "2026-05-01",
        "to": "2026-05-31",
        "by": "plan",
        "tickets": 3,
        "first_response": {"met": 1, "breached": 2, "pending": 0, "median_minutes": 150},
        "resolution": {"met": 1, "breached": 0, "pending": 2},
        "groups": [
            {
                "key": "full",
                "tickets": 1,
                "first_response": {"met": 0, "breached": 1, "pending": 0, "median_minutes": None},
                "resolution": {"met": 0, "breached": 0, "pending": 1},
            },
            {
                "key": "professional",
                "tickets": 1,
                "first_response": {"met": 0, "breached": 1, "pending": 0, "median_minutes": 180},
                "resolution": {"met": 0, "breached": 0, "pending": 1},
            },
            {
                "key": "standard",
                "tickets": 1,
                "first_response": {"met": 1, "breached": 0, "pending": 0, "median_minutes": 120},
                "resolution": {"met": 1, "breached": 0, "pending": 0},
            },
        ],
    }


def test_sla_report_table_and_chart(
    cli: Any, clients: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _month(cli)
    args = ("ticket", "sla-report", "--from", "2026-05-01", "--by", "agent")
    plain = cli(*args, now="2026-05-29T12:00:00-03:00")
    assert plain.exit_code == 0
    lines = plain.stdout.splitlines()
    assert lines[0].split() == [
        "group", "tickets", "1st", "met", "1st", "breached", "1st", "pending", "1st", "median",
        "min", "res", "met", "res", "breached", "res", "pending",
    ]  # fmt: skip
    assert lines[2].split() == ["all", "3", "1", "2", "0", "150", "1", "0", "2"]
    assert lines[3].split() == ["(none)", "1", "0", "1", "0", "0", "0", "1"]
    assert lines[4].split() == ["luis", "1", "0", "1", "0", "180", "0", "0", "1"]
    assert "█" not in plain.stdout  # no chart into a pipe

    from hostctl import output

    monkeypatch.setattr(output, "stdout_is_tty", lambda: True)
    monkeypatch.setenv("NO_COLOR", "1")
    tty = cli(*args, now="2026-05-29T12:00:00-03:00")
    assert tty.exit_code == 0
    assert "first responses: ■ met ■ breached" in tty.stdout
    assert re.search(r"maria +█{30} 1/0", tty.stdout)
    assert re.search(r"luis +█{30} 0/1", tty.stdout)


@pytest.mark.parametrize(
    ("args", "code", "stderr"),
    [
        (
            ("--from", "2026-13-01"),
            1,
            "error: The --from date '2026-13-01' is not a date; write it as YYYY-MM-DD.\n",
        ),
        (
            ("--by", "colour"),
            1,
            "error: Unknown grouping 'colour'; use plan, category, agent.\n",
        ),
        (
            ("--from", "2026-06-01", "--to", "2026-05-01"),
            1,
            "error: The period ends (2026-05-01) before it starts (2026-06-01).\n",
        ),
    ],
)
def test_sla_report_refusals(
    cli: Any, clients: None, args: tuple[str, ...], code: int, stderr: str
) -> None:
    result = cli("ticket", "sla-report", *args)
    assert result.exit_code == code
    assert result.stderr == stderr


def test_full_plan_p1_is_measured_in_clock_minutes_across_midnight_and_a_weekend(cli):
    """SLA-4: a P1 ticket of a full-plan client runs around the clock; its first response
    is reported in clock minutes (not 0 business minutes) and met or breached by them."""
    client = cli.json(
        "client",
        "add",
        "--name",
        "Full",
        "--email",
        "full@example.com",
        "--support-plan",
        "full",
    )["id"]
    friday_night = cli.json(
        "ticket",
        "open",
        "--client",
        str(client),
        "--subject",
        "caído",
        "--category",
        "sla2",
        "--priority",
        "p1",
        now="2026-05-22T23:50:00-03:00",
    )
    assert friday_night["first_response_due"] == "2026-05-23T00:20:00-03:00"
    cli(
        "ticket",
        "reply",
        friday_night["code"],
        "--by",
        "staff",
        "--message",
        "mirando",
        now="2026-05-23T00:15:00-03:00",
    )
    saturday = cli.json(
        "ticket",
        "open",
        "--client",
        str(client),
        "--subject",
        "otra vez",
        "--category",
        "sla2",
        "--priority",
        "p1",
        now="2026-05-23T10:00:00-03:00",
    )
    cli(
        "ticket",
        "reply",
        saturday["code"],
        "--by",
        "staff",
        "--message",
        "ya",
        now="2026-05-23T10:40:00-03:00",
    )
    report = cli.json(
        "ticket",
        "sla-report",
        "--from",
        "2026-05-22",
        "--to",
        "2026-05-25",
        now="2026-05-25T12:00:00-03:00",
    )
    assert report["first_response"] == {
        "met": 1,
        "breached": 1,
        "pending": 0,
        "median_minutes": 32.5,
    }  # 25 and 40 minutes
