"""At the desk (issue #20): what a support agent reads. `why --json` gives the status and
its reason apart; a payment after a non-payment suspension says that the cycle became longer
(BIL-7), and `why` lists it; a Spanish session reads no English status, cycle or kind inside
its sentences; sentences wrap at spaces, never inside a word; English record labels are
words ("next due date"); records in a block view are ruled off from one another.

The Spanish sweep and the terminal checks read one demo company (``hostctl demo``, a fixed
day and seed), built once for the module."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from billing_helpers import add_client, order, pay, setup_catalogue
from hostctl import db, output

DEMO_START = "2026-12-05"
DEMO_LAST = "2027-02-02"  # 60 days of daily
ANSI = re.compile(r"\x1b\[[0-9;]*m")


# --------------------------------------------------------------------------- BIL-7, why --json
def test_a_payment_after_a_suspension_says_the_cycle_became_longer(cli: Any, tmp_path: Path):
    setup_catalogue(cli, tmp_path)
    client = add_client(cli, "late@example.com")
    first = order(cli, client, "radio", "monthly", "2026-01-10")
    pay(cli, first["invoice"]["id"], "8.00", "2026-01-10")
    sid = first["services"][0]["id"]
    assert cli("daily", "--date", "2026-02-12", "--no-send", today="2026-02-12").exit_code == 0
    suspended = cli.json("why", "service", str(sid), today="2026-02-12")
    assert (suspended["state"], suspended["reason"]) == ("suspended", "non-payment")
    assert cli("why", "service", str(sid), today="2026-02-12").stdout.splitlines()[0] == (
        f"service {sid} is suspended (non-payment)"
    )
    paid = cli(
        "payment", "add", "--invoice", "2026-000002", "--amount", "8.00", "--method", "cash",
        today="2026-02-14",
    )  # fmt: skip
    assert paid.exit_code == 0, paid.stderr
    assert paid.stdout.splitlines()[-2:] == [
        "invoice 2026-000002 is paid; due USD 0.00",
        f"service {sid} is now billed quarterly (was monthly): paid after a non-payment "
        "suspension, its cycle is one step longer (BIL-7)",
    ]
    why = cli.json("why", "service", str(sid), today="2026-02-14")
    assert (why["state"], why["reason"]) == ("active", None)
    assert why["because"][-1] == {
        "date": "2026-02-14",
        "rule": "BIL-7",
        "what": "billing cycle lengthened one step after a non-payment suspension: "
        "monthly → quarterly",
        "by": "tester",
    }
    assert "[BIL-7]" in cli("why", "service", str(sid), today="2026-02-14").stdout
    log = cli.json("log", "--entity", f"service:{sid}", today="2026-02-14")
    lengthened = [e for e in log if e["action"] == "service.lengthen_cycle"]
    assert [e["changes"] for e in lengthened] == [
        {"cycle": ["monthly", "quarterly"], "rule": "BIL-7", "invoice": "2026-000002"}
    ]


# --------------------------------------------------------------------------- the demo company
class Desk:
    """Runs hostctl on the demo database, in English or Spanish, in a pipe or a terminal."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, lang: str = "en", **env: str) -> str:
        from hostctl.cli import app

        result = self.runner.invoke(
            app,
            list(args),
            env={
                "HOSTCTL_DATABASE_URL": self.url,
                "HOSTCTL_TODAY": DEMO_LAST,
                "HOSTCTL_LANG": lang,
                **env,
            },
            catch_exceptions=False,
        )
        assert result.exit_code == 0, (args, result.stderr)
        return str(result.stdout)

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--json"))


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("desk") / "demo.db"
    shown = CliRunner().invoke(
        __import__("hostctl.cli", fromlist=["app"]).app,
        ["demo", "--keep", str(path)],
        env={"HOSTCTL_TODAY": DEMO_START, "HOSTCTL_LANG": "en"},
        catch_exceptions=False,
    )
    assert shown.exit_code == 0, shown.stderr
    yield Desk(f"sqlite:///{path}")
    db.dispose_all()


def _first(desk: Desk, status: str) -> dict[str, Any]:
    return next(s for s in desk.json("service", "list") if s["status"] == status)


ENGLISH = re.compile(
    r"(?<![\w.@/:-])(active|suspended|unpaid|paid|cancelled|terminated|expired|pending|"
    r"renewal|monthly|quarterly|semiannual|annual|biennial|non-payment|reminders|unless|all|"
    r"first|second|due|overdue|item|discount|invoice|open|client|standard)(?![\w.@/:-])"
)


