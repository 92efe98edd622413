"""The money must reconcile (MIG-5): an unpaid WHMCS invoice whose transactions brought in
more than its total owes WHMCS a negative amount, which no hostctl invoice can; the import
fails, saying by how much and which invoice, and keeps nothing."""

from __future__ import annotations

import pytest

MAP = """
[products]
"1" = "hosting-basic"
[gateways]
banktransfer = "bank-transfer"
"""


@pytest.fixture(scope="module")
def whmcs(whmcs_db):
    whmcs_db.insert("tblcurrencies", {"id": 1, "code": "USD", "rate": 1, "default": 1})
    whmcs_db.insert(
        "tblclients",
        {
            "id": 1,
            "firstname": "Ana",
            "lastname": "Gómez",
            "email": "ana@example.com",
            "currency": 1,
            "credit": "2.50",
        },
    )
    whmcs_db.insert(
        "tblinvoices",
        {
            "id": 7,
            "userid": 1,
            "status": "Unpaid",
            "date": "2027-02-01",
            "duedate": "2027-02-10",
            "subtotal": "10.00",
            "total": "10.00",
        },
        {
            "id": 8,
            "userid": 1,
            "status": "Unpaid",
            "date": "2027-02-01",
            "duedate": "2027-02-10",
            "subtotal": "4.00",
            "total": "4.00",
        },
    )
    whmcs_db.insert(
        "tblinvoiceitems",
        {"invoiceid": 7, "type": "Item", "amount": "10.00", "description": "Soporte"},
        {"invoiceid": 8, "type": "Item", "amount": "4.00", "description": "Soporte"},
    )
    whmcs_db.insert(
        "tblaccounts",
        {
            "id": 1,
            "userid": 1,
            "gateway": "banktransfer",
            "date": "2027-02-03",
            "amountin": "12.00",
            "transid": "T-1",
            "invoiceid": 7,
        },
    )
    return whmcs_db


def test_an_unpaid_invoice_paid_beyond_its_total_stops_the_import(cli, whmcs, tmp_path):
    from pathlib import Path

    catalogue = Path(__file__).resolve().parents[2] / "src/hostctl/data/catalogue.toml"
    assert cli("product", "import", str(catalogue)).exit_code == 0
    (tmp_path / "map.toml").write_text(MAP, encoding="utf-8")
    result = cli(
        "whmcs",
        "import",
        "--from",
        whmcs.url,
        "--map",
        str(tmp_path / "map.toml"),
        today="2027-03-01",
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: The money does not reconcile with WHMCS, so nothing was imported: USD unpaid: "
        "WHMCS 2.00, hostctl 4.00, by 2.00 (WHMCS invoices 7: paid more than their total)."
    )
    assert cli.json("client", "list") == []
