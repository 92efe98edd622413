"""Servers and their panels through the CLI (SPEC §15, SRV-1 … SRV-6): a loopback panel
speaking WHM API 1 / the CWP API receives exactly the calls the books make, once each."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_startup_and_concurrency import HOSTCTL

from billing_helpers import add_client, order, pay, setup_catalogue
from panels import FakePanel, PanelAccount, PanelServer, closed_port

TOKEN = "ZQXJ-panel-token-3141592653"
VAR = "HOSTCTL_PANEL_TOKEN_WEB3"
CANCEL = ("--when", "immediate", "--channel", "ticket", "--reason", "leaves", "--yes")


def _ok(result: Any) -> Any:
    assert result.exit_code == 0, result.stderr + result.stdout
    return result


def _panel_messages(cli: Any) -> list[dict[str, Any]]:
    return cli.json("notify", "list", "--channel", "panel")


def _active_service(cli: Any, tmp_path: Path, *, product: str = "hosting-basic") -> int:
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "ana@example.com")
    placed = order(cli, client_id, product, "annual", "2026-01-10", domain="acme.com")
    pay(cli, placed["invoice"]["id"], placed["invoice"]["total"], "2026-01-10")
    return int(placed["services"][0]["id"])


def _whm_server(cli: Any, panel: FakePanel, today: str = "2026-01-10", *extra: str) -> None:
    _ok(cli("server", "add", "web3", "--panel", "whm", "--url", panel.url, *extra, today=today))


def test_server_add_list_show(cli):
    data = cli.json(
        "server", "add", "Web3", "--panel", "whm", "--url", "https://web3.example.com:2087/",
        today="2026-01-10",
    )  # fmt: skip
    assert data == {
        "name": "web3",
        "panel": "whm",
        "url": "https://web3.example.com:2087",
        "user": "root",
        "ca_file": None,
        "panel_since": "2026-01-10",
        "token_variable": VAR,
        "services": 0,
    }
    assert cli.json("server", "show", "web3") == data
    plain = cli.json("server", "add", "db1")
    assert (plain["panel"], plain["url"], plain["panel_since"]) == (None, None, None)
    assert [s["name"] for s in cli.json("server", "list")] == ["db1", "web3"]


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (
            ("web4", "--panel", "whm", "--url", "http://web4.example.com:2086"),
            "The panel address http://web4.example.com:2086 is http://: only https:// is allowed "
            "(http:// only for a loopback address such as 127.0.0.1).\n",
            1,
        ),
        (
            ("web4", "--panel", "plesk", "--url", "https://x"),
            "--panel must be one of whm, cwp, not 'plesk'.\n",
            1,
        ),
        (("web4", "--panel", "cwp"), "A server with a panel needs --url, its API address.\n", 1),
        (("web3",), "There is already a server web3; `hostctl server show web3` shows it.\n", 1),
    ],
)
def test_server_add_refusals(cli, args, message, code):
    _ok(cli("server", "add", "web3"))
    result = cli("server", "add", *args)
    assert (result.exit_code, result.stderr) == (code, "error: " + message)
    assert len(cli.json("server", "list")) == 1


def test_show_of_an_unknown_server_is_not_found(cli):
    result = cli("server", "show", "nope")
    assert (result.exit_code, result.stderr) == (
        3,
        "error: There is no server nope; `hostctl server list` shows them.\n",
    )


def test_set_server_with_username_and_the_service_json(cli, tmp_path):
    service_id = _active_service(cli, tmp_path)
    shown = cli.json("service", "set-server", str(service_id), "web3", "--username", "acme")
    assert (shown["server"], shown["username"], shown["panel"]) == ("web3", "acme", None)
    # any name is accepted (outages use names); no panel call without a panel
    second = _active_service_on_same_client(cli)
    result = cli("service", "set-server", str(second), "web3", "--username", "acme")
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: Account acme on web3 is already service {service_id}'s.\n",
    )


def _active_service_on_same_client(cli: Any) -> int:
    placed = order(cli, 1, "hosting-basic", "annual", "2026-01-10", domain="beta.com")
    pay(cli, placed["invoice"]["id"], placed["invoice"]["total"], "2026-01-10")
    return int(placed["services"][0]["id"])


def test_the_books_drive_whm_suspend_unsuspend_remove(cli, tmp_path, monkeypatch):
    monkeypatch.setenv(VAR, TOKEN)
    service_id = _active_service(cli, tmp_path)
    panel = FakePanel("whm", TOKEN, accounts={"acme": PanelAccount("acme.com")})
    with PanelServer(panel):
        _whm_server(cli, panel)
        _ok(cli("service", "set-server", str(service_id), "web3", "--username", "acme"))
        _ok(cli("daily", "--date", "2026-12-26", "--no-send", today="2026-12-26"))
        _ok(cli("daily", "--date", "2027-01-12", "--no-send", today="2027-01-12"))
        messages = _panel_messages(cli)
        assert [(m["event"], m["server"], m["action"], m["status"]) for m in messages] == [
            ("service.suspended", "web3", "suspend", "pending")
        ]
        assert messages[0]["data"] == {
            "server": "web3",
            "action": "suspend",
            "user": "acme",
            "reason": "non-payment, invoice 2026-000002",
        }
        assert panel.requests == []  # written with the change, sent later
        sent = cli.json("notify", "send", today="2027-01-12")
        assert sent["sent"] == 1
        assert panel.calls() == [
            (
                "/json-api/suspendacct",
                "api.version=1&user=acme&reason=non-payment%2C+invoice+2026-000002",
            )
        ]
        assert panel.accounts["acme"].suspended
        shown = cli.json("service", "show", str(service_id), today="2027-01-12")
        assert shown["panel"]["action"] == "suspend"
        assert shown["panel"]["status"] == "sent"
        why = cli.json("why", "service", str(service_id), today="2027-01-12")
        assert (why["server"], why["username"], why["panel"]["status"]) == ("web3", "acme", "sent")
        text = _ok(cli("why", "service", str(service_id), today="2027-01-12")).stdout
        assert "panel of web3: suspend acme, sent" in text
        # paid: reactivated → unsuspend
        renewal = [
            i for i in cli.json("invoice", "list", "--client", "1") if i["kind"] == "renewal"
        ]
        pay(cli, renewal[0]["id"], renewal[0]["total"], "2027-01-13")
        assert cli.json("notify", "send", today="2027-01-13")["sent"] == 1
        assert panel.calls()[-1] == ("/json-api/unsuspendacct", "api.version=1&user=acme")
        assert not panel.accounts["acme"].suspended
        # terminated → removeacct with `username`
        _ok(cli("service", "cancel", str(service_id), *CANCEL, today="2027-01-14"))
        assert cli.json("notify", "send", today="2027-01-14")["sent"] == 1
        assert panel.calls()[-1] == ("/json-api/removeacct", "api.version=1&username=acme")
        assert "acme" not in panel.accounts
        # nothing twice: another send calls nobody
        assert cli.json("notify", "send", today="2027-01-14")["sent"] == 0
        assert len(panel.requests) == 3


def test_nothing_is_sent_for_events_before_the_server_had_a_panel(cli, tmp_path, monkeypatch):
    monkeypatch.setenv(VAR, TOKEN)
    service_id = _active_service(cli, tmp_path)
    _ok(cli("service", "set-server", str(service_id), "web3", "--username", "acme"))
    _ok(cli("daily", "--date", "2026-12-26", "--no-send", today="2026-12-26"))
    panel = FakePanel("whm", TOKEN, accounts={"acme": PanelAccount("acme.com")})
    with PanelServer(panel):
        _whm_server(cli, panel, today="2027-01-13")  # given a panel the day after
        # daily catches up 2026-12-27 … 2027-01-13: the suspension is of 2027-01-12
        _ok(cli("daily", "--date", "2027-01-13", "--no-send", today="2027-01-13"))
        assert cli.json("service", "show", str(service_id))["status"] == "suspended"
        assert _panel_messages(cli) == []
        renewal = [
            i for i in cli.json("invoice", "list", "--client", "1") if i["kind"] == "renewal"
        ]
        pay(cli, renewal[0]["id"], renewal[0]["total"], "2027-01-14")
        assert [m["action"] for m in _panel_messages(cli)] == ["unsuspend"]


def test_refusal_is_failed_with_the_panels_reason(cli, tmp_path, monkeypatch):
    monkeypatch.setenv(VAR, TOKEN)
    service_id = _active_service(cli, tmp_path)
    panel = FakePanel("whm", TOKEN, accounts={"acme": PanelAccount("acme.com")})
    panel.script = [("refuse", "Sorry, the account is locked by the root user.")]
    with PanelServer(panel):
        _whm_server(cli, panel)
        _ok(cli("service", "set-server", str(service_id), "web3", "--username", "acme"))
        _ok(cli("service", "suspend", str(service_id), "--reason", "abuse", "--yes"))
        counts = cli.json("notify", "send")
        assert (counts["sent"], counts["failed"]) == (0, 1)
        [message] = cli.json("notify", "list", "--channel", "panel", "--status", "failed")
        assert message["last_error"] == (
            "attempt 1: server web3 refused suspendacct: Sorry, the account is locked by the "
            "root user."
        )
        assert message["data"]["reason"] == "abuse"
        shown = cli.json("service", "show", str(service_id))
        assert shown["panel"]["status"] == "failed"
        assert shown["panel"]["reason"] == message["last_error"]
        assert len(panel.requests) == 1  # never retried by itself


def test_no_answer_is_retried_and_a_lost_answer_is_unknown(cli, tmp_path, monkeypatch):
    monkeypatch.setenv(VAR, TOKEN)
    service_id = _active_service(cli, tmp_path)
    panel = FakePanel("whm", TOKEN, accounts={"acme": PanelAccount("acme.com")})
    panel.script = [("http", 503), "close"]
    with PanelServer(panel):
        _whm_server(cli, panel)
        _ok(cli("service", "set-server", str(service_id), "web3", "--username", "acme"))
        _ok(cli("service", "suspend", str(service_id), "--reason", "abuse", "--yes"))
        assert cli.json("notify", "send")["retried"] == 1
        [message] = _panel_messages(cli)
        assert message["status"] == "pending"
        assert "HTTP 503" in message["last_error"]
        _ok(cli("service", "unsuspend", str(service_id)))  # queued behind it
        db_due(cli)
        counts = cli.json("notify", "send")
        # the suspension went out and its answer was lost: unknown; the unsuspension is sent
        assert (counts["unknown"], counts["sent"]) == (1, 1)
        assert [m["status"] for m in _panel_messages(cli)] == ["unknown", "sent"]
        assert cli.json("notify", "send")["sent"] == 0
        assert [c[0] for c in panel.calls()] == [
            "/json-api/suspendacct",
            "/json-api/suspendacct",
            "/json-api/unsuspendacct",
        ]


def db_due(cli: Any) -> None:
    """The retry's back-off is over (the real clock is not moved: the row is)."""
    import sqlalchemy as sa

    from hostctl import db

    with db.unit_of_work() as session:
        session.execute(sa.text("UPDATE outbox SET next_attempt_at = NULL"))


