"""Company settings without the CLI (CLI.md "Settings")."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlmodel import select
from tests.conftest import make_ctx

from hostctl.core import settings
from hostctl.core.money import Money
from hostctl.errors import ValidationError
from hostctl.models import AuditEntry, Setting


def test_defaults_of_cli_md(session):
    assert settings.get(session, "billing.upgrade_policy") == "difference"
    assert settings.get(session, "billing.apply_credit") is True
    assert settings.get(session, "billing.lengthen_cycle_after_suspension") is True
    assert settings.get(session, "billing.restoration_fee.USD") == Money.parse("100", "USD")
    assert settings.get(session, "billing.chargeback_fee.USD") == Money.parse("25", "USD")
    assert settings.get(session, "calendar.holidays_country") == "AR"
    assert settings.get(session, "whatsapp.api_base") == "https://graph.facebook.com/v21.0"
    assert settings.get(session, "whatsapp.phone_number_id") is None
    assert settings.get(session, "smtp.host") is None
    assert settings.get(session, "smtp.port") == 25
    assert settings.get(session, "smtp.from") is None
    assert settings.payment_methods(session) == [
        "card", "paypal", "mercadopago", "pagofacil", "rapipago", "efecty", "pse", "servipag",
        "pagoefectivo", "abitab", "redpagos", "prex", "zelle", "pagos360", "bank-transfer", "cash",
    ]  # fmt: skip
    assert settings.method_discount(session, "zelle") == Decimal(10)
    assert settings.method_discount(session, "card") == Decimal(0)
    assert settings.fee(session, "restoration_fee", "USD") == Money.parse("100", "USD")
    assert settings.fee(session, "restoration_fee", "ARS") is None


@pytest.mark.parametrize(
    ("key", "raw", "stored", "value"),
    [
        ("billing.upgrade_policy", " Prorated ", "prorated", "prorated"),
        ("billing.apply_credit", "no", "false", False),
        ("billing.lengthen_cycle_after_suspension", "YES", "true", True),
        ("billing.restoration_fee.ARS", "90000", "90000.00", Money.parse("90000", "ARS")),
        ("billing.chargeback_fee.UYU", "1000.5", "1000.50", Money.parse("1000.50", "UYU")),
        ("payment.discount.mercadopago", "12.5", "12.5", Decimal("12.5")),
        ("calendar.holidays_country", "uy", "UY", "UY"),
        ("smtp.port", " 587 ", "587", 587),
        ("whatsapp.api_base", "http://127.0.0.1:8080/", "http://127.0.0.1:8080",
         "http://127.0.0.1:8080"),
        ("payment.methods", "Card, zelle,cash", "card,zelle,cash", ["card", "zelle", "cash"]),
        ("smtp.host", " mail.example.com ", "mail.example.com", "mail.example.com"),
        ("whatsapp.api_base", "https://graph.facebook.com/v22.0/", "https://graph.facebook.com"
         "/v22.0", "https://graph.facebook.com/v22.0"),
        ("whatsapp.api_base", "http://[::1]:8080/v21.0", "http://[::1]:8080/v21.0",
         "http://[::1]:8080/v21.0"),
        ("whatsapp.api_base", "http://localhost:8080", "http://localhost:8080",
         "http://localhost:8080"),
        ("smtp.from", " billing@example.com ", "billing@example.com", "billing@example.com"),
        ("smtp.from", "Hosting <billing@example.com>", "Hosting <billing@example.com>",
         "Hosting <billing@example.com>"),
        ("smtp.from", "Hosting, Inc <billing@example.com>", '"Hosting, Inc" '
         "<billing@example.com>", '"Hosting, Inc" <billing@example.com>'),
        ("hooks.dir", "/usr/share/", "/usr/share", "/usr/share"),
    ],
)  # fmt: skip
def test_set_stores_canonical_value_and_audits(session, key, raw, stored, value):
    ctx = make_ctx("2026-02-03", staff="maria")
    before = settings.get_raw(session, key)
    assert settings.set_value(session, ctx, key, raw) == value
    assert settings.get_raw(session, key) == stored
    assert settings.get(session, key) == value
    row = session.get(Setting, key)
    assert (row.value, row.updated_by, row.updated_at) == (stored, "maria", ctx.now)
    entry = session.exec(select(AuditEntry)).one()
    assert (entry.action, entry.entity_type, entry.entity_id, entry.staff) == (
        "config.set",
        "setting",
        key,
        "maria",
    )
    assert json.loads(entry.changes) == {"value": [before, stored]}


def test_set_twice_updates_the_row(session, ctx):
    settings.set_value(session, ctx, "smtp.port", "587")
    settings.set_value(session, ctx, "smtp.port", "2525")
    assert session.exec(select(Setting.value)).all() == ["2525"]
    changes = [json.loads(e.changes) for e in session.exec(select(AuditEntry))]
    assert changes == [{"value": ["25", "587"]}, {"value": ["587", "2525"]}]


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("nope.key", "1", "Unknown setting 'nope.key'; `hostctl config list` shows the keys "
         "hostctl knows."),
        ("billing.restoration_fee.XYZ", "1", "Unknown currency 'XYZ' in setting "
         "'billing.restoration_fee.XYZ'."),
        ("payment.discount.Bad Method", "1", "Unknown payment method 'Bad Method' in setting "
         "'payment.discount.Bad Method'."),
        ("billing.upgrade_policy", "cheapest", "Invalid value 'cheapest' for "
         "billing.upgrade_policy: expected one of difference, prorated."),
        ("billing.apply_credit", "maybe", "Invalid value 'maybe' for billing.apply_credit: "
         "expected true or false."),
        ("smtp.port", "1.5", "Invalid value '1.5' for smtp.port: expected a whole number from 1 "
         "to 65535."),
        ("smtp.port", "99999", "Invalid value '99999' for smtp.port: expected a whole number "
         "from 1 to 65535."),
        ("payment.discount.zelle", "120", "Invalid value '120' for payment.discount.zelle: "
         "expected a percentage from 0 to 100."),
        ("payment.discount.zelle", "NaN", "Invalid value 'NaN' for payment.discount.zelle: "
         "expected a percentage such as 10 or 12.5."),
        ("billing.restoration_fee.ARS", "-1", "Invalid value '-1' for "
         "billing.restoration_fee.ARS: expected an amount of zero or more."),
        ("billing.restoration_fee.USD", "1,5", "The amount '1,5' is not a number; write it "
         "with a dot for decimals and no thousands separator, e.g. 1234.56."),
        ("whatsapp.api_base", "ftp://x", "Invalid value 'ftp://x' for whatsapp.api_base: "
         "expected an https:// URL such as https://graph.facebook.com/v21.0."),
        ("whatsapp.api_base", "https://graph.facebook.com@evil.example/", "Invalid value "
         "'https://graph.facebook.com@evil.example/' for whatsapp.api_base: expected no user "
         "name or password (user@) before the host, which would send the token to the host "
         "after the @."),
        ("whatsapp.api_base", "https://meta:pw@graph.facebook.com/v21.0", "Invalid value "
         "'https://meta:pw@graph.facebook.com/v21.0' for whatsapp.api_base: expected no user "
         "name or password (user@) before the host, which would send the token to the host "
         "after the @."),
        ("whatsapp.api_base", "http://graph.facebook.com/v21.0", "Invalid value "
         "'http://graph.facebook.com/v21.0' for whatsapp.api_base: expected https:// (plain "
         "http:// only to 127.0.0.1, localhost or ::1)."),
        ("whatsapp.api_base", "http://127.0.0.1.evil.example/v21.0", "Invalid value "
         "'http://127.0.0.1.evil.example/v21.0' for whatsapp.api_base: expected https:// "
         "(plain http:// only to 127.0.0.1, localhost or ::1)."),
        ("whatsapp.api_base", "https://evil.example\\@graph.facebook.com/", "Invalid value "
         "'https://evil.example\\\\@graph.facebook.com/' for whatsapp.api_base: expected an "
         "https:// URL such as https://graph.facebook.com/v21.0."),
        ("whatsapp.api_base", "https://gr\u0430ph.facebook.com/v21.0", "Invalid value "
         "'https://gr\u0430ph.facebook.com/v21.0' for whatsapp.api_base: expected a plain host "
         "name (letters, digits, dots, -), not 'gr\u0430ph.facebook.com'."),
        ("whatsapp.api_base", "https://graph.facebook.com/v21.0?x=1", "Invalid value "
         "'https://graph.facebook.com/v21.0?x=1' for whatsapp.api_base: expected a base URL "
         "without ? or #."),
        ("whatsapp.api_base", "https://graph.facebook.com:99999/", "Invalid value "
         "'https://graph.facebook.com:99999/' for whatsapp.api_base: expected a port from 1 to "
         "65535 after the host."),
        ("smtp.from", "billing@example.com\nBcc: all@example.com", "Invalid value "
         "'billing@example.com\\nBcc: all@example.com' for smtp.from: expected one line of "
         "text without control characters."),
        ("smtp.from", "billing", "Invalid value 'billing' for smtp.from: expected an email "
         "address such as billing@example.com or Hosting <billing@example.com>."),
        ("smtp.from", "a@example.com, b@example.com", "Invalid value 'a@example.com, "
         "b@example.com' for smtp.from: expected an email address such as billing@example.com "
         "or Hosting <billing@example.com>."),
        ("smtp.from", "Hosting <billing>", "Invalid value 'Hosting <billing>' for smtp.from: "
         "expected an email address such as billing@example.com or Hosting "
         "<billing@example.com>."),
        ("smtp.host", "mail.example.com\r", "Invalid value 'mail.example.com\\r' for "
         "smtp.host: expected one line of text without control characters."),
        ("hooks.dir", "hooks", "Invalid value 'hooks' for hooks.dir: expected an absolute "
         "folder path such as /etc/hostctl/hooks."),
        ("hooks.dir", "./etc/hooks", "Invalid value './etc/hooks' for hooks.dir: expected an "
         "absolute folder path such as /etc/hostctl/hooks."),
        ("hooks.dir", "/nonexistent/hooks/", "Invalid value '/nonexistent/hooks/' for "
         "hooks.dir: there is no folder /nonexistent/hooks."),
        ("hooks.dir", "/etc/passwd", "Invalid value '/etc/passwd' for hooks.dir: /etc/passwd "
         "is not a folder."),
        ("smtp.host", "  ", "Invalid value '  ' for smtp.host: expected a non-empty value."),
        ("payment.methods", "card,Zel le", "Invalid value 'card,Zel le' for payment.methods: "
         "expected a comma-separated list of method names (a-z, 0-9, -)."),
    ],
)  # fmt: skip
def test_invalid_settings_refused_and_nothing_written(session, ctx, key, raw, message):
    with pytest.raises(ValidationError) as err:
        settings.set_value(session, ctx, key, raw)
    assert err.value.message == message
    assert session.exec(select(Setting)).all() == []
    assert session.exec(select(AuditEntry)).all() == []


def test_unknown_holidays_country_refused(session, ctx):
    with pytest.raises(ValidationError):
        settings.set_value(session, ctx, "calendar.holidays_country", "XX")


def test_get_unknown_key_refused(session):
    with pytest.raises(ValidationError):
        settings.get(session, "billing.nope")


def test_listing_shows_known_keys_defaults_and_families(session, ctx):
    settings.set_value(session, ctx, "billing.restoration_fee.ARS", "90000")
    rows = {r["key"]: r for r in settings.listing(session)}
    assert set(settings.KNOWN) <= set(rows)
    assert rows["billing.restoration_fee.USD"] == {
        "key": "billing.restoration_fee.USD",
        "value": "100.00",
        "default": "100.00",
        "set": False,
        "help": "BIL-8 restoration fee",
    }
    assert rows["billing.restoration_fee.ARS"]["value"] == "90000.00"
    assert rows["billing.restoration_fee.ARS"]["set"] is True
    assert rows["payment.discount.zelle"]["value"] == "10"
    assert list(rows) == sorted(rows)


def test_hooks_dir_under_home_is_stored_absolute(session, ctx, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "hooks").mkdir()
    assert settings.set_value(session, ctx, "hooks.dir", "~/hooks") == f"{tmp_path}/hooks"
    assert session.get(Setting, "hooks.dir").value == f"{tmp_path}/hooks"


def test_a_stored_value_that_no_longer_passes_is_refused_in_one_sentence(session):
    # written by an older hostctl, which accepted any http(s) URL
    session.add(Setting(key="whatsapp.api_base", value="https://graph.facebook.com@evil.example",
                        updated_at=make_ctx().now, updated_by="old"))  # fmt: skip
    session.flush()
    with pytest.raises(ValidationError) as err:
        settings.get(session, "whatsapp.api_base")
    assert err.value.message == (
        "The stored setting whatsapp.api_base = 'https://graph.facebook.com@evil.example' is "
        "not valid (expected no user name or password (user@) before the host, which would "
        "send the token to the host after the @); correct it with `hostctl config set "
        "whatsapp.api_base VALUE`."
    )


def test_a_percentage_takes_the_digits_0_to_9_only(session, ctx):
    import pytest

    from hostctl.core import settings
    from hostctl.errors import ValidationError

    with pytest.raises(ValidationError) as refused:
        settings.set_value(session, ctx, "payment.discount.zelle", "١٠")
    assert refused.value.message == (
        "Invalid value '١٠' for payment.discount.zelle: expected a percentage such as 10 or "
        "12.5, with the digits 0-9."
    )
