import json
import re
from pathlib import Path

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
    assert "40 days:" in lines[-1] and "payments collected" in lines[-1]
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
    last = human.stdout.splitlines()[-1]
    assert last.startswith(f"30 days: {totals['payments']} payments collected")

    # Money as two-decimal strings per currency; services by status, the sum of them all.
    assert doc["collected"] and all(
        re.fullmatch(r"\d+\.\d{2}", amount) for amount in doc["collected"].values()
    )
    assert set(doc["collected"]) <= {"ARS", "UYU", "USD"}
    shown = last.split("collected (", 1)[1].split(");", 1)[0].split(", ")
    assert sorted(shown) == sorted(  # the human line's figures, e.g. $ 1.203.580,00
        format_money(Money.of(amount, currency)) for currency, amount in doc["collected"].items()
    )
    services = cli.json("service", "list")  # the agent's own database: still empty
    assert services == []
    states = f"services now: {', '.join(f'{k} {v}' for k, v in doc['services'].items())}."
    assert last.endswith(states)
    assert sum(doc["services"].values()) > 10
