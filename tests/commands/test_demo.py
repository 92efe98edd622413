import json
import re
import shutil
from pathlib import Path

from hostctl import db
from hostctl.core.demo import catalogue_path
from hostctl.core.money import Money, format_money

REPO = Path(__file__).resolve().parents[2]


def test_packaged_catalogue_is_the_example_catalogue():
    assert catalogue_path().read_text(encoding="utf-8") == (
        REPO / "examples" / "catalogue.toml"
    ).read_text(encoding="utf-8")


def test_demo_walks_days_in_a_throwaway_database(cli, db_url, tmp_path):
    keep = tmp_path / "demo.db"
    result = cli("demo", "--days", "40", "--clients", "12", "--keep", str(keep), today="2026-03-02")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Demo company: 12 clients")
    assert lines[2].startswith("2026-03-02")
    assert lines[41].startswith("2026-04-10")
    assert lines[43].startswith("40 days:") and "payments collected" in lines[43]
    day_rows = [line.split() for line in lines[2:42]]
    assert sum(int(row[1]) for row in day_rows) > 0  # renewal invoices were generated
    assert sum(int(row[3]) for row in day_rows) > 0  # and paid
    assert keep.exists()
    assert cli.json("client", "list") == []  # the agent's own database is untouched


DAY_COUNTS = [
    "invoices_created",
    "reminders",
    "payments",
    "suspended",
    "terminated",
    "ended",
    "expired",
    "domains_deleted",
    "quotes_expired",
]


def test_demo_json_is_one_document_with_the_facts_of_the_human_summary(cli, tmp_path):
    args = ("demo", "--days", "30", "--clients", "10", "--seed", "3")
    human = cli(*args, today="2026-03-02")
    assert human.exit_code == 0, human.stderr
    keep = tmp_path / "kept.db"
    result = cli(*args, "--keep", str(keep), "--json", today="2026-03-02")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)  # one document, nothing else on stdout

    assert list(doc) == [
        "clients",
        "seed",
        "catalogue",
        "database",
        "first_day",
        "last_day",
        "days",
        "totals",
        "collected",
        "services",
        "environment",
        "try",
    ]
    assert (doc["clients"], doc["seed"], doc["database"]) == (10, 3, str(keep))
    assert (doc["first_day"], doc["last_day"]) == ("2026-03-02", "2026-03-31")
    assert [day["date"] for day in doc["days"]][:2] == ["2026-03-02", "2026-03-03"]
    for day in doc["days"]:
        assert list(day) == ["date", *DAY_COUNTS]
        assert all(type(day[key]) is int for key in DAY_COUNTS)

    # The same walk as the human table, day by day (same seed, same story).
    rows = [line.split() for line in human.stdout.splitlines()[2:32]]
    columns = ["date", "invoices_created", "reminders", "payments", "suspended", "terminated"]
    assert [[d[c] for c in columns] for d in doc["days"]] == [
        [row[0], *map(int, row[1:])] for row in rows
    ]
    totals = doc["totals"]
    assert totals["days"] == 30 and list(totals) == ["days", *DAY_COUNTS]
    assert totals["payments"] == sum(d["payments"] for d in doc["days"]) > 0
    last = human.stdout.splitlines()[33]
    assert last.startswith(f"30 days: {totals['payments']} payments collected")

    # Money as two-decimal strings per currency; services by status, the sum of them all.
    assert doc["collected"] and all(
        re.fullmatch(r"\d+\.\d{2}", amount) for amount in doc["collected"].values()
    )
    assert set(doc["collected"]) <= {"ARS", "UYU", "USD"}
    shown = last.split("collected (", 1)[1].split(");", 1)[0].split(", ")
    assert sorted(shown) == sorted(  # the English session's figures, e.g. $ 1,203,580.00
        format_money(Money.of(amount, currency), "en")
        for currency, amount in doc["collected"].items()
    )
    services = cli.json("service", "list")  # the agent's own database: still empty
    assert services == []
    states = f"services now: {', '.join(f'{k} {v}' for k, v in doc['services'].items())}."
    assert last.endswith(states)
    assert sum(doc["services"].values()) > 10


