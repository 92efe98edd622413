"""`hostctl payment import / review / match / ignore` (PAY-1 … PAY-6) as staff type them, and
two staff importing one PayPal file at the same moment with real processes (SQLite and
PostgreSQL): each line, and each payment, once.

Ana (USD) ordered a hosting on 2026-12-01: invoice 2026-000001, 38.40. Bruno ordered one
too: invoice 2026-000002, 38.40. The PayPal download of 2026-12-05 holds Ana's payment
naming her invoice, Bruno's payment from his own address without a number, a payment from
someone unknown, a Pending row (no line at all) and a withdrawal to the bank."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "src" / "hostctl" / "data" / "catalogue.toml"
HEADER = (
    '"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","Fee","Net",'
    '"From Email Address","To Email Address","Transaction ID","Reference Txn ID",'
    '"Invoice Number","Subject","Note","Balance Impact"\n'
)
ROWS = [
    '"03/12/2026","10:00:00","GMT-03:00","Ana Gómez","Website Payment","Completed","USD",'
    '"38.40","-2.10","36.30","ana.gomez@gmail.example","pagos@hosting.example","PP-ANA-1","",'
    '"2026-000001","Hosting","","Credit"',
    '"04/12/2026","11:00:00","GMT-03:00","Bruno Díaz","Website Payment","Completed","USD",'
    '"38.40","-2.10","36.30","bruno@example.com","pagos@hosting.example","PP-BRUNO-1","","",'
    '"Hosting","","Credit"',
    '"04/12/2026","12:00:00","GMT-03:00","Desconocido","Website Payment","Completed","USD",'
    '"15.00","-0.80","14.20","otro@example.com","pagos@hosting.example","PP-X-1","","","",'
    '"","Credit"',
    '"04/12/2026","13:00:00","GMT-03:00","Ana Gómez","Website Payment","Pending","USD",'
    '"20.00","-1.10","18.90","ana.gomez@gmail.example","pagos@hosting.example","PP-P-1","",'
    '"","","","Memo"',
    '"05/12/2026","09:00:00","GMT-03:00","","General Withdrawal - Bank Account","Completed",'
    '"USD","-500.00","0.00","-500.00","","","PP-W-1","","","","","Debit"',
]


@pytest.fixture
def desk(cli, tmp_path):
    assert cli("product", "import", str(CATALOGUE)).exit_code == 0
    for name, email in (("Ana Gómez", "ana@example.com"), ("Bruno Díaz", "bruno@example.com")):
        cli.json("client", "add", "--name", name, "--email", email, "--currency", "USD",
                 "--country", "UY", today="2026-12-01")  # fmt: skip
    for client in ("1", "2"):
        cli.json("service", "order", "--client", client, "--product", "hosting-basic",
                 "--cycle", "annual", today="2026-12-01")  # fmt: skip
    path = tmp_path / "Download.csv"
    path.write_text("\ufeff" + HEADER + "\n".join(ROWS) + "\n", encoding="utf-8")
    return cli, path


def test_a_paypal_download_pays_what_it_can_and_leaves_the_rest(desk):
    cli, path = desk
    report = cli.json("payment", "import", str(path), today="2026-12-05", staff="laura")
    assert {k: report[k] for k in ("format", "dry_run", "lines", "new", "already_imported")} == {
        "format": "paypal", "dry_run": False, "lines": 4, "new": 4, "already_imported": 0,
    }  # fmt: skip
    assert [
        (a["transaction_id"], a["invoice"], a["amount"], a["by"]) for a in report["applied"]
    ] == [
        ("PP-ANA-1", "2026-000001", "38.40", "invoice-number"),
        ("PP-BRUNO-1", "2026-000002", "38.40", "payer-amount"),
    ]
    assert [(i["transaction_id"], i["why"]) for i in report["ignored"]] == [
        ("PP-W-1", "a payout of the account, not a client's payment")
    ]
    [waiting] = report["review"]
    assert {k: waiting[k] for k in ("transaction_id", "date", "amount", "currency", "status")} == {
        "transaction_id": "PP-X-1", "date": "2026-12-04", "amount": "15.00", "currency": "USD",
        "status": "review",
    }  # fmt: skip
    # the payments are dated the day the money came, recorded as paypal with the line's id
    shown = cli.json("invoice", "show", "2026-000001")
    assert shown["status"] == "paid"
    assert [(p["method"], p["reference"], p["date"]) for p in shown["payments"]] == [
        ("paypal", "PP-ANA-1", "2026-12-03")
    ]
    # the order was paid: the service is active
    assert cli.json("service", "show", "1")["status"] == "active"

    again = cli.json("payment", "import", str(path), today="2026-12-06")
    assert (again["new"], again["already_imported"], again["applied"]) == (0, 4, [])
    assert len(cli.json("payment", "list")) == 2


def test_a_dry_run_keeps_nothing(desk):
    cli, path = desk
    dry = cli.json("payment", "import", str(path), "--dry-run", today="2026-12-05")
    assert (dry["dry_run"], dry["new"], len(dry["applied"])) == (True, 4, 2)
    assert cli.json("payment", "list") == []
    assert cli.json("payment", "review") == []
    assert cli.json("invoice", "show", "2026-000001")["status"] == "unpaid"


def test_staff_match_or_ignore_what_waits(desk):
    cli, path = desk
    cli.json("payment", "import", str(path), today="2026-12-05")
    [line] = cli.json("payment", "review")
    assert line["candidates"] == []  # nobody has that address, no invoice is named
    usage = cli("payment", "match", str(line["line_id"]), today="2026-12-05")
    assert usage.exit_code == 2
    assert "--invoice N or --credit CLIENT_ID" in usage.stderr
    credited = cli.json(
        "payment", "match", str(line["line_id"]), "--credit", "1", today="2026-12-05"
    )
    assert credited == {"line_id": line["line_id"], "client_id": 1, "credit": "15.00"}
    assert cli.json("client", "show", "1")["credit_balance"] == "15.00"
    twice = cli(
        "payment", "ignore", str(line["line_id"]), "--reason", "ya está", today="2026-12-05"
    )
    assert twice.exit_code == 1
    assert twice.stderr.strip() == (
        f"error: Statement line {line['line_id']} is applied already; only lines in review can "
        "be decided."
    )
    assert cli.json("payment", "review") == []


def test_a_file_that_is_not_a_statement_changes_nothing(desk, tmp_path):
    cli, _path = desk
    bad = tmp_path / "broken.csv"
    bad.write_text(HEADER + ROWS[0] + "\n" + ROWS[1].replace('"38.40"', '"38,4O"') + "\n")
    result = cli("payment", "import", str(bad), today="2026-12-05")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "line 3" in result.stderr, result.stderr
    assert cli.json("payment", "list") == []  # the good first line was not kept either


def _import(path: Path) -> subprocess.Popen[str]:
    from tests.e2e.test_startup_and_concurrency import HOSTCTL

    env = {**os.environ, "HOSTCTL_TODAY": "2026-12-05"}
    return subprocess.Popen(
        [HOSTCTL, "payment", "import", str(path), "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_two_staff_importing_one_file_at_once_record_each_payment_once(desk):
    cli, path = desk
    procs = [_import(path) for _ in range(3)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert [code for code, _out, _err in results] == [0, 0, 0], [r[2] for r in results]
    reports = [json.loads(out) for _code, out, _err in results]
    assert sorted(r["new"] for r in reports) == [0, 0, 4]
    assert sum(len(r["applied"]) for r in reports) == 2
    payments = cli.json("payment", "list")
    assert sorted(p["reference"] for p in payments) == ["PP-ANA-1", "PP-BRUNO-1"]
    assert len(cli.json("payment", "review")) == 1
