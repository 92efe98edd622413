"""At the desk, through the CLI: a currency the company does not bill in is refused (exit 1,
naming those it does), and a national phone is read with the client's country."""

from __future__ import annotations

from tests.billing_helpers import setup_catalogue


def test_currency_not_billed_is_refused(cli, tmp_path):
    assert cli.json("client", "add", "--name", "Eva", "--email", "eva@example.com",
                    "--currency", "EUR")["currency"] == "EUR"  # fmt: skip  # empty catalogue
    setup_catalogue(cli, tmp_path)  # prices in USD, ARS, UYU
    refused = cli("client", "add", "--name", "Ana", "--email", "ana@example.com",
                  "--currency", "EUR")  # fmt: skip
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr == (
        "error: The company does not bill in EUR: no product of the catalogue has a price "
        "in it; use ARS, USD, UYU.\n"
    )
    assert [c["email"] for c in cli.json("client", "list")] == ["eva@example.com"]
    ana = cli.json("client", "add", "--name", "Ana", "--email", "ana@example.com",
                   "--currency", "uyu")  # fmt: skip
    edited = cli("client", "edit", str(ana["id"]), "--currency", "BRL")
    assert edited.exit_code == 1 and "does not bill in BRL" in edited.stderr
    csv = tmp_path / "clients.csv"
    csv.write_text("name,email,currency\nBeto,beto@example.com,CLP\n", encoding="utf-8")
    imported = cli("client", "import", str(csv))
    assert imported.exit_code == 1
    assert "line 2, column currency: The company does not bill in CLP" in imported.stderr


def test_national_phone_with_the_country(cli):
    added = cli.json("client", "add", "--name", "Ana", "--email", "ana@example.com",
                     "--country", "AR", "--phone", "11 5555-0001")  # fmt: skip
    assert added["phone"] == "+541155550001"
    refused = cli("client", "add", "--name", "Beto", "--email", "beto@example.com",
                  "--phone", "11 5555-0001")  # fmt: skip
    assert refused.exit_code == 1 and "needs a country" in refused.stderr
    contact = cli("client", "contact", "add", str(added["id"]), "--name", "Luis",
                  "--email", "luis@example.com", "--phone", "11 5555-0002")  # fmt: skip
    assert contact.exit_code == 0, contact.stderr
    shown = cli.json("client", "show", str(added["id"]))
    assert [c["phone"] for c in shown["contacts"]] == ["+541155550002"]
