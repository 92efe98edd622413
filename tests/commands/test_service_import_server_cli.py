"""``hostctl service import`` with a ``server`` column: the services land on their servers
(the uptime report sees them there); a bad name refuses the file with exit 1."""

from __future__ import annotations

from tests.billing_helpers import add_client, setup_catalogue


def test_imported_services_run_on_their_servers(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    add_client(cli, "imp@example.com")
    csv = tmp_path / "services.csv"
    csv.write_text(
        "client_email,product,cycle,status,next_due_date,domain,server\n"
        "imp@example.com,hosting-basic,annual,active,2027-01-31,imp.com,Web3\n"
        "imp@example.com,hosting-basic,annual,active,2027-01-31,imp.net,\n",
        encoding="utf-8",
    )
    assert cli.json("service", "import", str(csv), today="2027-01-05") == {"imported": 2}
    assert [(s["domain"], s["server"]) for s in cli.json("service", "list")] == [
        ("imp.com", "web3"),
        ("imp.net", None),
    ]
    cli.json(
        "outage", "add", "--server", "web3", "--from", "2027-01-10T10:00",
        "--to", "2027-01-10T11:00", today="2027-01-20",
    )  # fmt: skip
    report = cli.json("uptime", "report", "--month", "2027-01", today="2027-02-01")
    assert [(s["server"], s["downtime_minutes"], s["uptime"]) for s in report["services"]] == [
        ("web3", 60, "99.87"),
    ]


def test_a_bad_server_refuses_the_file(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    add_client(cli, "imp@example.com")
    csv = tmp_path / "services.csv"
    csv.write_text(
        "client_email,product,cycle,status,next_due_date,domain,server\n"
        "imp@example.com,hosting-basic,annual,active,2027-01-31,imp.com,web3\n"
        "imp@example.com,hosting-basic,annual,active,2027-01-31,imp.net,web#3\n",
        encoding="utf-8",
    )
    result = cli("service", "import", str(csv))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        "error: services.csv was not imported: 1 bad row(s).",
        "  line 3, column server: the server name 'web#3' may use letters, digits, '-', '_' "
        "and '.' (80 at most).",
    ]
    assert cli.json("service", "list") == []
