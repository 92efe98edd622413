"""hostctl config … through the CLI."""

from __future__ import annotations

import pytest


def test_get_default_and_set(cli):
    assert cli("config", "get", "billing.upgrade_policy").stdout == "difference\n"
    result = cli("config", "set", "billing.upgrade_policy", "Prorated", staff="maria")
    assert (result.exit_code, result.stderr, result.stdout) == (
        0,
        "billing.upgrade_policy = prorated\n",
        "",
    )
    assert cli.json("config", "get", "billing.upgrade_policy") == {
        "key": "billing.upgrade_policy",
        "value": "prorated",
    }
    entry = cli.json("log")[-1]
    assert (entry["action"], entry["entity"], entry["staff"], entry["changes"]) == (
        "config.set",
        "setting:billing.upgrade_policy",
        "maria",
        {"value": ["difference", "prorated"]},
    )


def test_set_json_prints_canonical_value(cli):
    assert cli.json("config", "set", "billing.restoration_fee.ARS", "90000") == {
        "key": "billing.restoration_fee.ARS",
        "value": "90000.00",
    }
    assert cli("config", "get", "smtp.host").stdout == "\n"


def test_list(cli):
    cli("config", "set", "smtp.host", "mail.example.com")
    rows = {r["key"]: r for r in cli.json("config", "list")}
    assert rows["smtp.host"]["value"] == "mail.example.com"
    assert rows["smtp.host"]["set"] is True
    assert rows["calendar.holidays_country"]["value"] == "AR"
    human = cli("config", "list").stdout.splitlines()
    assert human[0].split() == ["key", "value", "default", "meaning"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("get", "billing.nope"), 3, "error: Unknown setting 'billing.nope'; `hostctl config "
         "list` shows the keys hostctl knows.\n"),
        (("set", "billing.nope", "1"), 1, "error: Unknown setting 'billing.nope'; `hostctl "
         "config list` shows the keys hostctl knows.\n"),
        (("set", "billing.apply_credit", "maybe"), 1, "error: Invalid value 'maybe' for "
         "billing.apply_credit: expected true or false.\n"),
        (("set", "smtp.port", "abc"), 1, "error: Invalid value 'abc' for smtp.port: expected "
         "a whole number from 1 to 65535.\n"),
        (("set", "calendar.holidays_country", "XX"), 1, "error: Unknown holidays country "
         "'XX'; use an ISO 3166 code such as AR, UY, CL.\n"),
        (("set", "smtp.from", "billing@example.com\nBcc: all@example.com"), 1, "error: "
         "Invalid value 'billing@example.com\\nBcc: all@example.com' for smtp.from: expected "
         "one line of text without control characters.\n"),
        (("set", "smtp.from", "facturación"), 1, "error: Invalid value 'facturación' for "
         "smtp.from: expected an email address such as billing@example.com or Hosting "
         "<billing@example.com>.\n"),
        (("set", "whatsapp.api_base", "https://graph.facebook.com@evil.example/"), 1, "error: "
         "Invalid value 'https://graph.facebook.com@evil.example/' for whatsapp.api_base: "
         "expected no user name or password (user@) before the host, which would send the "
         "token to the host after the @.\n"),
        (("set", "whatsapp.api_base", "http://graph.facebook.com/v21.0"), 1, "error: Invalid "
         "value 'http://graph.facebook.com/v21.0' for whatsapp.api_base: expected https:// "
         "(plain http:// only to 127.0.0.1, localhost or ::1).\n"),
        (("set", "hooks.dir", "hooks"), 1, "error: Invalid value 'hooks' for hooks.dir: "
         "expected an absolute folder path such as /etc/hostctl/hooks.\n"),
        (("set", "hooks.dir", "/nonexistent/hooks"), 1, "error: Invalid value "
         "'/nonexistent/hooks' for hooks.dir: there is no folder /nonexistent/hooks.\n"),
    ],
)  # fmt: skip
def test_refusals_change_nothing(cli, args, code, message):
    result = cli("config", *args)
    assert (result.exit_code, result.stderr, result.stdout) == (code, message, "")
    assert cli.json("log") == []
    assert [r["key"] for r in cli.json("config", "list") if r["set"]] == []


def test_set_missing_value_is_usage_error(cli):
    assert cli("config", "set", "smtp.host").exit_code == 2


def test_an_unknown_key_is_not_found(cli):
    result = cli("config", "get", "billing.nope")
    assert (result.exit_code, result.stderr) == (
        3,
        "error: Unknown setting 'billing.nope'; `hostctl config list` shows the keys hostctl "
        "knows.\n",
    )


def test_unknown_filters_are_refused_with_the_valid_ones(cli):
    cases = [
        (
            ["service", "list", "--status", "activo"],
            "error: Unknown service status 'activo'; use one of pending, active, suspended, "
            "cancelled, terminated, expired.\n",
        ),
        (
            ["product", "list", "--category", "web"],
            "error: Unknown category 'web'; use one of hosting, reseller, vps, domain, streaming, "
            "website, app, webmaster, email-marketing, community-manager, other.\n",
        ),
        (
            ["invoice", "list", "--status", "pagada"],
            "error: Unknown invoice status 'pagada'; use one of unpaid, paid, cancelled, "
            "refunded, overdue.\n",
        ),
    ]
    for args, message in cases:
        result = cli(*args)
        assert (result.exit_code, result.stderr) == (1, message)


def test_smtp_ca_file_must_be_a_readable_pem_file_and_is_stored_absolute(
    cli, tmp_path, monkeypatch
):
    import trustme

    trustme.CA().cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    (tmp_path / "notes.txt").write_text("not a certificate\n")
    refused = {
        str(tmp_path / "none.pem"): f"there is no file {tmp_path / 'none.pem'}",
        str(tmp_path): f"{tmp_path} is not a file",
        str(tmp_path / "notes.txt"): "expected a PEM file of CA certificates (-----BEGIN "
        f"CERTIFICATE----- blocks), which {tmp_path / 'notes.txt'} is not",
    }
    for value, reason in refused.items():
        result = cli("config", "set", "smtp.ca_file", value)
        assert (result.exit_code, result.stderr) == (
            1,
            f"error: Invalid value {value!r} for smtp.ca_file: {reason}.\n",
        )
    assert cli.json("log") == []

    monkeypatch.chdir(tmp_path)  # a relative path is kept as the absolute one: cron runs elsewhere
    assert cli.json("config", "set", "smtp.ca_file", "ca.pem") == {
        "key": "smtp.ca_file",
        "value": str(tmp_path / "ca.pem"),
    }
    assert cli("config", "get", "smtp.tls").stdout == "auto\n"
    result = cli("config", "set", "smtp.tls", "ssl")
    assert result.stderr == (
        "error: Invalid value 'ssl' for smtp.tls: expected one of auto, starttls, implicit.\n"
    )
