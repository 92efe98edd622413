"""The ``panel`` channel (rules §15, SRV-3/SRV-4): what happens to a service happens on its
server, one outbox message per call.

The drivers that speak each panel's API (WHM API 1, CWP) are adapters
(``hostctl/adapters/panels``): core never imports them. Whoever sends the outbox (``notify
send``, ``daily``) hands ``core/delivery.py`` a ``DriverFactory`` that makes one for a
server; without one the channel is off and its messages wait.

A driver raises the channels' errors: ``PermanentError`` for a refusal the panel explains
(with its reason) or a refused token, ``TemporaryError`` for a server that does not answer
or answers 5xx, ``UnknownOutcome`` when the request went out and its answer was lost.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hostctl.core.channels import PermanentError, Sent, clip
from hostctl.core.secret import Secret

PANELS = ("whm", "cwp")
# outbox event → the call it makes on the panel
ACTIONS = {
    "service.suspended": "suspend",
    "service.reactivated": "unsuspend",
    "service.terminated": "remove",
    "service.upgraded": "change-package",
}


@dataclass(frozen=True)
class Account:
    """An account as a panel lists it (SRV-5)."""

    user: str
    domain: str | None
    plan: str | None
    suspended: bool


@dataclass(frozen=True)
class PanelServer:
    """What a driver needs to reach a server's panel; the token is a ``Secret``."""

    name: str
    panel: str
    url: str
    api_user: str | None
    ca_file: str | None
    token: Secret


class Panel(Protocol):
    """One driver shape per kind of panel (STYLE.md: FOSSBilling's ``Server_Manager``)."""

    def check(self) -> str:
        """The panel's version: one harmless call that needs the token."""
        ...

    def suspend(self, user: str, reason: str) -> Sent: ...

    def unsuspend(self, user: str) -> Sent: ...

    def remove(self, user: str) -> Sent: ...

    def change_package(self, user: str, package: str) -> Sent: ...

    def accounts(self) -> list[Account]: ...


DriverFactory = Callable[[PanelServer], Panel]


def call(driver: Panel, payload: dict[str, Any]) -> Sent:
    """Make the call a panel message's payload describes (``action``, ``user``,
    ``reason``, ``package``)."""
    action = payload.get("action")
    user = str(payload.get("user") or "")
    if not user:
        raise PermanentError("the service has no username on the panel")
    if action == "suspend":
        return driver.suspend(user, str(payload.get("reason") or "suspended"))
    if action == "unsuspend":
        return driver.unsuspend(user)
    if action == "remove":
        return driver.remove(user)
    if action == "change-package":
        package = str(payload.get("package") or "")
        if not package:
            raise PermanentError(clip(f"no panel package to move {user} to"))
        return driver.change_package(user, package)
    raise PermanentError(clip(f"unknown panel action {action!r}"))
