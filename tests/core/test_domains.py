"""Domains as the desk types them: IDNA (UTS 46), labels, a registrable part under a known
public suffix; kept lower-case in their Unicode form. Checked on ``service order`` (and so
promos) and ``service import``; the checking libraries load only when a domain is checked."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hostctl.core import validate
from hostctl.errors import ValidationError


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("example.com", "example.com"),
        ("  Example.COM. ", "example.com"),  # trimmed, lower-cased, the final dot dropped
        ("nunez-consultores.com.ar", "nunez-consultores.com.ar"),
        ("tienda.example.com.ar", "tienda.example.com.ar"),  # a name under a registrable one
        ("Peñarol.UY", "peñarol.uy"),
        ("xn--pearol-xwa.uy", "peñarol.uy"),  # the A-label is kept as its U-label
        ("ÑANDÚ.com.ar", "ñandú.com.ar"),
        ("straße.de", "straße.de"),  # UTS 46 non-transitional: ß stays
        ("ﬁ.com", "fi.com"),  # UTS 46 mapping
        ("a" * 63 + ".com", "a" * 63 + ".com"),
        ("example.co.uk", "example.co.uk"),
    ],
)
def test_domains_kept(raw, kept):
    assert validate.domain(raw) == kept


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("not a domain!", "it has a character a domain name cannot have"),
        ("a_b.com", "it has a character a domain name cannot have"),
        ("ana@example.com", "it has a character a domain name cannot have"),
        ("https://example.com/", "without https:// or a path"),
        ("-radio.com", "a label cannot start or end with a hyphen"),
        ("radio-.com.ar", "a label cannot start or end with a hyphen"),
        ("ab--cd.com", "hyphens as its third and fourth characters"),
        ("xn--zz.com", "not valid punycode"),
        ("a..com", "empty label"),
        (".example.com", "empty label"),
        ("a" * 64 + ".com", "a label is longer than 63 characters"),
        ("ñ" * 60 + ".com", "a label is longer than 63 characters"),  # 63+ as xn--…
        (".".join(["a" * 60] * 5) + ".com", "is longer than 253 characters"),
        ("com.ar", "is a public suffix"),
        ("uy", "is a public suffix"),
        ("example.local", "does not end in a known public suffix"),
        ("localhost", "does not end in a known public suffix"),
        ("192.168.0.1", "does not end in a known public suffix"),
        ("   ", "The domain cannot be empty."),
    ],
)
def test_domains_refused(raw, why):
    with pytest.raises(ValidationError) as refused:
        validate.domain(raw)
    assert why in refused.value.message
    assert refused.value.message.count(". ") == 0  # one sentence


def test_service_order_checks_and_normalizes_the_domain(cli, tmp_path):
    from tests.billing_helpers import add_client, setup_catalogue

    setup_catalogue(cli, tmp_path)
    client = add_client(cli, "ana@example.com")
    order = ("service", "order", "--client", str(client), "--product", "domain-com",
             "--cycle", "annual")  # fmt: skip
    refused = cli(*order, "--domain", "not a domain!")
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == (
        "error: The domain 'not a domain!' is not a domain name: it has a character a domain "
        "name cannot have.\n"
    )
    assert cli(*order, "--domain", "com.ar").exit_code == 1
    assert cli.json("service", "list") == []  # nothing ordered, nothing invoiced
    assert cli.json("invoice", "list") == []
    placed = cli.json(*order, "--domain", "XN--PEAROL-XWA.UY")
    assert placed["services"][0]["domain"] == "peñarol.uy"
    hosting = cli.json("service", "order", "--client", str(client), "--product",
                       "hosting-basic", "--cycle", "annual",
                       "--domain", "Tienda.Ana.COM.AR.")  # fmt: skip
    assert hosting["services"][0]["domain"] == "tienda.ana.com.ar"
    assert [c["id"] for c in cli.json("client", "search", "peñarol")] == [client]


def test_service_import_checks_each_domain(cli, tmp_path):
    from tests.billing_helpers import add_client, setup_catalogue

    setup_catalogue(cli, tmp_path)
    add_client(cli, "ana@example.com")
    path = tmp_path / "services.csv"
    path.write_text(
        "client_email,product,cycle,status,next_due_date,domain\n"
        "ana@example.com,domain-com,annual,active,2026-06-30,Ana.COM.ar\n"
        "ana@example.com,domain-com,annual,active,2026-06-30,ana.local\n"
        "ana@example.com,hosting-basic,annual,active,2026-06-30,no es dominio\n",
        encoding="utf-8",
    )
    refused = cli("service", "import", str(path))
    assert refused.exit_code == 1
    assert (
        "line 3, column domain: The domain 'ana.local' does not end in a known public suffix"
        in refused.stderr
    )
    assert "line 4, column domain: The domain 'no es dominio' is not a domain name" in (
        refused.stderr
    )
    path.write_text(
        "client_email,product,cycle,status,next_due_date,domain\n"
        "ana@example.com,domain-com,annual,active,2026-06-30,Ana.COM.ar\n"
        "ana@example.com,domain-com,annual,active,2026-06-30,xn--and-6ma2c.com\n",
        encoding="utf-8",
    )
    assert cli("service", "import", str(path)).exit_code == 0
    assert [s["domain"] for s in cli.json("service", "list")] == ["ana.com.ar", "ñandú.com"]


def test_the_checking_libraries_load_only_when_used():
    code = (
        "import json, sys, hostctl.cli\n"
        "from hostctl.core import clients, services, validate\n"
        "print(json.dumps(sorted(m for m in ('idna', 'publicsuffixlist', 'phonenumbers') "
        "if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []
