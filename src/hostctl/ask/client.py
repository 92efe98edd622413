"""Questions about clients: the client id that many commands ask; `client add`,
`contact add`."""

from __future__ import annotations

from hostctl import prompts
from hostctl.ask import number, read, text
from hostctl.i18n import _


def client(value: int | None, option: str = "--client") -> int:
    from hostctl.core import clients

    return number(value, option, _("Client id:"), clients.get_client)


def client_name(value: str | None, label: str | None = None) -> str:
    from hostctl.core import validate

    return text(value, "--name", label or _("Name:"), validate.name)


def client_email(value: str | None, label: str | None = None) -> str:
    from hostctl.core import validate

    return text(value, "--email", label or _("Email:"), validate.email)


def contact_name(value: str | None) -> str:
    return client_name(value, _("Contact name:"))


def contact_email(value: str | None) -> str:
    return client_email(value, _("Contact email:"))


def client_currency(value: str | None, country: str | None) -> str | None:
    """The billing currency, among those the catalogue has prices in; the one the client's
    country is billed in by default (AR → ARS, UY → UYU, else USD) comes first. Left out
    without a terminal: the core's default."""
    from hostctl.core import catalogue, validate

    if value is not None or not prompts.allowed():
        return value
    billed = read(catalogue.billed_currencies)
    if not billed:
        return None
    usual = validate.COUNTRY_CURRENCY.get((country or "").strip().upper(), "USD")
    return prompts.select(
        _("Billing currency:"),
        billed,
        option="--currency",
        default=usual if usual in billed else None,
    )
