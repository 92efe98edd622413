"""Questions of `service …`: the service id, suspensions, cycles, upgrades, cancellations,
its server."""

from __future__ import annotations

from typing import Any

from hostctl.ask import choice, confirm, number, read, text
from hostctl.ask import known as known
from hostctl.ask.client import client as client
from hostctl.ask.product import cycle as cycle
from hostctl.ask.product import cycle_words
from hostctl.ask.product import product as product
from hostctl.i18n import _


def service(value: int | None, option: str = "--service") -> int:
    from hostctl.core import services

    return number(value, option, _("Service id:"), services.get_service)


def _service_label(session: Any, service_id: int) -> dict[str, Any]:
    from hostctl.core import services

    found = services.get_service(session, service_id)
    what = found.product_code + (f", {found.domain}" if found.domain else "")
    return {"id": found.id, "what": what, "client": found.client_id}


def suspend_reason(value: str | None) -> str:
    return choice(value, "--reason", _("Reason:"), [("abuse", _("abuse"))])


def confirm_suspend(service_id: int, yes: bool) -> None:
    confirm(
        yes,
        lambda: _("Suspend service {id} ({what}) of client {client} for abuse?").format(
            **read(_service_label, service_id)
        ),
    )


def new_cycle(value: str | None, service_id: int) -> str:
    from hostctl.core import services

    return choice(
        value,
        "--cycle",
        _("New billing cycle:"),
        lambda: cycle_words(read(services.cycle_choices, service_id)),
    )


def upgrade_target(value: str | None, service_id: int, *, force: bool) -> str:
    from hostctl.core import upgrades

    return choice(
        value, "--to", _("Upgrade to:"), lambda: read(upgrades.targets, service_id, force=force)
    )


def cancel_when(value: str | None) -> str:
    from hostctl.core import cancellations

    titles = {
        "immediate": _("immediate — today, the service stops"),
        "end-of-period": _("end-of-period — at its next due date (can be revoked)"),
    }
    return choice(value, "--when", _("Cancel when:"), [(w, titles[w]) for w in cancellations.WHENS])


def cancel_channel(value: str | None) -> str:
    return text(value, "--channel", _("Where the client asked (client area, ticket …):"))


def cancel_reason(value: str | None) -> str:
    return text(value, "--reason", _("The client's reason:"))


def confirm_cancel(service_id: int, yes: bool) -> None:
    confirm(
        yes,
        lambda: _("Cancel service {id} ({what}) of client {client} today?").format(
            **read(_service_label, service_id)
        ),
    )


def server(value: str | None, option: str = "--server") -> str:
    from hostctl.core import servers

    return text(value, option, _("Server:"), servers.check_server)