def test_missing_token_fails_naming_the_variable_until_set(cli, tmp_path, monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    service_id = _active_service(cli, tmp_path)
    panel = FakePanel("whm", TOKEN, accounts={"acme": PanelAccount("acme.com")})
    with PanelServer(panel):
        _whm_server(cli, panel)
        _ok(cli("service", "set-server", str(service_id), "web3", "--username", "acme"))
        _ok(cli("service", "suspend", str(service_id), "--reason", "abuse", "--yes"))
        assert cli.json("notify", "send")["failed"] == 1
        [message] = _panel_messages(cli)
        assert message["last_error"] == (
            "attempt 1: No API token for server web3: set HOSTCTL_PANEL_TOKEN_WEB3, or add a "
            'line "web3 = TOKEN" to the file named by panel.tokens_file.'
        )
        assert panel.requests == []
        monkeypatch.setenv(VAR, TOKEN)
        assert cli.json("notify", "send", "--retry-failed")["sent"] == 1
        assert panel.accounts["acme"].suspended


def test_tokens_file_only_its_owner_may_read(cli, tmp_path, monkeypatch):
    monkeypatch.delenv(VAR, raising=False)
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# panel tokens\nweb3 = {TOKEN}\n", encoding="utf-8")
    tokens.chmod(0o644)
    result = cli("config", "set", "panel.tokens_file", str(tokens))
    assert result.exit_code == 1
    assert "may be read by others than its owner" in result.stderr
    tokens.chmod(0o600)
    _ok(cli("config", "set", "panel.tokens_file", str(tokens)))
    panel = FakePanel("whm", TOKEN)
    with PanelServer(panel):
        _whm_server(cli, panel)
        result = _ok(cli("server", "check", "web3"))
        assert result.stdout == f"WHM 11.118.0.5 at {panel.url} answers and accepts the token.\n"
        tokens.chmod(0o640)  # loosened since: refused when read
        result = cli("server", "check", "web3")
        assert result.exit_code == 1
        assert result.stderr == (
            f"error: The tokens file {tokens} may be read by others than its owner; make it "
            f"private with: chmod 600 {tokens}\n"
        )


def test_server_check_says_what_is_wrong_in_one_sentence(cli, monkeypatch):
    monkeypatch.setenv(VAR, "WRONG-TOKEN-77")
    panel = FakePanel("whm", TOKEN)
    with PanelServer(panel):
        _whm_server(cli, panel)
        result = cli("server", "check", "web3")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: Server web3 did not answer as it should: server web3 refused the API token "
        "(HTTP 403); make a new one and set it where hostctl reads it\n"
    )
    assert "WRONG-TOKEN-77" not in result.stderr + result.stdout
    _ok(
        cli("server", "add", "web9", "--panel", "whm", "--url", f"http://127.0.0.1:{closed_port()}")
    )
    monkeypatch.setenv("HOSTCTL_PANEL_TOKEN_WEB9", TOKEN)
    result = cli("server", "check", "web9")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: Server web9 did not answer as it should: cannot reach")