def test_a_spanish_session_reads_no_english_code_in_its_sentences(desk: Desk) -> None:
    suspended, terminated = _first(desk, "suspended"), _first(desk, "terminated")
    client = suspended["client_id"]
    unpaid = desk.json("invoice", "list", "--client", str(client), "--status", "unpaid")[0]
    lengthened = next(
        e for e in desk.json("log", "--limit", "100000") if e["action"] == "service.lengthen_cycle"
    )
    ticket = desk.json(
        "ticket", "open", "--client", str(client), "--subject", "La web no carga",
        "--category", "sla2", "--message", "Desde ayer",
    )  # fmt: skip
    commands = [
        ("why", "service", str(suspended["id"])),
        ("why", "service", str(terminated["id"])),
        ("why", "service", lengthened["entity"].split(":")[1]),
        ("why", "client", str(client)),
        ("why", "client", "1"),  # imported: its note
        ("why", "invoice", unpaid["number"]),
        ("daily", "--dry-run", "--date", "2027-02-20"),
        ("client", "statement", str(client)),
        ("client", "show", str(client)),
        ("invoice", "show", unpaid["number"]),
        ("invoice", "list", "--client", str(client)),
        ("service", "show", str(suspended["id"])),
        ("service", "list", "--client", str(client)),
        ("ticket", "sla-report", "--from", DEMO_START, "--to", DEMO_LAST),
        ("ticket", "show", ticket["code"]),
    ]
    for args in commands:
        spanish = desk(*args, lang="es")
        found = ENGLISH.findall(spanish)
        assert not found, (args, found, spanish)
    why = desk("why", "service", str(suspended["id"]), lang="es")
    assert why.splitlines()[0] == f"el servicio {suspended['id']} está suspendido (falta de pago)"
    assert "— para evitarlo: pague la factura " in why
    assert "cliente importado (importado de clients.csv, línea 2)" in desk(
        "why", "client", "1", lang="es"
    )
    assert "[BIL-7]" in desk("why", "service", lengthened["entity"].split(":")[1], lang="es")
    dry = desk("daily", "--dry-run", "--date", "2027-02-20", lang="es")
    assert "suspendidos" in dry and "finalizados sin renovar" in dry and "terminados" not in dry
    # --json stays English whatever the language
    english = desk("why", "service", str(suspended["id"]), "--json")
    assert desk("why", "service", str(suspended["id"]), "--json", lang="es") == english


def test_the_log_shows_hostctls_own_notes_in_spanish(desk: Desk) -> None:
    imported = desk("log", "--entity", "client:1", lang="es")
    assert "importado de clients.csv, línea 2" in imported
    assert (
        desk.json("log", "--entity", "client:1")[0]["note"] == "imported from clients.csv, line 2"
    )


# --------------------------------------------------------------------------- the terminal
@pytest.fixture
def tty(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(output, "stdout_is_tty", lambda: True)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv("NO_COLOR", "1")

    def width(columns: int) -> None:
        monkeypatch.setenv("COLUMNS", str(columns))

    return width


@pytest.mark.parametrize("columns", [50, 80])
def test_why_wraps_at_spaces_and_formats_its_amounts(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    suspended = _first(desk, "suspended")
    piped = desk("why", "service", str(suspended["id"]), lang="es", COLUMNS=str(columns))
    assert max(len(line) for line in piped.splitlines()) > columns  # long enough to wrap
    monkeypatch.setattr(output, "stdout_is_tty", lambda: True)
    monkeypatch.setenv("COLUMNS", str(columns))
    screen = desk("why", "service", str(suspended["id"]), lang="es")
    lines = screen.splitlines()
    assert max(len(line) for line in lines) <= columns, screen
    assert any(line.startswith(" " * 13) for line in lines), screen  # under the text, not the date
    words = " ".join(screen.split())
    assert re.search(r"\(faltan (US\$|\$|UYU) [0-9.]+,[0-9]{2}\)", words), words
    # the same words in the same order: nothing cut inside a word, only the amounts formatted
    amount = re.compile(r"(US\$|\$|UYU|ARS|USD) [0-9.,]+")
    assert amount.sub("AMOUNT", words) == amount.sub("AMOUNT", " ".join(piped.split()))


@pytest.mark.parametrize("columns", [50, 80])
def test_records_use_words_as_labels_and_blocks_are_ruled_off(
    desk: Desk, tty: Any, columns: int
) -> None:
    suspended = _first(desk, "suspended")
    tty(columns)
    record = desk("service", "show", str(suspended["id"]))
    assert "next due date" in record and "suspension reason" in record
    assert "next_due_date" not in record and "_" not in "".join(
        line.split("  ")[0] for line in record.splitlines()
    )
    listing = desk("service", "list", "--limit", "3")
    if columns == 50:  # too narrow for the table: one block a service, a rule between two
        rules = [line for line in listing.splitlines() if set(line) == {"─"}]
        assert len(rules) == 2, listing
        assert "next due" in listing
    else:
        assert "─" * 4 not in listing.split("\n", 2)[2]
