"""Uptime (SPEC §11, UPT-1, UPT-2): outages per server, the monthly report in the company's
time zone with overlapping outages counted once, and the credit for a month below target."""

from __future__ import annotations

import pytest
from test_plan_changes import refused

from billing_helpers import add_client, order, pay, setup_catalogue


@pytest.fixture
def shop(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "up@example.com")
    placed = order(cli, client_id, "hosting-basic", "annual", "2027-01-10")
    pay(cli, placed["invoice"]["id"], "96.00", "2027-01-10")
    other = order(cli, client_id, "hosting-basic", "annual", "2027-01-10")
    pay(cli, other["invoice"]["id"], "96.00", "2027-01-10")
    cli.shop = (client_id, placed["services"][0]["id"], other["services"][0]["id"])  # type: ignore[attr-defined]
    return cli


def test_monthly_uptime_counts_overlaps_once_within_the_company_month(shop, db_url):
    client_id, sid, other = shop.shop
    assert shop.json("service", "set-server", str(sid), "web3")["server"] == "web3"
    shop.json("service", "set-server", str(other), "web7")
    for start, end in [
        ("2027-02-28T23:00", "2027-03-01T01:00"),  # 60 of its minutes are March's
        ("2027-03-04T02:10", "2027-03-04T08:00"),
        ("2027-03-04T07:00", "2027-03-04T14:10"),  # overlaps: 02:10–14:10 is 720 minutes
    ]:
        shop.json(
            "outage",
            "add",
            "--server",
            "web3",
            "--from",
            start,
            "--to",
            end,
            "--reason",
            "disco",
            today="2027-03-20",
        )
    assert [o["minutes"] for o in shop.json("outage", "list", "--server", "web3")] == [
        120,
        350,
        430,
    ]
    report = shop.json("uptime", "report", "--month", "2027-03", today="2027-04-01")
    assert report["target"] == "99.89" and report["month"] == "2027-03"
    assert report["services"] == [
        {
            "service_id": sid,
            "client_id": client_id,
            "server": "web3",
            "downtime_minutes": 780,
            "uptime": "98.25",
            "below": True,
        },  # 1 − 780 / 44 640
        {
            "service_id": other,
            "client_id": client_id,
            "server": "web7",
            "downtime_minutes": 0,
            "uptime": "100.00",
            "below": False,
        },
    ]
    below = shop.json("uptime", "report", "--month", "2027-03", "--below", today="2027-04-01")
    assert [s["service_id"] for s in below["services"]] == [sid]
    february = shop.json("uptime", "report", "--month", "2027-02", today="2027-04-01")
    assert february["services"][0]["downtime_minutes"] == 60


def test_credit_for_a_month_below_target_once(shop, db_url):
    client_id, sid, other = shop.shop
    shop.json("service", "set-server", str(sid), "web3")
    shop.json("service", "set-server", str(other), "web7")
    shop.json(
        "outage",
        "add",
        "--server",
        "web3",
        "--from",
        "2027-03-04T02:00",
        "--to",
        "2027-03-04T14:00",
        today="2027-03-05",
    )
    refused(
        shop,
        db_url,
        ["uptime", "credit", str(sid), "--month", "2027-03"],
        "The month 2027-03 is not over; its credit is asked after it.",
        today="2027-03-31",
    )
    data = shop.json("uptime", "credit", str(sid), "--month", "2027-03", today="2027-04-02")
    # 96 a year is 8.00 a month; 8.00 × 720 / 44 640 = 0.129 → 0.13
    assert (data["amount"], data["downtime_minutes"], data["month"]) == ("0.13", 720, "2027-03")
    assert shop.json("client", "show", str(client_id))["credit_balance"] == "0.13"
    refused(
        shop,
        db_url,
        ["uptime", "credit", str(sid), "--month", "2027-03"],
        f"Service {sid} already got its credit for 2027-03 on 2027-04-02.",
        today="2027-04-03",
    )
    refused(
        shop,
        db_url,
        ["uptime", "credit", str(other), "--month", "2027-03"],
        f"Service {other} was up 100.00 % in 2027-03, not below the 99.89 % target; no "
        "credit is due.",
        today="2027-04-03",
    )
    events = [m["event"] for m in shop.json("notify", "list") if m.get("service_id") == sid]
    assert "uptime.credited" in events


def test_bad_outages_and_months_are_refused(shop, db_url):
    refused(
        shop,
        db_url,
        [
            "outage",
            "add",
            "--server",
            "web3",
            "--from",
            "2027-03-04T05:00",
            "--to",
            "2027-03-04T04:00",
        ],
        "An outage ends after it starts: --to must be later than --from.",
        today="2027-03-05",
    )
    refused(
        shop,
        db_url,
        ["uptime", "report", "--month", "2027-13"],
        "The month '2027-13' is not a month; write it as YYYY-MM.",
    )
    refused(
        shop,
        db_url,
        ["service", "set-server", str(shop.shop[1]), "web 3!"],
        "The server name 'web 3!' may use letters, digits, '-', '_' and '.' (80 at most).",
    )
