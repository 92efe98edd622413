"""Two staff record a payment of the same invoice at the same moment, in two real processes,
round after round (on SQLite and on PostgreSQL): no payment is lost, none is counted twice,
and the excess of a double payment is the client's credit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from billing_helpers import add_client, order, setup_catalogue
from conftest import PG_URL
from hostctl import db

ROUNDS = 20 if PG_URL else 6

PAYER = """
import json, sys, time
from pathlib import Path
from hostctl.core import payments
from hostctl.core.context import Context
from hostctl.db import unit_of_work
from hostctl.errors import HostctlError

folder, plan = Path(sys.argv[1]), json.loads(sys.argv[2])
for number, (invoice_id, amount) in enumerate(plan):
    print("ready", number, flush=True)
    go = folder / f"go-{number}"
    while not go.exists():
        time.sleep(0.0005)
    try:
        with unit_of_work() as session:
            ctx = Context.from_env()
            payment, _ = payments.add_payment(session, ctx, invoice_id, amount, "card")
            result = {"applied": payment.applied_minor, "credited": payment.credited_minor}
    except HostctlError as exc:
        result = {"refused": exc.message}
    print("done", json.dumps(result), flush=True)
"""


def _payers(db_url: str, folder: Path, plan: list[tuple[int, str]]) -> list[list[dict]]:
    import json

    env = dict(os.environ, HOSTCTL_DATABASE_URL=db_url, HOSTCTL_TODAY="2026-03-02")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PAYER, str(folder), json.dumps(plan)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results: list[list[dict]] = [[], []]
    try:
        for number in range(len(plan)):
            for proc in procs:
                line = proc.stdout.readline()  # type: ignore[union-attr]
                assert line.split() == ["ready", str(number)], line + proc.stderr.read()  # type: ignore[union-attr]
            (folder / f"go-{number}").touch()
            for k, proc in enumerate(procs):
                line = proc.stdout.readline()  # type: ignore[union-attr]
                assert line.startswith("done "), line + proc.stderr.read()  # type: ignore[union-attr]
                results[k].append(json.loads(line[5:]))
        for proc in procs:
            proc.wait(timeout=60)
            assert proc.returncode == 0, proc.stderr.read()  # type: ignore[union-attr]
    finally:
        for proc in procs:
            proc.kill()
    return results


def test_two_payers_of_one_invoice_at_once_lose_nothing(cli, db_url, tmp_path):
    setup_catalogue(cli, tmp_path)
    plan: list[tuple[int, str]] = []
    clients: list[int] = []
    for number in range(ROUNDS):
        client_id = add_client(cli, f"race{number}@example.com")
        invoice = order(cli, client_id, "hosting-basic", "annual", "2026-03-01")["invoice"]
        assert invoice["total"] == "96.00"
        # even rounds: both pay it in full; odd rounds: both pay 60.00 of 96.00
        plan.append((invoice["id"], "96.00" if number % 2 == 0 else "60.00"))
        clients.append(client_id)
    db.dispose_all()
    results = _payers(db_url, tmp_path, plan)
    for number, ((invoice_id, amount), client_id) in enumerate(zip(plan, clients, strict=True)):
        pair = [results[0][number], results[1][number]]
        shown = cli.json("invoice", "show", str(invoice_id))
        received = cli.json("client", "show", str(client_id))
        assert (shown["status"], shown["amount_due"]) == ("paid", "0.00"), (number, pair)
        accepted = [r for r in pair if "applied" in r]
        assert sum(r["applied"] for r in accepted) == 9600, (number, pair)
        assert received["credit_balance"] == (
            f"{sum(r['credited'] for r in accepted) / 100:.2f}"
        ), (number, pair)
        if amount == "96.00":  # the second payer finds it paid and is refused
            assert len(accepted) == 1, (number, pair)
            assert [r["refused"] for r in pair if "refused" in r] == [
                f"Invoice 2026-{number + 1:06d} is paid; only unpaid invoices take payments."
            ]
            assert received["credit_balance"] == "0.00"
        else:  # both are taken: 60.00 applied, then 36.00 applied and 24.00 to credit
            assert sorted((r["applied"], r["credited"]) for r in accepted) == [
                (3600, 2400),
                (6000, 0),
            ], (number, pair)
            assert received["credit_balance"] == "24.00"


# --------------------------------------------------------------------------- one reference
AGENTS = 5
REFERENCE_ROUNDS = 4 if PG_URL else 2

AGENT = """
import contextlib, io, json, sys, time
from pathlib import Path
from hostctl import db
from hostctl.cli import app
import hostctl.commands.payment, hostctl.core.payments  # loaded before the start

