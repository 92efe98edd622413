"""Questions of `promo …`."""

from __future__ import annotations

from hostctl.ask import number
from hostctl.ask.product import cycle as cycle
from hostctl.ask.product import product as product
from hostctl.i18n import _


def referral_ids(
    referrer: int | None, referred: int | None, service_id: int | None
) -> tuple[int, int, int]:
    from hostctl.core import clients, services

    return (
        number(referrer, "--referrer", _("Referring client id:"), clients.get_client),
        number(referred, "--referred", _("Referred client id:"), clients.get_client),
        number(service_id, "--service", _("Service id that gets the month:"), services.get_service),
    )


def two_clients(values: list[int]) -> list[int]:
    from hostctl.core import clients

    if values:
        return values
    first = number(None, "--client", _("First new client id (A):"), clients.get_client)
    second = number(None, "--client", _("Second new client id (B, free):"), clients.get_client)
    return [first, second]
