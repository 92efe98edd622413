"""Questions about clients: the client id that many commands ask; `client add`,
`contact add`."""

from __future__ import annotations

from hostctl.ask import number, text
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
