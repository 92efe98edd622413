"""Amounts beyond 32 bits (issue #21): money columns are 64-bit on both databases."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from billing_helpers import add_client, order, pay

VPS = """
[[product]]
code = "vps"
name = "VPS"
category = "vps"
cycles = ["monthly", "annual"]
monthly_price = { USD = "30.00", ARS = "30000.00" }
"""


def test_a_hundred_argentine_vps_for_a_year_are_ordered_and_paid_exactly(cli, tmp_path):
    catalogue = tmp_path / "vps.toml"
    catalogue.write_text(VPS, encoding="utf-8")
    assert cli("product", "import", str(catalogue), today="2026-03-01").exit_code == 0
    client = add_client(cli, "isp@example.com.ar", currency="ARS", today="2026-03-01")
    made = order(cli, client, "vps", "annual", "2026-03-02", quantity=100)
    invoice = made["invoice"]
    # 30 000.00 × 12 months, less 20 % for the year, less 20 % for the volume, × 100
    assert (len(made["services"]), invoice["total"], invoice["currency"]) == (
        100,
        "23040000.00",
        "ARS",
    )
    paid = pay(cli, invoice["id"], "23,040,000.00", "2026-03-03")
    assert (paid["payment"]["amount"], paid["payment"]["applied"]) == ("23040000.00",) * 2
    shown = cli.json("invoice", "show", str(invoice["id"]))
    assert (shown["status"], shown["amount_due"], shown["paid"]) == ("paid", "0.00", "23040000.00")
    # overpaid on purpose: the excess is credit beyond 32 bits too
    again = order(cli, client, "vps", "annual", "2026-03-04", quantity=100)["invoice"]
    pay(cli, again["id"], "46080000.00", "2026-03-04", excess=True)
    [listed] = cli.json("client", "list")
    assert (again["total"], listed["credit_balance"]) == ("8640000.00", "37440000.00")


def test_amounts_up_to_ten_to_the_twelfth_are_typed_and_beyond_refused(cli, tmp_path):
    catalogue = tmp_path / "vps.toml"
    catalogue.write_text(VPS, encoding="utf-8")
    assert cli("product", "import", str(catalogue), today="2026-03-01").exit_code == 0
    client = add_client(cli, "isp@example.com.ar", currency="ARS", today="2026-03-01")
    invoice = order(cli, client, "vps", "monthly", "2026-03-02")["invoice"]
    over = cli(
        "payment", "add", "--invoice", str(invoice["id"]), "--amount", "1000000000000.01",
        "--method", "card", "--allow-excess", today="2026-03-02",
    )  # fmt: skip
    assert (over.exit_code, over.stderr) == (
        1,
        "error: The amount '1000000000000.01' is too large; the largest is 1000000000000.00.\n",
    )
    top = pay(cli, invoice["id"], "1000000000000.00", "2026-03-02", excess=True)
    assert top["payment"]["credited"] == "999999970000.00"
    [listed] = cli.json("client", "list")
    assert listed["credit_balance"] == "999999970000.00"


def test_a_credit_pushed_past_64_bits_is_refused_and_every_client_still_listed(
    cli, db_url, tmp_path
):
    """The credit of a client already at 92 233 720 368 547 758.07 less 0.50 (what no desk
    can type, but a balance can reach): a payment whose excess would push it past 2^63 − 1
    minor units is refused in one sentence, nothing changes, and `client list` works."""
    catalogue = tmp_path / "vps.toml"
    catalogue.write_text(VPS, encoding="utf-8")
    assert cli("product", "import", str(catalogue), today="2026-03-01").exit_code == 0
    client = add_client(cli, "isp@example.com.ar", currency="ARS", today="2026-03-01")
    add_client(cli, "otro@example.com.ar", currency="ARS", today="2026-03-01")
    invoice = order(cli, client, "vps", "monthly", "2026-03-02")["invoice"]
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE clients SET credit_minor = :c WHERE id = 1"), {"c": 2**63 - 51})
    engine.dispose()
    result = cli(
        "payment", "add", "--invoice", str(invoice["id"]), "--amount", "30001.00",
        "--method", "card", "--allow-excess", today="2026-03-02",
    )  # fmt: skip
    assert (result.exit_code, result.stdout, result.stderr) == (
        1,
        "",
        "error: The credit of client 1 would go beyond the largest balance hostctl keeps "
        "(92233720368547758.07); nothing was changed.\n",
    )
    listed = cli.json("client", "list")
    assert [c["credit_balance"] for c in listed] == ["92233720368547757.57", "0.00"]
    assert cli.json("payment", "list") == []
