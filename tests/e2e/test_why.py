"""why (WHY-1): the story from the audit log, and the predictions — made by the functions
daily decides with — checked by walking daily forward one day at a time."""

from __future__ import annotations

import json

import pytest

from billing_helpers import add_client, order, pay, setup_catalogue


@pytest.fixture
def shop(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    return cli


def walk(shop, first: str, last: str) -> dict[str, list[tuple[str, int | None, int | None]]]:
    """Run daily each day from ``first`` to ``last``; the actions of each day."""
    import datetime as dt

    seen: dict[str, list[tuple[str, int | None, int | None]]] = {}
    day = dt.date.fromisoformat(first)
    while day <= dt.date.fromisoformat(last):
        text = day.isoformat()
        result = shop("daily", "--date", text, "--json", "--verbose", "--no-send", today=text)
        assert result.exit_code == 0, result.stderr
        actions = json.loads(result.stdout)["actions"]
        seen[text] = [(a["action"], a["client_id"], a["service_id"]) for a in actions]
        day += dt.timedelta(days=1)
    return seen


def test_predictions_of_an_unpaid_renewal_happen_on_their_days(shop):
    client = add_client(shop, "late@example.com")
    first = order(shop, client, "hosting-basic", "annual", "2026-01-10")
    pay(shop, first["invoice"]["id"], "96.00", "2026-01-10")
    sid = first["services"][0]["id"]
    second = order(shop, client, "hosting-basic", "annual", "2026-06-10")
    pay(shop, second["invoice"]["id"], "96.00", "2026-06-10")
    other = second["services"][0]["id"]
    walk(shop, "2026-12-20", "2026-12-20")
    early = shop.json("why", "service", str(sid), today="2026-12-20")["next"]
    assert early[0] == {
        "date": "2026-12-26",
        "what": "renewal invoice made, due 2027-01-10",
        "unless": f"hostctl service no-renew {sid}",
    }
    seen = walk(shop, "2026-12-21", "2026-12-26")
    assert ("invoice", client, None) in seen["2026-12-26"]
    assert not any(a[0] == "invoice" for day in list(seen)[:-1] for a in seen[day])
    why = shop.json("why", "service", str(sid), today="2026-12-26")
    predicted = [(x["date"], x["what"].split(" of invoice")[0]) for x in why["next"]]
    assert predicted == [
        ("2026-12-31", "first reminder"),
        ("2027-01-05", "second reminder"),
        ("2027-01-09", "final reminder"),
        ("2027-01-12", "suspended for non-payment"),
        ("2027-01-15", "every service of the client suspended (5th business day)"),
        ("2027-02-04", "terminated, its invoice cancelled"),
    ]
    assert why["next"][0]["unless"] == "pay invoice 2026-000003, 96.00 USD left"
    seen = walk(shop, "2026-12-27", "2027-02-04")
    happened = {
        ("reminder", day) for day, acts in seen.items() for a in acts if a[0] == "reminder"
    } | {
        (a[0], day)
        for day, acts in seen.items()
        for a in acts
        if a[0] in ("suspend", "suspend-client", "terminate")
    }
    assert happened == {
        ("reminder", "2026-12-31"),
        ("reminder", "2027-01-05"),
        ("reminder", "2027-01-09"),
        ("suspend", "2027-01-12"),
        ("suspend-client", "2027-01-15"),  # the client's other service
        ("terminate", "2027-02-04"),
    }
    assert ("suspend-client", client, other) in seen["2027-01-15"]
    story = shop.json("why", "service", str(sid), today="2027-02-05")
    assert story["state"] == "terminated"
    suspended = next(x for x in story["because"] if x["rule"] == "§4 D+2")
    assert suspended == {
        "date": "2027-01-12",
        "rule": "§4 D+2",
        "what": "suspended: its invoice unpaid 2 days after due: invoice 2026-000003, due "
        "2027-01-10",
        "by": "daily",
    }
    assert story["next"] == []


def test_a_paid_renewal_is_predicted_a_cycle_later_and_nothing_else(shop):
    client = add_client(shop, "ontime@example.com")
    first = order(shop, client, "hosting-basic", "annual", "2026-01-10")
    pay(shop, first["invoice"]["id"], "96.00", "2026-01-10")
    sid = first["services"][0]["id"]
    walk(shop, "2026-12-26", "2026-12-26")
    renewal = shop.json("invoice", "list", "--client", str(client), "--status", "unpaid")[0]
    invoice_why = shop.json("why", "invoice", str(renewal["id"]), today="2026-12-26")
    assert invoice_why["next"][0]["date"] == "2026-12-31"
    # by its number too, as staff read it on the invoice
    assert shop.json("why", "invoice", renewal["number"], today="2026-12-26") == invoice_why
    pay(shop, renewal["id"], "96.00", "2026-12-27")
    why = shop.json("why", "service", str(sid), today="2026-12-27")
    assert why["next"][0] == {
        "date": "2027-12-26",
        "what": "renewal invoice made, due 2028-01-10",
        "unless": f"hostctl service no-renew {sid}",
    }
    seen = walk(shop, "2026-12-28", "2027-02-05")
    assert all(
        a[0] not in ("suspend", "terminate", "reminder") for acts in seen.values() for a in acts
    )
    assert [x["rule"] for x in why["because"]][-1] == "BIL-6"
    client_why = shop.json("why", "client", str(client), today="2027-02-05")
    assert client_why["next"][0]["what"] == f"service {sid}: renewal invoice made, due 2028-01-10"
