"""payment list and the guard against a payment entered twice."""

from __future__ import annotations

import pytest

from billing_helpers import add_client, order, setup_catalogue


@pytest.fixture
def shop(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    return cli


def _pay(shop, invoice, amount, ref, today, *extra):
    return shop(
        "payment",
        "add",
        "--invoice",
        str(invoice),
        "--amount",
        amount,
        "--method",
        "bank-transfer",
        "--reference",
        ref,
        "--json",
        *extra,
        today=today,
    )


def test_a_reference_already_recorded_is_refused_unless_duplicate_ok(shop):
    ana = add_client(shop, "ana@example.com")
    first = order(shop, ana, "hosting-basic", "annual", "2026-02-01")["invoice"]
    second = order(shop, ana, "hosting-basic", "annual", "2026-02-01")["invoice"]
    assert _pay(shop, first["id"], "40.00", "BT-0091", "2026-02-02").exit_code == 0
    again = _pay(shop, second["id"], "40.00", " bt-0091 ", "2026-02-03")
    assert (again.exit_code, again.stderr) == (
        1,
        "error: Payment 1 (bank-transfer BT-0091, 2026-02-02, invoice 1) already has this "
        "reference; if this is another payment, add --duplicate-ok.\n",
    )
    assert shop.json("invoice", "show", str(second["id"]))["amount_due"] == "96.00"
    forced = _pay(shop, second["id"], "40.00", "BT-0091", "2026-02-03", "--duplicate-ok")
    assert forced.exit_code == 0, forced.stderr
    other_method = shop(
        "payment",
        "add",
        "--invoice",
        str(second["id"]),
        "--amount",
        "1.00",
        "--method",
        "cash",
        "--reference",
        "BT-0091",
    )
    assert other_method.exit_code == 0


def test_payment_list_filters_by_client_invoice_method_and_dates(shop):
    ana = add_client(shop, "ana@example.com")
    bea = add_client(shop, "bea@example.com")
    a_inv = order(shop, ana, "hosting-basic", "annual", "2026-02-01")["invoice"]
    b_inv = order(shop, bea, "hosting-basic", "annual", "2026-02-01")["invoice"]
    _pay(shop, a_inv["id"], "50.00", "A-1", "2026-02-01")
    shop.json(
        "payment",
        "add",
        "--invoice",
        a_inv["number"],
        "--amount",
        "46.00",
        "--method",
        "cash",
        today="2026-02-10",
    )
    _pay(shop, b_inv["id"], "96.00", "B-1", "2026-02-20")
    everyone = shop.json("payment", "list")
    assert [(p["id"], p["client_id"], p["amount"], p["date"]) for p in everyone] == [
        (1, ana, "50.00", "2026-02-01"),
        (2, ana, "46.00", "2026-02-10"),
        (3, bea, "96.00", "2026-02-20"),
    ]
    assert [p["id"] for p in shop.json("payment", "list", "--client", str(ana))] == [1, 2]
    assert [p["id"] for p in shop.json("payment", "list", "--invoice", a_inv["number"])] == [1, 2]
    assert [p["id"] for p in shop.json("payment", "list", "--method", "cash")] == [2]
    assert [
        p["id"] for p in shop.json("payment", "list", "--from", "2026-02-05", "--to", "2026-02-15")
    ] == [2]
    bad = shop("payment", "list", "--method", "bitcoin")
    assert bad.exit_code == 1 and bad.stderr.startswith("error: Unknown payment method 'bitcoin'")
    assert [p["id"] for p in shop.json("payment", "list", "--limit", "2")] == [1, 2]
    assert [
        p["id"] for p in shop.json("payment", "list", "--client", str(ana), "--limit", "1")
    ] == [1]


def test_a_payment_over_twice_the_amount_due_needs_allow_excess_even_with_yes(shop):
    ana = add_client(shop, "ana@example.com")
    invoice = order(shop, ana, "hosting-basic", "annual", "2026-02-01")["invoice"]
    for extra in ((), ("--yes",)):
        refused = shop(
            *extra, "payment", "add", "--invoice", invoice["number"], "--amount", "9600",
            "--method", "cash", today="2026-02-01",
        )  # fmt: skip
        assert (refused.exit_code, refused.stderr) == (
            1,
            "error: USD 9600.00 is more than twice the USD 96.00 due on invoice 2026-000001 and "
            "would leave USD 9504.00 as credit; check the amount, or add --allow-excess.\n",
        )
    assert shop.json("payment", "list") == []
    too_much = shop(
        "payment", "add", "--invoice", invoice["number"], "--amount", "10000000000000",
        "--method", "cash", "--allow-excess", today="2026-02-01",
    )  # fmt: skip
    assert (too_much.exit_code, too_much.stderr) == (
        1,
        "error: The amount '10000000000000' is too large; the largest is 1000000000000.00.\n",
    )
    taken = _pay(shop, invoice["number"], "9600", "T-1", "2026-02-01", "--allow-excess")
    assert taken.exit_code == 0, taken.stderr
    assert shop.json("client", "show", str(ana))["credit_balance"] == "9504.00"


def test_a_payment_dated_before_its_invoice_is_refused(shop):
    ana = add_client(shop, "ana@example.com")
    invoice = order(shop, ana, "hosting-basic", "annual", "2026-02-01")["invoice"]
    early = _pay(shop, invoice["number"], "96.00", "E-1", "2026-01-31")
    assert (early.exit_code, early.stderr) == (
        1,
        "error: The payment would be dated 2026-01-31, before invoice 2026-000001 was issued "
        "(2026-02-01); record it on or after that day.\n",
    )
    assert shop.json("payment", "list") == []


def test_an_upgrade_keeps_references_recorded_twice_the_later_ones_deliberate(shop, db_url):
    """A database of the previous release may hold one method and reference more than once
    (--duplicate-ok, or two agents at once): revision 0007 does not fail on them, it keeps
    the oldest as the one holding the reference and marks the later ones deliberate."""
    from alembic import command
    from sqlalchemy import create_engine, text

    from hostctl import db, migrate

    ana = add_client(shop, "ana@example.com")
    ids = [
        order(shop, ana, "hosting-basic", "annual", "2026-02-01")["invoice"]["id"] for _ in range(3)
    ]
    for invoice, ref, day, *extra in (
        (ids[0], "BT-0091", "2026-02-02"),
        (ids[1], "bt-0091", "2026-02-03", "--duplicate-ok"),
        (ids[2], "BT-0092", "2026-02-03"),
        (ids[2], "BT  0092", "2026-02-04"),  # not the same reference
        (ids[2], "Bt-0091", "2026-02-04", "--duplicate-ok"),
    ):
        assert _pay(shop, invoice, "10.00", ref, day, *extra).exit_code == 0
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:  # the database as the previous release leaves it
            command.downgrade(migrate._config(conn), "0006_client_search")
        db.dispose_all()
        upgraded = shop("payment", "list", "--json")
        assert (upgraded.exit_code, upgraded.stderr) == (
            0,
            f"Upgraded the database schema from 0006_client_search to {migrate.HEAD}.\n",
        )
    finally:
        db.get_engine(db_url)  # at head again, whatever happened (PostgreSQL's is shared)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, reference_key, duplicate_ok FROM payments ORDER BY id")
        ).all()
    engine.dispose()
    assert [(i, key, bool(dup)) for i, key, dup in rows] == [
        (1, "bt-0091", False),
        (2, "bt-0091", True),
        (3, "bt-0092", False),
        (4, "bt 0092", False),
        (5, "bt-0091", True),
    ]
    again = _pay(shop, ids[2], "10.00", "BT-0091", "2026-02-05")
    assert (again.exit_code, again.stderr) == (
        1,
        "error: Payment 1 (bank-transfer BT-0091, 2026-02-02, invoice 1) already has this "
        "reference; if this is another payment, add --duplicate-ok.\n",
    )
    forced = _pay(shop, ids[2], "10.00", "BT-0091", "2026-02-05", "--duplicate-ok")
    assert forced.exit_code == 0, forced.stderr
