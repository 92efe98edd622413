"""Tab on an option's value offers its real values (no longer file names): the statuses,
cycles, methods, categories … that the command accepts, and the catalogue's products and
currencies from the database when it can be read; completing a noun or verb stays as cheap
as before. Real processes speaking the bash protocol."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tests.billing_helpers import setup_catalogue

_BESIDE = Path(sys.executable).with_name("hostctl")
HOSTCTL = str(_BESIDE) if _BESIDE.exists() else (shutil.which("hostctl") or "hostctl")


def _complete(line: str, *, database_url: str, shell: str = "bash") -> list[str]:
    """The values hostctl answers for ``line`` (the word after its last space completed)."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOSTCTL_", "_HOSTCTL_"))}
    env.update(
        _HOSTCTL_COMPLETE=f"{shell}_complete",
        COMP_WORDS=line,
        COMP_CWORD=str(cword),
        HOSTCTL_DATABASE_URL=database_url,
    )
    result = subprocess.run([HOSTCTL], env=env, capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stderr) == (0, "")
    if shell == "zsh":
        lines = result.stdout.splitlines()
        return [f"{lines[i + 1]}:{lines[i + 2]}" for i in range(0, len(lines), 3)]
    return [line.removeprefix("plain,") for line in result.stdout.splitlines()]


@pytest.fixture
def missing(tmp_path):
    return tmp_path / "none" / "hostctl.db"


@pytest.mark.parametrize(
    ("line", "values"),
    [
        ("hostctl invoice list --status ", ["unpaid", "paid", "cancelled", "refunded", "overdue"]),
        ("hostctl invoice list --status o", ["overdue"]),
        ("hostctl service list --status s", ["suspended"]),
        ("hostctl ticket list --status c", ["client-reply", "closed"]),
        ("hostctl quote list --status ", ["pending", "accepted", "declined", "expired"]),
        ("hostctl transfer list --status ", ["pending", "completed", "expired"]),
        (
            "hostctl service order --cycle ",
            ["monthly", "quarterly", "semiannual", "annual", "biennial"],
        ),
        ("hostctl service change-cycle 7 --cycle a", ["annual"]),
        ("hostctl payment add --method mer", ["mercadopago"]),
        ("hostctl payment list --method bank", ["bank-transfer"]),
        ("hostctl ticket open --category ", ["sla1", "sla2", "sla3", "sla4"]),
        ("hostctl ticket reclassify T-1 --category ", ["sla1", "sla2"]),
        ("hostctl ticket open --priority ", ["p1", "p2", "p3", "p4"]),
        ("hostctl product list --category dom", ["domain"]),
        ("hostctl client add --support-plan ", ["standard", "professional", "full"]),
        ("hostctl client add --currency UY", ["UYU"]),  # no catalogue: every currency
        ("hostctl service cancel 3 --when ", ["immediate", "end-of-period"]),
        ("hostctl notify list --event invoice.c", ["invoice.created", "invoice.cancelled"]),
    ],
)
def test_fixed_values(line, values, missing):
    assert _complete(line, database_url=f"sqlite:///{missing}") == values
    assert not missing.parent.exists()  # completion never makes a database


def test_products_and_currencies_from_the_database(cli, db_url, tmp_path):
    setup_catalogue(cli, tmp_path)  # hosting-basic (USD, ARS, UYU), hosting-pro, radio …
    products = _complete("hostctl service order --product ", database_url=db_url)
    assert products == ["domain-com", "hosting-basic", "hosting-pro", "radio", "reseller"]
    assert _complete("hostctl service order --product host", database_url=db_url) == [
        "hosting-basic",
        "hosting-pro",
    ]
    described = _complete("hostctl service order --product ra", database_url=db_url, shell="zsh")
    assert described == ["radio:Radio Streaming"]
    assert _complete("hostctl service upgrade 4 --to hosting-p", database_url=db_url) == [
        "hosting-pro"
    ]
    assert _complete("hostctl product edit radio --free-domain ", database_url=db_url) == [
        "domain-com"
    ]
    assert _complete("hostctl quote create --product radio:m", database_url=db_url) == [
        "radio:monthly"
    ]
    # the cycles of the product already on the line
    assert _complete("hostctl service order --product radio --cycle ", database_url=db_url) == [
        "monthly",
        "quarterly",
        "semiannual",
        "annual",
    ]
    assert _complete("hostctl service order --product nope --cycle b", database_url=db_url) == [
        "biennial"
    ]
    # a client is billed in a currency of the catalogue
    assert _complete("hostctl client add --currency ", database_url=db_url) == [
        "ARS",
        "USD",
        "UYU",
    ]
    # what still has no fixed set of values gets none (the shell offers file names)
    assert _complete("hostctl client import ", database_url=db_url) == []
    assert _complete("hostctl payment list --from ", database_url=db_url) == []


def test_an_unreachable_database_offers_no_product(missing):
    assert _complete("hostctl service order --product ", database_url=f"sqlite:///{missing}") == []
    unreachable = "postgresql+psycopg://nobody@127.0.0.1:9/none"
    assert _complete("hostctl service order --product ", database_url=unreachable) == []
    assert _complete("hostctl service order --cycle m", database_url=unreachable) == ["monthly"]