def test_https_with_ca_file(cli, tmp_path, monkeypatch):
    monkeypatch.setenv(VAR, TOKEN)
    panel = FakePanel("whm", TOKEN)
    with PanelServer(panel, https=True, folder=tmp_path):
        assert panel.ca_pem
        _whm_server(cli, panel, "2026-01-10", "--ca-file", panel.ca_pem)
        assert cli.json("server", "show", "web3")["ca_file"] == panel.ca_pem
        assert cli.json("server", "check", "web3") == {
            "server": "web3",
            "panel": "whm",
            "answer": "WHM 11.118.0.5",
        }


def test_paid_upgrade_changes_the_package(cli, tmp_path, monkeypatch):
    monkeypatch.setenv(VAR, TOKEN)
    service_id = _active_service(cli, tmp_path)
    _ok(cli("product", "edit", "hosting-pro", "--panel-package", "Pro Plan"))
    assert cli.json("product", "show", "hosting-pro")["panel_package"] == "Pro Plan"
    panel = FakePanel("whm", TOKEN, accounts={"acme": PanelAccount("acme.com", "Basic")})
    with PanelServer(panel):
        _whm_server(cli, panel)
        _ok(cli("service", "set-server", str(service_id), "web3", "--username", "acme"))
        done = cli.json(
            "service", "upgrade", str(service_id), "--to", "hosting-pro", today="2026-03-01"
        )
        assert _panel_messages(cli) == []  # not before it is paid
        pay(cli, done["invoice"]["id"], done["invoice"]["total"], "2026-03-01")
        [message] = _panel_messages(cli)
        assert (message["event"], message["action"], message["data"]["package"]) == (
            "service.upgraded",
            "change-package",
            "Pro Plan",
        )
        assert [
            m["channel"] for m in cli.json("notify", "list", "--event", "service.upgraded")
        ] == ["panel"]  # nothing to the client (NOT-1 does not list it)
        assert cli.json("notify", "send")["sent"] == 1
    assert panel.calls() == [("/json-api/changepackage", "api.version=1&user=acme&pkg=Pro+Plan")]
    assert panel.accounts["acme"].plan == "Pro Plan"


