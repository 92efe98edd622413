"""`daily` ends by delivering the day's alerts: a real SMTP server and a loopback
WhatsApp Cloud API server receive the renewal invoice of D−15."""

from __future__ import annotations

import json

from billing_helpers import add_client, order, pay, setup_catalogue
from servers import PHONE_NUMBER_ID, TOKEN, SmtpServer, WhatsAppServer


def test_daily_sends_the_renewal_invoice_by_email_and_whatsapp(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HOSTCTL_WHATSAPP_TOKEN", TOKEN)
    monkeypatch.setenv("HOSTCTL_CONFIG_DIR", str(tmp_path / "config"))
    setup_catalogue(cli, tmp_path)
    client_id = add_client(cli, "ana@example.com", phone="+5491123456789")
    placed = order(cli, client_id, "hosting-basic", "annual", "2026-01-10")
    pay(cli, placed["invoice"]["id"], "96.00", "2026-01-10")
    cli("daily", "--date", "2026-12-25", "--no-send", today="2026-12-25")
    with SmtpServer() as smtp, WhatsAppServer() as wa:
        for key, value in {
            "smtp.host": "127.0.0.1",
            "smtp.port": str(smtp.port),
            "smtp.from": "Hosting <facturacion@hosting.example>",
            "whatsapp.api_base": wa.base,
            "whatsapp.phone_number_id": PHONE_NUMBER_ID,
        }.items():
            assert cli("config", "set", key, value).exit_code == 0
        result = cli("daily", "--date", "2026-12-26", "--json", today="2026-12-26")
        assert result.exit_code == 0, result.stderr
        summary = json.loads(result.stdout)
        # the backlog (welcome, order invoice, payment) and the day's renewal invoice
        assert summary["invoices_created"] == 1
        assert summary["alerts_sent"] == 8
        subjects = [m.message["Subject"] for m in smtp.received]
        assert len(subjects) == 4
        renewal = smtp.received[-1]
        assert renewal.rcpt_tos == ["ana@example.com"]
        assert "2026-000002" in renewal.message["Subject"] + renewal.text
        assert "US$ 96,00" in renewal.text
        assert [r["body"]["to"] for r in wa.sent] == ["5491123456789"] * 4
    pending = cli.json("notify", "list", "--status", "pending")
    assert pending == []
