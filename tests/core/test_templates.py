"""Message templates: shipped Spanish texts, exact filling, overrides from the config dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostctl.core import outbox, templates

INVOICE = {
    "invoice_number": "2026-000123",
    "total": "1234.56",
    "amount_due": "1000.00",
    "currency": "USD",
    "issue_date": "2026-12-26",
    "due_date": "2027-01-10",
    "items": ["Hosting Pro (anual)", "Dominio ana.com.ar"],
}


@pytest.fixture(autouse=True)
def config_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("HOSTCTL_CONFIG_DIR", str(tmp_path / "cfg"))
    return tmp_path / "cfg"


def vals(payload: dict[str, object], event: str = "", stage: str | None = None) -> dict[str, str]:
    return templates.values(
        payload, client_name="Ana Pérez", company="Hostgrande", event=event, stage=stage
    )


def all_keys() -> list[str]:
    keys = []
    for event in outbox.EVENTS:
        if event in outbox.SERVER_ONLY:  # never sent to a client: no template (SRV-3)
            continue
        if event == "invoice.reminder":
            keys += [templates.template_key(event, s) for s in outbox.REMINDER_STAGES]
        else:
            keys.append(event)
    return keys


@pytest.mark.parametrize("channel", templates.TEMPLATE_CHANNELS)
@pytest.mark.parametrize("key", all_keys())
def test_every_event_has_a_shipped_template_that_renders(key: str, channel: str) -> None:
    template = templates.find(key, channel)
    assert template.source == "shipped"
    if channel == "email":
        content = templates.render_email(template, vals({}))
        assert content.subject
        assert content.body.startswith("Hola Ana Pérez")
    else:
        wa = templates.render_whatsapp(template, vals({}))
        assert wa.name.startswith("hostctl_")
        assert wa.parameters[0] == "Ana Pérez"
        assert all(p for p in wa.parameters)  # empty values are sent as "-"


def test_invoice_created_email_exact_text() -> None:
    content = templates.render_email(
        templates.find("invoice.created", "email"), vals(INVOICE, "invoice.created")
    )
    assert content.subject == "Nueva factura 2026-000123 — vence el 10/01/2027"
    assert content.body == (
        "Hola Ana Pérez:\n"
        "\n"
        "Emitimos la factura 2026-000123 por US$ 1.234,56, con vencimiento el 10/01/2027.\n"
        "\n"
        "Detalle: Hosting Pro (anual), Dominio ana.com.ar\n"
        "Saldo a pagar: US$ 1.000,00\n"
        "\n"
        "Puedes pagarla con cualquiera de nuestros medios de pago. Si ya la pagaste,\n"
        "ignora este mensaje.\n"
        "\n"
        "¡Gracias por confiar en Hostgrande!\n"
    )


def test_reminders_have_one_template_per_stage() -> None:
    names = []
    for stage in ("first", "second", "final"):
        key = templates.template_key("invoice.reminder", stage)
        assert key == f"invoice.reminder.{stage}"
        wa = templates.render_whatsapp(templates.find(key, "whatsapp"), vals(INVOICE))
        assert wa.parameters == ["Ana Pérez", "2026-000123", "US$ 1.000,00", "10/01/2027"]
        names.append(wa.name)
        email = templates.render_email(templates.find(key, "email"), vals(INVOICE))
        assert "10/01/2027" in email.subject
    assert names == [
        "hostctl_recordatorio_1",
        "hostctl_recordatorio_2",
        "hostctl_recordatorio_final",
    ]


def test_amounts_follow_the_currency() -> None:
    assert vals({"total": "1234.56", "currency": "ARS"})["total"] == "$ 1.234,56"
    assert vals({"amount": "15000", "currency": "CLP"})["monto"] == "CLP 15.000"
    assert vals({"total": "not money", "currency": "USD"})["total"] == "not money"


def test_payment_and_service_values_are_for_people() -> None:
    v = vals({"amount": "96.00", "currency": "USD", "method": "bank-transfer",
              "invoice_status": "paid"})  # fmt: skip
    assert (v["monto"], v["metodo"], v["estado_factura"]) == (
        "US$ 96,00", "transferencia bancaria", "pagada",
    )  # fmt: skip
    v = vals({"product_name": "VPS 2", "domain": "ana.com.ar", "reason": "abuse"})
    assert (v["servicio"], v["motivo"]) == ("VPS 2 (ana.com.ar)", "uso indebido")
    assert vals({"fields": ["email", "phone"]})["campos"] == "email, teléfono"


def test_missing_and_unknown_placeholders_render_empty() -> None:
    assert templates.fill("Hola {nombre}, {nada} {factura}. {", vals({})) == "Hola Ana Pérez,  . {"
    content = templates.render_email(templates.find("payment.received", "email"), vals({}))
    assert content.subject == "Recibimos tu pago — factura"


def test_override_from_the_config_dir(config_dir: Path) -> None:
    folder = config_dir / "templates"
    folder.mkdir(parents=True)
    (folder / "invoice.created.email.txt").write_text(
        "Subject: Factura {factura}\n\nHola {nombre}, total {total}, vence {vencimiento}.{x}\n",
        encoding="utf-8",
    )
    (folder / "invoice.created.whatsapp.txt").write_text(
        "# ours\nTemplate: mi_factura\nLanguage: es_AR\n\n{nombre}\n{total}\n", encoding="utf-8"
    )
    template = templates.find("invoice.created", "email")
    assert (template.source, template.path) == ("override", folder / "invoice.created.email.txt")
    content = templates.render_email(template, vals(INVOICE))
    assert content.subject == "Factura 2026-000123"
    assert content.body == "Hola Ana Pérez, total US$ 1.234,56, vence 10/01/2027.\n"
    wa = templates.render_whatsapp(templates.find("invoice.created", "whatsapp"), vals(INVOICE))
    assert (wa.name, wa.language, wa.parameters) == (
        "mi_factura", "es_AR", ["Ana Pérez", "US$ 1.234,56"],
    )  # fmt: skip

    rows = {(r["key"], r["channel"]): r for r in templates.listing()}
    assert len(rows) == 34  # 17 templates (reminders per stage) × 2 channels
    assert rows[("invoice.created", "email")]["source"] == "override"
    assert rows[("invoice.created", "email")]["path"] == str(folder / "invoice.created.email.txt")
    assert rows[("invoice.cancelled", "email")]["source"] == "shipped"


def test_a_malformed_override_is_reported(config_dir: Path) -> None:
    folder = config_dir / "templates"
    folder.mkdir(parents=True)
    (folder / "client.registered.email.txt").write_text("Hola {nombre}\n", encoding="utf-8")
    with pytest.raises(templates.TemplateError, match="expected 'Header: value'"):
        templates.find("client.registered", "email")
    with pytest.raises(templates.TemplateError, match=r"no email template nope\.email\.txt"):
        templates.find("nope", "email")


def test_config_dir_defaults_to_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    from platformdirs import user_config_dir

    monkeypatch.delenv("HOSTCTL_CONFIG_DIR")
    assert templates.override_dir() == Path(user_config_dir("hostctl", appauthor=False)) / (
        "templates"
    )
