"""`hostctl whmcs map` (MIG-2) and the WHMCS reader under it (MIG-1), on a real MariaDB
holding the real WHMCS 8.4 schema: two currencies, three products (one with a cycle off at
-1.00, one with an HTML entity in its name), domains under two TLDs, two gateways."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from tests.e2e.test_startup_and_concurrency import HOSTCTL

from hostctl.adapters import whmcs
from hostctl.core import whmcs_map

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "src" / "hostctl" / "data" / "catalogue.toml"
DOMAIN_AR = """
[[product]]
code = "domain-ar"
name = "Dominio .com.ar"
category = "domain"
cycles = ["annual"]
monthly_price = { ARS = "1000.00" }
activation = "instant"
period_discount = false
refundable = false
"""
P = "-1.00"  # a cycle that is off


@pytest.fixture(scope="module")
def scenario(whmcs_db):
    whmcs_db.insert(
        "tblcurrencies",
        {"id": 1, "code": "USD", "prefix": "$", "rate": 1, "default": 1},
        {"id": 2, "code": "ARS", "prefix": "$", "rate": 1000, "default": 0},
    )
    whmcs_db.insert(
        "tblproductgroups", {"id": 1, "name": "Hosting"}, {"id": 2, "name": "Correo &amp; más"}
    )
    whmcs_db.insert(
        "tblproducts",
        {
            "id": 1,
            "type": "hostingaccount",
            "gid": 1,
            "name": "Hosting Pro",
            "paytype": "recurring",
        },
        {
            "id": 2,
            "type": "hostingaccount",
            "gid": 1,
            "name": "Hosting B&aacute;sico",
            "paytype": "recurring",
        },
        {"id": 5, "type": "other", "gid": 2, "name": "Correo Corporativo", "paytype": "recurring"},
    )
    cycles = ("monthly", "quarterly", "semiannually", "annually", "biennially", "triennially")

    def pricing(relid, currency, *prices):
        return {
            "type": "product",
            "relid": relid,
            "currency": currency,
            **dict(zip(cycles, prices, strict=True)),
        }

    whmcs_db.insert(
        "tblpricing",
        pricing(1, 1, "8.00", P, P, "90.00", P, P),
        pricing(1, 2, "8000.00", P, P, "90000.00", P, P),
        pricing(2, 1, P, P, "24.00", "45.00", P, P),  # no monthly: -1.00
        pricing(5, 2, "1500.00", P, P, P, P, P),
        {"type": "domainregister", "relid": 1, "currency": 1, "msetupfee": "12.00", "monthly": P},
    )
    whmcs_db.insert(
        "tbldomainpricing", {"id": 1, "extension": ".com"}, {"id": 2, "extension": ".net"}
    )
    whmcs_db.insert(
        "tblhosting",
        *(
            {"userid": 1, "packageid": pid, "regdate": "0000-00-00", "nextduedate": "2026-03-01"}
            for pid in (1, 1, 2)
        ),
    )
    whmcs_db.insert(
        "tbldomains",
        {"userid": 1, "domain": "tienda.com.ar", "expirydate": "0000-00-00"},
        {"userid": 1, "domain": "radio.com.ar"},
        {"userid": 2, "domain": "example.com"},
    )
    whmcs_db.insert(
        "tblpaymentgateways",
        {"gateway": "paypal", "setting": "name", "value": "PayPal", "order": 1},
        {"gateway": "paypal", "setting": "email", "value": "cobros@example.com", "order": 0},
        {
            "gateway": "banktransfer",
            "setting": "name",
            "value": "Transferencia bancaria",
            "order": 2,
        },
        {"gateway": "banktransfer", "setting": "instructions", "value": "CBU 0000", "order": 0},
    )
    whmcs_db.insert(
        "tblinvoices",
        {"userid": 1, "paymentmethod": "banktransfer", "status": "Unpaid", "date": "2026-02-01"},
        {"userid": 1, "paymentmethod": "banktransfer", "status": "Paid", "date": "2026-01-01"},
        {"userid": 2, "paymentmethod": "paypal", "status": "Paid", "date": "2026-01-01"},
    )
    return whmcs_db


@pytest.fixture
def hostctl_catalogue(cli, tmp_path):
    assert cli("product", "import", str(CATALOGUE)).exit_code == 0
    (tmp_path / "ar.toml").write_text(DOMAIN_AR, encoding="utf-8")
    assert cli("product", "import", str(tmp_path / "ar.toml")).exit_code == 0
    return cli


def test_the_map_lists_what_whmcs_has_with_hostctls_guesses(scenario, hostctl_catalogue):
    result = hostctl_catalogue("whmcs", "map", "--from", scenario.url)
    assert result.exit_code == 0, result.stderr
    assert tomllib.loads(result.stdout) == {
        "products": {"1": "hosting-pro", "2": "hosting-basic", "5": ""},
        "domains": {".com": "domain-com", ".com.ar": "domain-ar", ".net": "", "*": "domain-com"},
        "gateways": {"banktransfer": "bank-transfer", "paypal": "paypal"},
    }
    comments = [line for line in result.stdout.splitlines() if line.startswith("# ")]
    assert comments[1:] == [
        "# Hosting Pro (group Hosting): monthly USD 8.00, ARS 8000.00; "
        "annually USD 90.00, ARS 90000.00; services: 2",
        "# Hosting Básico (group Hosting): semiannually USD 24.00; annually USD 45.00; services: 1",
        "# Correo Corporativo (group Correo & más): monthly ARS 1500.00; services: 0",
        "# domains: 1",
        "# domains: 2",
        "# domains: 0",
        "# Transferencia bancaria: invoices: 2",
        "# PayPal: invoices: 1",
    ]
    assert "cobros@example.com" not in result.stdout  # gateway settings are never read


def test_the_map_reads_the_url_from_the_environment_and_prints_json(
    scenario, hostctl_catalogue, monkeypatch
):
    monkeypatch.setenv("HOSTCTL_WHMCS_URL", scenario.url)
    drafted = hostctl_catalogue.json("whmcs", "map")
    assert drafted["products"][1] == {
        "id": 2,
        "name": "Hosting Básico",
        "group": "Hosting",
        "services": 1,
        "prices": {"semiannually": {"USD": "24.00"}, "annually": {"USD": "45.00"}},
        "guess": "hosting-basic",
    }
    assert [(d["tld"], d["domains"], d["guess"]) for d in drafted["domains"]][-1] == (
        "*",
        None,
        "domain-com",
    )
    assert drafted["gateways"][0] == {
        "module": "banktransfer",
        "name": "Transferencia bancaria",
        "invoices": 2,
        "guess": "bank-transfer",
    }


def test_the_map_round_trips_names_that_toml_must_escape():
    facts = whmcs_map.MapFacts(
        products=[whmcs_map.WhmcsProduct(7, 'Plan "Oro" \\ nuevo\nlínea', "G\x07", 0)],
        tlds=[whmcs_map.WhmcsTld('.a"b', 1)],
        gateways=[whmcs_map.WhmcsGateway("mercadopago_v2", "Mercado\nPago", 0)],
    )
    drafted = whmcs_map.draft(facts, [], ["mercadopago"])
    parsed = tomllib.loads(whmcs_map.render(drafted))
    assert parsed == {
        "products": {"7": ""},
        "domains": {'.a"b': "", "*": ""},
        "gateways": {"mercadopago_v2": "mercadopago"},
    }


def test_the_reader_cleans_zero_dates_entities_and_cycles_that_are_off(scenario):
    with whmcs.open_whmcs(scenario.url) as reader:
        services = list(reader.rows("tblhosting"))
        domains = list(reader.rows("tbldomains"))
        products = list(reader.rows("tblproducts"))
        pricing = next(r for r in reader.rows("tblpricing") if r["relid"] == 2)
    assert [s["regdate"] for s in services] == [None, None, None]
    assert str(services[0]["nextduedate"]) == "2026-03-01"
    assert domains[0]["expirydate"] is None
    assert products[1]["name"] == "Hosting Básico"
    assert (whmcs.price(pricing["monthly"]), str(whmcs.price(pricing["annually"]))) == (
        None,
        "45.00",
    )


def test_the_reader_never_writes(scenario):
    from sqlalchemy.exc import DBAPIError

    with whmcs.open_whmcs(scenario.url) as reader:
        with pytest.raises(DBAPIError, match="READ ONLY"):
            reader.connection.exec_driver_sql(
                "INSERT INTO tblcurrencies (code, prefix, suffix, format, rate) "
                "VALUES ('EUR', '', '', 1, 1)"
            )
        codes = [r["code"] for r in reader.rows("tblcurrencies")]
    assert codes == ["USD", "ARS"]


def test_the_reader_reads_one_snapshot(scenario):
    with whmcs.open_whmcs(scenario.url) as reader:
        before = list(reader.rows("tblproductgroups"))
        scenario.insert("tblproductgroups", {"id": 3, "name": "Nuevo"})  # committed meanwhile
        assert list(reader.rows("tblproductgroups")) == before
    scenario.run("DELETE FROM tblproductgroups WHERE id = 3")


def test_a_database_that_is_not_whmcs_is_one_sentence(scenario, cli):
    not_whmcs = scenario.url.rsplit("/", 1)[0] + "/information_schema"
    result = cli("whmcs", "map", "--from", not_whmcs)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: Cannot read tblcurrencies of the WHMCS database: ")
    assert "Unknown table 'tblcurrencies'" in result.stderr


def test_secrets_are_never_selected():
    secret = {
        "password",
        "authdata",
        "cardnum",
        "bankacct",
        "securityqans",
        "pwresetkey",
        "setting",
    }
    assert all(secret.isdisjoint(table.columns) for table in whmcs.TABLES.values())


def _run(*args, env=None):
    return subprocess.run([HOSTCTL, *args], capture_output=True, text=True, timeout=120, env=env)


def test_a_server_that_does_not_answer_is_one_sentence_without_the_password(db_url):
    result = _run("whmcs", "map", "--from", "mysql+pymysql://reader:s3cret@127.0.0.1:9/whmcs")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "error: Cannot read the WHMCS database mysql+pymysql://reader:***@127.0.0.1:9/whmcs:"
    )
    assert "s3cret" not in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("postgresql://127.0.0.1/whmcs", 2, "MySQL or MariaDB"),
        ("not a url", 2, "not a database URL"),
        ("", 2, "--from URL or HOSTCTL_WHMCS_URL"),
    ],
)
def test_a_url_that_is_not_a_whmcs_database_is_refused(cli, monkeypatch, url, status, words):
    monkeypatch.delenv("HOSTCTL_WHMCS_URL", raising=False)
    result = cli("whmcs", "map", *(["--from", url] if url else []))
    assert result.exit_code == status
    assert words in result.stderr


def test_without_the_driver_it_says_what_to_install(db_url, tmp_path):
    shim = tmp_path / "shim" / "pymysql"
    shim.mkdir(parents=True)
    (shim / "__init__.py").write_text("raise ImportError('no PyMySQL here')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(shim.parent), *sys.path])}
    result = _run("whmcs", "map", "--from", "mysql+pymysql://reader@127.0.0.1/whmcs", env=env)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: Reading WHMCS needs the PyMySQL driver, which is not installed: "
        "pip install 'hostctl[whmcs]'."
    )
    assert result.stdout == ""
    (tmp_path / "map.toml").write_text("[products]\n", encoding="utf-8")
    imported = _run(
        "whmcs",
        "import",
        "--from",
        "mysql+pymysql://reader@127.0.0.1/whmcs",
        "--map",
        str(tmp_path / "map.toml"),
        env=env,
    )
    assert (imported.returncode, imported.stderr) == (1, result.stderr)
