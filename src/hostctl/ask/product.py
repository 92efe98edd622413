"""Questions about the catalogue: `product add`, and the product and cycle that `service
order` and `promo two-for-one` ask."""

from __future__ import annotations

from typing import Any

from hostctl import prompts
from hostctl.ask import choice, read, text
from hostctl.i18n import _, language


def product(value: str | None, option: str = "--product", client_id: int | None = None) -> str:
    """A product of the catalogue; typing filters the list. With ``client_id`` each shows its
    monthly price in the client's currency (the price its invoice starts from)."""
    if value is not None:
        return value
    return prompts.select(
        _("Product:"), lambda: read(_priced_choices, client_id), option=option, search=True
    )


def _priced_choices(session: Any, client_id: int | None) -> list[tuple[str, str]]:
    from hostctl import output
    from hostctl.core import catalogue, clients

    if client_id is None:
        return catalogue.product_choices(session)
    currency = clients.get_client(session, client_id).currency
    return [
        (
            item.code,
            f"{item.code} — {item.name} — "
            + (
                _("{price} a month").format(price=output.human_money(price, currency))
                if price is not None
                else _("no price in {currency}").format(currency=currency)
            ),
        )
        for item, price in catalogue.priced_products(session, currency)
    ]


def cycle(value: str | None, product_code: str, option: str = "--cycle") -> str:
    from hostctl.core import catalogue

    return choice(
        value,
        option,
        _("Billing cycle:"),
        lambda: cycle_words(read(catalogue.cycles_of, product_code)),
    )


def cycle_words(cycles: list[str]) -> list[tuple[str, str]]:
    """Cycles as choices: the code, shown in the session's words ("anual" in Spanish)."""
    from hostctl.words import say

    return [(code, say("cycle", code)) for code in cycles]


def product_name(value: str | None) -> str:
    from hostctl.core import validate

    return text(value, "--name", _("Name shown on invoices:"), validate.name)


def product_category(value: str | None) -> str:
    from hostctl.core import catalogue

    return choice(value, "--category", _("Category:"), list(catalogue.CATEGORIES))


def monthly_prices(values: list[str], currency: str) -> list[str]:
    from hostctl.core import catalogue

    if values:
        return values
    answer = prompts.text(
        _("Monthly price (an amount in {currency}, or CUR=AMOUNT):").format(currency=currency),
        option="--monthly-price",
        check=lambda raw: catalogue.parse_prices([raw], currency, language=language()),
    )
    return [answer]


def product_cycles(value: str | None) -> str:
    from hostctl.core import catalogue

    if value is not None:
        return value
    return ",".join(
        prompts.choose_many(_("Billing cycles:"), list(catalogue.CYCLES), option="--cycles")
    )
