"""hostctl log and hostctl db through the CLI."""

from __future__ import annotations

import datetime as dt

from hostctl import migrate


def test_log_records_staff_real_time_effective_date_entity_and_changes(cli):
    before = dt.datetime.now(dt.UTC)
    cli("client", "add", "--name", "Ana", "--email", "ana@example.com",
        staff="maria", today="2025-12-30")  # fmt: skip
    cli("client", "edit", "1", "--name", "Ana María", staff="jose", today="2025-12-31")
    cli("config", "set", "smtp.port", "587", staff="jose")
    after = dt.datetime.now(dt.UTC)
    log = cli.json("log")
    assert [(e["staff"], e["action"], e["entity"]) for e in log] == [
        ("maria", "client.add", "client:1"),
        ("jose", "client.edit", "client:1"),
        ("jose", "config.set", "setting:smtp.port"),
    ]
    assert [e["effective_date"] for e in log[:2]] == ["2025-12-30", "2025-12-31"]
    for entry in log:
        at = dt.datetime.fromisoformat(entry["at"])
        assert at.utcoffset() == dt.timedelta(hours=-3)
        assert before <= at <= after  # the real time of the change, not HOSTCTL_TODAY
    assert log[1]["changes"] == {"name": ["Ana", "Ana María"]}


def test_log_filters(cli):
    cli("client", "add", "--name", "Ana", "--email", "ana@example.com")
    cli("client", "add", "--name", "Beto", "--email", "beto@example.com")
    cli("config", "set", "smtp.port", "587")
    assert [e["entity"] for e in cli.json("log", "--entity", "client:2")] == ["client:2"]
    assert [e["entity"] for e in cli.json("log", "--entity", "client")] == [
        "client:1",
        "client:2",
    ]
    assert [e["entity"] for e in cli.json("log", "--limit", "1")] == ["setting:smtp.port"]
    missing = cli("log", "--entity", "service:9")  # no service 9: not an empty log
    assert (missing.exit_code, missing.stderr) == (3, "error: There is no service 9.\n")
    bad = cli("log", "--entity", ":3")
    assert (bad.exit_code, bad.stderr) == (2, "error: Write --entity as TYPE:ID, e.g. client:7.\n")


def test_log_human_table(cli):
    cli("client", "add", "--name", "Ana", "--email", "ana@example.com", staff="maria")
    lines = cli("log").stdout.splitlines()
    assert lines[0].split() == ["when", "effective", "staff", "action", "entity", "changes", "note"]
    assert "maria" in lines[2] and "client.add" in lines[2] and "name=Ana" in lines[2]


def test_db_status_and_upgrade(cli):
    status = cli.json("db", "status")
    assert (status["current"], status["head"], status["up_to_date"]) == (
        migrate.HEAD,
        migrate.HEAD,
        True,
    )
    assert status["revisions"][-1] == migrate.HEAD
    assert cli.json("db", "upgrade") == {"before": migrate.HEAD, "after": migrate.HEAD}


def test_db_upgrade_on_empty_database(cli, tmp_path, monkeypatch):
    (tmp_path / "empty.db").touch()
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("HOSTCTL_DATABASE_URL", url)
    assert cli.json("db", "status")["current"] is None
    result = cli("db", "upgrade")
    assert (result.exit_code, result.stdout) == (0, f"schema: empty → {migrate.HEAD}\n")
    assert cli.json("db", "status")["up_to_date"] is True