def test_cwp_server_is_driven_the_same_way(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HOSTCTL_PANEL_TOKEN_CWP_1", TOKEN)
    service_id = _active_service(cli, tmp_path)
    panel = FakePanel("cwp", TOKEN, accounts={"acme": PanelAccount("acme.com")})
    with PanelServer(panel):
        _ok(cli("server", "add", "cwp-1", "--panel", "cwp", "--url", panel.url))
        _ok(cli("service", "set-server", str(service_id), "cwp-1", "--username", "acme"))
        _ok(cli("service", "suspend", str(service_id), "--reason", "abuse", "--yes"))
        _ok(cli("service", "unsuspend", str(service_id)))
        assert cli.json("notify", "send")["sent"] == 2
    assert panel.calls() == [
        ("/v1/account", "action=susp&user=acme"),
        ("/v1/account", "action=unsp&user=acme"),
    ]
    assert {dict(r["form"])["key"] for r in panel.requests} == {TOKEN}


def test_server_audit(cli, tmp_path, monkeypatch):
    monkeypatch.setenv(VAR, TOKEN)
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "ana@example.com")
    ids = []
    for domain in ("a.com", "b.com", "c.com", "d.com"):
        placed = order(cli, client_id, "hosting-basic", "annual", "2026-01-10", domain=domain)
        pay(cli, placed["invoice"]["id"], placed["invoice"]["total"], "2026-01-10")
        ids.append(placed["services"][0]["id"])
    panel = FakePanel(
        "whm",
        TOKEN,
        accounts={
            "alive": PanelAccount("a.com"),  # its service is cancelled: hosting given away
            "downed": PanelAccount("b.com", suspended=True),  # its service is active
            "fine": PanelAccount("c.com"),
            "stray": PanelAccount("stray.com"),  # nobody is billed
        },
    )
    with PanelServer(panel):
        _whm_server(cli, panel)
        for service_id, user in zip(ids, ("alive", "downed", "fine", "lost"), strict=True):
            _ok(cli("service", "set-server", str(service_id), "web3", "--username", user))
        _ok(cli("service", "cancel", str(ids[0]), *CANCEL))
        report = cli.json("server", "audit", "web3")
        text = _ok(cli("server", "audit", "web3")).stdout
    assert report == {
        "server": "web3",
        "accounts": 4,
        "services": 3,
        "live_but_not_billed_as_live": [
            {"user": "alive", "service_id": ids[0], "service_status": "cancelled"}
        ],
        "down_but_active": [{"user": "downed", "service_id": ids[1], "service_status": "active"}],
        "accounts_without_service": [{"user": "stray", "domain": "stray.com"}],
        "services_without_account": [{"service_id": ids[3], "username": "lost"}],
    }
    assert "Live on the panel, not live in the books" in text
    assert "stray.com" in text


