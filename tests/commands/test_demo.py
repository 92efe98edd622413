from pathlib import Path

from hostctl.core.demo import catalogue_path

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
