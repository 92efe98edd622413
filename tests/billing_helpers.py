"""Shared set-up for billing scenarios: a small catalogue and clients, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CATALOGUE = """
[[product]]
code = "hosting-basic"
name = "Hosting Básico"
category = "hosting"
cycles = ["semiannual", "annual", "biennial"]
monthly_price = { USD = "10.00", ARS = "9000.00", UYU = "400.00" }
upgrade_to = ["hosting-pro"]

[[product]]
code = "hosting-pro"
name = "Hosting Pro"
category = "hosting"
cycles = ["semiannual", "annual", "biennial"]
monthly_price = { USD = "15.00" }

[[product]]
code = "radio"
name = "Radio Streaming"
category = "streaming"
cycles = ["monthly", "quarterly", "semiannual", "annual"]
monthly_price = { USD = "8.00" }
refundable = false

[[product]]
code = "domain-com"
name = "Dominio .com"
category = "domain"
cycles = ["annual"]
monthly_price = { USD = "1.25" }
period_discount = false
refundable = false

[[product]]
code = "reseller"
name = "Revendedor"
category = "reseller"
cycles = ["monthly", "annual"]
monthly_price = { USD = "20.00" }
activation = "manual"
activation_days = 2
requirement = "datos de la cuenta confirmados"
"""


def setup_catalogue(cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "catalogue.toml"
    path.write_text(CATALOGUE, encoding="utf-8")
    result = cli("product", "import", str(path), today="2026-01-01")
    assert result.exit_code == 0, result.stderr


def add_client(
    cli: Any,
    email: str,
    *,
    currency: str = "USD",
    today: str = "2026-01-01",
    phone: str | None = None,
) -> int:
    args = [
        "client",
        "add",
        "--name",
        email.split("@")[0].title(),
        "--email",
        email,
        "--currency",
        currency,
    ]
    if phone:
        args += ["--phone", phone]
    return cli.json(*args, today=today)["id"]


def order(
    cli: Any,
    client_id: int,
    product: str,
    cycle: str,
    today: str,
    quantity: int = 1,
    domain: str | None = None,
) -> dict[str, Any]:
    args = [
        "service",
        "order",
        "--client",
        str(client_id),
        "--product",
        product,
        "--cycle",
        cycle,
        "--quantity",
        str(quantity),
    ]
    if domain:
        args += ["--domain", domain]
    return cli.json(*args, today=today)


def pay(
    cli: Any,
    invoice: str | int,
    amount: str,
    today: str,
    method: str = "card",
    *,
    excess: bool = False,
) -> dict[str, Any]:
    """``payment add``; ``excess``: more than twice the amount due, on purpose."""
    extra = ["--allow-excess"] if excess else []
    return cli.json(
        "payment",
        "add",
        "--invoice",
        str(invoice),
        "--amount",
        amount,
        "--method",
        method,
        *extra,
        today=today,
    )


def daily(cli: Any, day: str) -> dict[str, Any]:
    result = cli("daily", "--date", day, "--json", "--no-send", today=day)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def service(cli: Any, service_id: int, today: str = "2026-01-01") -> dict[str, Any]:
    return cli.json("service", "show", str(service_id), today=today)


def invoices(cli: Any, client_id: int) -> list[dict[str, Any]]:
    return cli.json("invoice", "list", "--client", str(client_id))


def amounts(invoice: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(line["kind"], line["code"], line["amount"]) for line in invoice["lines"]]