def test_demo_ends_with_its_last_day_how_to_use_it_and_what_to_try(cli, tmp_path, monkeypatch):
    """The demo's days run ahead of the clock: it says so, with the environment to use and
    three commands with its own ids; and its services exercise the whole product, a refund
    within the 30-day guarantee among it (issue #20: every refund on a demo service failed
    for want of an activation date)."""
    keep = tmp_path / "kept.db"
    args = ("demo", "--days", "30", "--clients", "8", "--keep", str(keep))
    result = cli(*args, today="2026-03-02")
    assert result.exit_code == 0, result.stderr
    doc = cli.json(*args, today="2026-03-02")  # the same story again, over its own file
    url = f"sqlite:///{keep}"
    assert doc["environment"] == {"HOSTCTL_DATABASE_URL": url, "HOSTCTL_TODAY": "2026-03-31"}
    service, client = (int(doc["try"][i].rsplit(" ", 1)[1]) for i in (0, 1))
    assert doc["try"] == [
        f"hostctl why service {service}",
        f"hostctl client statement {client}",
        "hostctl invoice list --status overdue",
    ]
    prefix = f"  HOSTCTL_DATABASE_URL={url} HOSTCTL_TODAY=2026-03-31 hostctl"
    assert result.stdout.splitlines()[-5:] == [
        "The demo's last day is 2026-03-31, 29 days after today: its invoices and services "
        "are dated up to then, so give hostctl that day as HOSTCTL_TODAY.",
        "Explore it:",
        f"{prefix} why service {service}",
        f"{prefix} client statement {client}",
        f"{prefix} invoice list --status overdue",
    ]

    monkeypatch.setenv("HOSTCTL_DATABASE_URL", url)
    monkeypatch.setenv("HOSTCTL_TODAY", "2026-03-31")
    assert cli("why", "service", str(service)).exit_code == 0
    assert cli("client", "statement", str(client)).exit_code == 0
    services = cli.json("service", "list")
    young = [
        s
        for s in services
        if s["status"] == "active"
        and s["activated_on"] >= "2026-03-02"
        and s["product"].startswith("hosting")
    ]
    assert young, services  # ordered and paid during the walk
    assert all(s["activated_on"] for s in services)  # the imported ones too
    cancelled = cli.json(
        "service", "cancel", str(young[0]["id"]), "--when", "immediate", "--refund",
        "--channel", "ticket", "--reason", "prueba", "--yes",
    )  # fmt: skip
    assert cancelled["service"]["status"] == "cancelled"
    assert cancelled["refund"] is not None and cancelled["refund"]["method"] == "card"


def test_a_throwaway_demo_says_how_to_keep_one(cli):
    result = cli("demo", "--days", "3", "--clients", "2", "--seed", "5", today="2026-03-02")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-4] == (
        "This demo's database was a temporary file, now removed; to explore one, run hostctl "
        "demo --keep demo.db --days 3 --clients 2 --seed 5 (same seed, same story) and then:"
    )
    assert lines[-3].startswith(f"  HOSTCTL_DATABASE_URL=sqlite:///{Path.cwd() / 'demo.db'} ")


def _bytes(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.parent.iterdir())}


def test_demo_keep_writes_over_nothing_but_an_earlier_demo(cli, tmp_path, monkeypatch):
    """--keep refuses an existing file it did not make (a hostctl database with clients, a
    text file) and the database hostctl works on, even one an earlier demo made; an earlier
    demo's own file it replaces."""
    demo = ("demo", "--days", "1", "--clients", "2")
    real = tmp_path / "real" / "hostctl.db"
    real.parent.mkdir()
    monkeypatch.setenv("HOSTCTL_DATABASE_URL", f"sqlite:///{real}")
    assert cli("db", "upgrade").exit_code == 0
    assert cli("client", "add", "--name", "Ana", "--email", "ana@example.com").exit_code == 0
    db.dispose_all()
    other = tmp_path / "other" / "copy.db"  # a hostctl database hostctl is not pointed at
    other.parent.mkdir()
    shutil.copy(real, other)
    text = tmp_path / "notes" / "notes.txt"
    text.parent.mkdir()
    text.write_text("do not lose me\n")
    for path, named in ((other, None), (text, None), (real, "HOSTCTL_DATABASE_URL")):
        before = _bytes(path)
        result = cli(*demo, "--keep", str(path))
        if named:
            expected = (
                f"error: {path} is the database hostctl works on ({named}); hostctl demo never "
                "writes over it, choose another --keep path.\n"
            )
        else:
            expected = (
                f"error: {path} already exists and was not made by hostctl demo, which writes "
                "only a new file or over an earlier demo's; choose another --keep path.\n"
            )
        assert (result.exit_code, result.stdout, result.stderr) == (1, "", expected)
        assert _bytes(path) == before

    kept = tmp_path / "demo" / "demo.db"
    kept.parent.mkdir()
    assert cli(*demo, "--keep", str(kept)).exit_code == 0
    again = cli(*demo, "--seed", "8", "--keep", str(kept))  # its own earlier output
    assert again.exit_code == 0, again.stderr
    monkeypatch.setenv("HOSTCTL_DATABASE_URL", f"sqlite:///{kept}")
    assert [c["email"] for c in cli.json("client", "list")] == [
        "cliente1@ejemplo.com",
        "cliente2@ejemplo.com",
    ]
    db.dispose_all()
    before = _bytes(kept)
    result = cli(*demo, "--keep", str(kept))  # now the database hostctl works on
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: {kept} is the database hostctl works on (HOSTCTL_DATABASE_URL); hostctl demo "
        "never writes over it, choose another --keep path.\n",
    )
    assert _bytes(kept) == before


def test_demo_keep_refuses_the_default_database(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("HOSTCTL_DATABASE_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert cli("client", "add", "--name", "Ana", "--email", "ana@example.com").exit_code == 0
    db.dispose_all()
    default = tmp_path / "data" / "hostctl" / "hostctl.db"
    before = _bytes(default)
    result = cli("demo", "--days", "1", "--clients", "1", "--keep", str(default))
    assert (result.exit_code, result.stderr) == (
        1,
        f"error: {default} is the database hostctl works on (the default database); hostctl "
        "demo never writes over it, choose another --keep path.\n",
    )
    assert _bytes(default) == before
