"""``hostctl invoice show`` lists the invoice's payments and refunds (text and --json)."""

from __future__ import annotations

from tests.billing_helpers import add_client, order, pay, setup_catalogue


def test_show_lists_payments_and_refunds(cli, tmp_path):
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "pay@example.com")
    placed = order(cli, client_id, "hosting-basic", "annual", "2026-03-01")
    invoice_id = placed["invoice"]["id"]
    unpaid = cli.json("invoice", "show", str(invoice_id))
    assert (unpaid["payments"], unpaid["refunds"]) == ([], [])
    text = cli("invoice", "show", str(invoice_id))
    assert (text.exit_code, text.stderr) == (0, "")
    assert text.stdout.splitlines()[-1] == "total USD 96.00  ·  due USD 96.00"
    pay(cli, invoice_id, "50.00", "2026-03-01")
    pay(cli, invoice_id, "46.00", "2026-03-02", method="mercadopago")
    cancelled = cli.json(
        "service", "cancel", str(placed["services"][0]["id"]), "--when", "immediate",
        "--channel", "ticket", "--reason", "no le sirvió", "--refund", today="2026-03-20",
    )  # fmt: skip
    assert cancelled["refund"]["amount"] == "46.00"
    shown = cli.json("invoice", "show", placed["invoice"]["number"])
    assert (shown["status"], shown["total"], shown["amount_due"]) == ("refunded", "96.00", "0.00")
    common = {"invoice_id": invoice_id, "client_id": client_id, "currency": "USD"}
    assert shown["payments"] == [
        {
            "id": 1, **common, "amount": "50.00", "discount": "0.00", "applied": "50.00",
            "credited": "0.00", "method": "card", "reference": None, "date": "2026-03-01",
            "status": "received",
        },
        {
            "id": 2, **common, "amount": "46.00", "discount": "0.00", "applied": "46.00",
            "credited": "0.00", "method": "mercadopago", "reference": None,
            "date": "2026-03-02", "status": "received",
        },
    ]  # fmt: skip
    service_id = placed["services"][0]["id"]
    assert shown["refunds"] == [
        {
            "id": 1, **common, "payment_id": 2, "service_id": service_id, "amount": "46.00",
            "method": "mercadopago", "date": "2026-03-20",
        },
        {
            "id": 2, **common, "payment_id": 1, "service_id": service_id, "amount": "50.00",
            "method": "card", "date": "2026-03-20",
        },
    ]  # fmt: skip
    text = cli("invoice", "show", str(invoice_id))
    assert (text.exit_code, text.stderr) == (0, "")
    assert text.stdout.splitlines()[-5:] == [
        "total USD 96.00  ·  due USD 0.00",
        "payment 1: 2026-03-01 card USD 50.00 (received)",
        "payment 2: 2026-03-02 mercadopago USD 46.00 (received)",
        "refund 1: 2026-03-20 mercadopago USD 46.00 (payment 2)",
        "refund 2: 2026-03-20 card USD 50.00 (payment 1)",
    ]