def test_the_token_is_never_stored_or_shown(cli, tmp_path, monkeypatch, db_url):
    """SRV-1: run everything with a recognisable token, then look for it in the database
    file's bytes and in every output, a debug traceback's included."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the database file is SQLite's")
    monkeypatch.setenv(VAR, TOKEN)
    outputs: list[str] = []

    def run(*args: str, **kw: Any) -> Any:
        result = cli(*args, **kw)
        outputs.extend([result.stdout, result.stderr])
        return result

    service_id = _active_service(cli, tmp_path)
    panel = FakePanel("whm", TOKEN, accounts={"acme": PanelAccount("acme.com")})
    panel.script = [("refuse", f"token {TOKEN} is not allowed here")]  # a panel echoing it
    with PanelServer(panel):
        run("server", "add", "web3", "--panel", "whm", "--url", panel.url)
        run("service", "set-server", str(service_id), "web3", "--username", "acme", "--json")
        run("service", "suspend", str(service_id), "--reason", "abuse", "--yes", "--json")
        run("notify", "send", "--json")
        run("notify", "send")
        for args in (
            ("notify", "list", "--channel", "panel", "--json"),
            ("notify", "list", "--channel", "panel"),
            ("server", "show", "web3", "--json"),
            ("server", "list"),
            ("server", "check", "web3"),
            ("server", "audit", "web3", "--json"),
            ("service", "show", str(service_id), "--json"),
            ("why", "service", str(service_id), "--json"),
            ("audit", "list", "--json"),
        ):
            run(*args)
        # a panel echoing the token in its refusal, with HOSTCTL_DEBUG's tracebacks on
        panel.script = [("refuse", f"bad token {TOKEN}")]
        debug = subprocess.run(
            [HOSTCTL, "server", "check", "web3"],
            capture_output=True,
            text=True,
            env={**os.environ, "HOSTCTL_DEBUG": "1", VAR: TOKEN},
        )
        outputs += [debug.stdout, debug.stderr]
        assert (debug.returncode, debug.stderr) == (
            1,
            "error: Server web3 did not answer as it should: server web3 refused version: bad "
            "token [hidden]\n",
        )
    failed = [m for m in _panel_messages(cli) if m["status"] == "failed"]
    assert failed and "[hidden]" in failed[0]["last_error"]
    path = Path(db_url.removeprefix("sqlite:///"))
    sqlite3.connect(path).execute("PRAGMA wal_checkpoint(TRUNCATE)").close()
    stored = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
    assert TOKEN.encode() not in stored
    assert all(TOKEN not in text for text in outputs), [t for t in outputs if TOKEN in t]
    assert any("web3" in text for text in outputs)
    json.dumps(outputs)  # every output was text


def test_server_edit(cli, tmp_path, monkeypatch):
    """A server gets its panel, address, CA file and user after it was added (an imported one
    included); given a panel it did not have, it is driven from that day."""
    monkeypatch.setenv(VAR, TOKEN)
    _ok(cli("server", "add", "web3", today="2026-01-10"))
    panel = FakePanel("whm", TOKEN)
    with PanelServer(panel, https=True, folder=tmp_path):
        data = cli.json(
            "server", "edit", "web3", "--panel", "whm", "--url", panel.url,
            "--ca-file", panel.ca_pem, today="2026-02-01",
        )  # fmt: skip
        assert data == {
            "name": "web3",
            "panel": "whm",
            "url": panel.url,
            "user": "root",
            "ca_file": panel.ca_pem,
            "panel_since": "2026-02-01",
            "token_variable": VAR,
            "services": 0,
        }
        assert cli.json("server", "check", "web3")["answer"] == "WHM 11.118.0.5"
    # keeping its panel keeps its day; "" forgets the CA file; another WHM user
    data = cli.json(
        "server", "edit", "web3", "--ca-file", "", "--user", "reseller", today="2026-03-01"
    )
    assert (data["panel_since"], data["ca_file"], data["user"]) == ("2026-02-01", None, "reseller")
    data = cli.json("server", "edit", "web3", "--panel", "none")
    assert (data["panel"], data["url"], data["user"], data["panel_since"]) == (
        None,
        None,
        None,
        None,
    )
    assert [e["action"] for e in cli.json("log", "--entity", "server:1")] == [
        "server.add",
        "server.edit",
        "server.edit",
        "server.edit",
    ]


NOT_FOUND = "There is no server nope; `hostctl server list` shows them.\n"
NEEDS_PANEL = "--url, --user and --ca-file need --panel whm or cwp.\n"
NO_CWP_USER = "--user is the WHM user; a CWP server has none.\n"


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (("web3",), "Nothing to change: give --panel, --url, --user or --ca-file.\n", 1),
        (("nope", "--url", "https://x"), NOT_FOUND, 3),
        (("db1", "--url", "https://db1.example.com"), NEEDS_PANEL, 1),
        (("web3", "--panel", "cwp", "--user", "root"), NO_CWP_USER, 1),
        (("db1", "--panel", "whm"), "A server with a panel needs --url, its API address.\n", 1),
        (("web3", "--panel", "plesk"), "--panel must be one of whm, cwp, none, not 'plesk'.\n", 1),
    ],
)
def test_server_edit_refusals(cli, args, message, code):
    _ok(cli("server", "add", "web3", "--panel", "whm", "--url", "https://web3.example.com:2087"))
    _ok(cli("server", "add", "db1"))
    before = cli.json("server", "list")
    result = cli("server", "edit", *args)
    assert (result.exit_code, result.stderr) == (code, "error: " + message)
    assert cli.json("server", "list") == before
