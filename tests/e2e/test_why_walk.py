"""why and daily agree day by day (issue #20): each morning `why service` says what daily will
do today; daily then runs that day, and what it did to the service must be exactly what was
predicted for that day — nothing more, nothing less, nothing on another day. Two walks: an
annual service left unpaid until its termination, and a monthly one paid late (reactivated,
and one cycle longer, BIL-7)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from billing_helpers import add_client, order, pay, setup_catalogue


@pytest.fixture
def shop(cli: Any, tmp_path: Any) -> Any:
    setup_catalogue(cli, tmp_path)
    return cli


def _kind(what: str) -> tuple[str, str]:
    """A prediction of `why` as the daily action it foretells."""
    if what.startswith("renewal invoice made"):
        return ("invoice", what.rsplit("due ", 1)[1])
    for stage in ("first", "second", "final"):
        if what.startswith(f"{stage} reminder of invoice "):
            return ("reminder", f"{what.rsplit(' ', 1)[1]} {stage}")
    if what == "suspended for non-payment":
        return ("suspend", "")
    if what.startswith("every service of the client suspended"):
        return ("suspend-client", "")
    if what == "terminated, its invoice cancelled":
        return ("terminate", "")
    raise AssertionError(f"unknown prediction {what!r}")


def _done(action: dict[str, Any]) -> tuple[str, str]:
    """What daily did, in the same terms."""
    if action["action"] == "invoice":  # "2026-000003 due 2027-01-10 USD 96.00"
        return ("invoice", action["detail"].split(" due ")[1].split()[0])
    if action["action"] == "reminder":  # "2026-000003 first"
        return ("reminder", action["detail"])
    return (action["action"], "")


def walk(
    shop: Any,
    client: int,
    sid: int,
    first: str,
    last: str,
    *,
    evening: dict[str, Any] | None = None,
) -> dict[str, list[tuple[str, str]]]:
    """Each day from ``first`` to ``last``: the morning's prediction for the day, then daily;
    they must agree. ``evening``: a callable per day, run after daily (a payment). Returns
    what daily did, by day."""
    did: dict[str, list[tuple[str, str]]] = {}
    day = dt.date.fromisoformat(first)
    while day <= dt.date.fromisoformat(last):
        today = day.isoformat()
        why = shop.json("why", "service", str(sid), today=today)
        predicted = sorted(_kind(x["what"]) for x in why["next"] if x["date"] == today)
        assert all(x["date"] >= today for x in why["next"]), why["next"]
        result = shop("daily", "--date", today, "--json", "--verbose", "--no-send", today=today)
        assert result.exit_code == 0, result.stderr
        actions = json.loads(result.stdout)["actions"]
        done = sorted(
            _done(a)
            for a in actions
            if a["service_id"] == sid or (a["service_id"] is None and a["client_id"] == client)
        )
        assert done == predicted, (today, why["next"], actions)
        if done:
            did[today] = done
        if evening and today in evening:
            evening[today]()
        day += dt.timedelta(days=1)
    return did


def test_an_annual_service_left_unpaid_until_terminated(shop: Any) -> None:
    client = add_client(shop, "unpaid@example.com")
    first = order(shop, client, "hosting-basic", "annual", "2026-01-10")
    pay(shop, first["invoice"]["id"], "96.00", "2026-01-10")
    sid = first["services"][0]["id"]
    did = walk(shop, client, sid, "2026-12-24", "2027-02-06")
    assert did == {
        "2026-12-26": [("invoice", "2027-01-10")],
        "2026-12-31": [("reminder", "2026-000002 first")],
        "2027-01-05": [("reminder", "2026-000002 second")],
        "2027-01-09": [("reminder", "2026-000002 final")],
        "2027-01-12": [("suspend", "")],
        "2027-02-04": [("terminate", "")],
    }
    state = shop.json("service", "show", str(sid), today="2027-02-06")
    assert (state["status"], state["suspension_reason"]) == ("terminated", "non-payment")
    assert shop.json("why", "service", str(sid), today="2027-02-06")["next"] == []


def test_a_monthly_service_paid_late_comes_back_quarterly(shop: Any) -> None:
    client = add_client(shop, "late@example.com")
    first = order(shop, client, "radio", "monthly", "2026-01-10")
    pay(shop, first["invoice"]["id"], "8.00", "2026-01-10")
    sid = first["services"][0]["id"]
    paid: dict[str, Any] = {}

    def pay_late() -> None:  # 2026-02-14, after daily: four days after its due date
        renewal = shop.json("invoice", "list", "--client", str(client), "--status", "unpaid")[0]
        paid.update(pay(shop, renewal["id"], renewal["amount_due"], "2026-02-14"))

    did = walk(shop, client, sid, "2026-01-24", "2026-03-12", evening={"2026-02-14": pay_late})
    assert did == {
        "2026-01-26": [("invoice", "2026-02-10")],
        "2026-01-31": [("reminder", "2026-000002 first")],
        "2026-02-05": [("reminder", "2026-000002 second")],
        "2026-02-09": [("reminder", "2026-000002 final")],
        "2026-02-12": [("suspend", "")],
        # reactivated on 02-14, due 03-10, now quarterly: its invoice 15 days before
        "2026-02-23": [("invoice", "2026-03-10")],
        "2026-02-28": [("reminder", "2026-000003 first")],
        "2026-03-05": [("reminder", "2026-000003 second")],
        "2026-03-09": [("reminder", "2026-000003 final")],
        "2026-03-12": [("suspend", "")],
    }
    assert paid["changes"] == [
        {"service_id": sid, "cycle": ["monthly", "quarterly"], "rule": "BIL-7"}
    ]
    quarterly = shop.json("invoice", "show", "2026-000003", today="2026-03-12")["lines"][0]
    assert (quarterly["period_start"], quarterly["period_end"]) == ("2026-03-10", "2026-06-09")