folder, rounds = Path(sys.argv[1]), json.loads(sys.argv[2])
with db.get_engine().connect():  # checked, migrated and connected before the start
    pass
for number, args in enumerate(rounds):
    print("ready", number, flush=True)
    go = folder / f"go-{number}"
    while not go.exists():
        time.sleep(0.0005)
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            app(args, prog_name="hostctl")
        except SystemExit as exc:
            code = exc.code or 0
    print("done", json.dumps({"exit": code, "stderr": err.getvalue()}), flush=True)
"""


def _agents(db_url: str, folder: Path, plans: list[list[list[str]]]) -> list[list[dict]]:
    """Run ``plans[k]`` (a command line a round) in agent process k, every agent's command
    of a round released at the same instant; each one's exit status and stderr, by round."""
    import json

    env = dict(os.environ, HOSTCTL_DATABASE_URL=db_url, HOSTCTL_TODAY="2026-03-02")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", AGENT, str(folder), json.dumps(plan)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for plan in plans
    ]
    results: list[list[dict]] = [[] for _ in plans]
    try:
        for number in range(len(plans[0])):
            for proc in procs:
                line = proc.stdout.readline()  # type: ignore[union-attr]
                assert line.split() == ["ready", str(number)], line + proc.stderr.read()  # type: ignore[union-attr]
            (folder / f"go-{number}").touch()
            for k, proc in enumerate(procs):
                line = proc.stdout.readline()  # type: ignore[union-attr]
                assert line.startswith("done "), line + proc.stderr.read()  # type: ignore[union-attr]
                results[k].append(json.loads(line[5:]))
        for proc in procs:
            proc.wait(timeout=120)
            assert proc.returncode == 0, proc.stderr.read()  # type: ignore[union-attr]
    finally:
        for proc in procs:
            proc.kill()
    return results


def test_one_reference_recorded_by_five_agents_at_once_is_taken_once(cli, db_url, tmp_path):
    """Five agents record the same MercadoPago transfer at the same instant, each against an
    unpaid invoice of the client: the database's unique key lets one through; the others get
    the sentence of the look-up (exit 1) and change nothing. Round after round."""
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "mp@example.com")
    invoices = [
        order(cli, client_id, "hosting-basic", "annual", "2026-03-01")["invoice"]["id"]
        for _ in range(REFERENCE_ROUNDS * AGENTS)
    ]
    references = [f"13182{number:05d}" for number in range(REFERENCE_ROUNDS)]
    plans = [
        [
            [
                "payment",
                "add",
                "--invoice",
                str(invoices[number * AGENTS + k]),
                "--amount",
                "96.00",
                "--method",
                "mercadopago",
                "--reference",
                references[number],
            ]
            for number in range(REFERENCE_ROUNDS)
        ]
        for k in range(AGENTS)
    ]
    db.dispose_all()
    results = _agents(db_url, tmp_path, plans)
    payments = cli.json("payment", "list", "--method", "mercadopago")
    assert sorted(p["reference"] for p in payments) == references
    for number, reference in enumerate(references):
        outcome = [results[k][number] for k in range(AGENTS)]
        winners = [k for k in range(AGENTS) if outcome[k]["exit"] == 0]
        assert len(winners) == 1, (number, outcome)
        invoice_id = invoices[number * AGENTS + winners[0]]
        (payment,) = [p for p in payments if p["reference"] == reference]
        assert payment["invoice_id"] == invoice_id
        sentence = (
            f"error: Payment {payment['id']} (mercadopago {reference}, 2026-03-02, invoice "
            f"{invoice_id}) already has this reference; if this is another payment, add "
            "--duplicate-ok.\n"
        )
        for k in range(AGENTS):
            if k != winners[0]:
                assert outcome[k] == {"exit": 1, "stderr": sentence}, (number, outcome)
                loser = cli.json("invoice", "show", str(invoices[number * AGENTS + k]))
                assert (loser["status"], loser["amount_due"]) == ("unpaid", "96.00")
    assert cli.json("client", "show", str(client_id))["credit_balance"] == "0.00"
