"""Questions of `quote …`."""

from __future__ import annotations

from typing import Any

from hostctl.ask import confirm, money, read
from hostctl.ask.client import client as client
from hostctl.i18n import _


def confirm_decline(quote_id: int, yes: bool) -> None:
    from hostctl.core import quotes

    def facts(session: Any) -> dict[str, Any]:
        found = quotes.get_quote(session, quote_id)
        return {
            "id": found.id,
            "client": found.client_id,
            "total": money(found.total_minor, found.currency),
        }

    confirm(
        yes,
        lambda: _(
            "Record that client {client} declined quote {id} ({total})? It cannot be "
            "accepted afterwards."
        ).format(**read(facts)),
    )
