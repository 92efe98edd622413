"""Questions of `transfer …`."""

from __future__ import annotations

from typing import Any

from hostctl import prompts
from hostctl.ask import choice
from hostctl.ask import known as known
from hostctl.ask.client import client as client
from hostctl.ask.service import service as service
from hostctl.i18n import _


def transfer_party(value: str | None) -> str:
    from hostctl.core import transfers

    titles = {"from": _("from — the current holder"), "to": _("to — the new holder")}
    return choice(
        value, "--party", _("Whose message:"), [(p, titles[p]) for p in transfers.PARTIES]
    )


def consent_message(message: str | None, message_file: Any) -> str | None:
    """The received text, asked (several lines; Esc then Enter ends it) when neither
    --message nor --message-file is given on a terminal."""
    if message is not None or message_file is not None or not prompts.allowed():
        return message
    return prompts.text(_("The message received:"), option="--message", multiline=True)
