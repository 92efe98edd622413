"""CentOS Web Panel (CWP) through its API.

``POST {url}/v1/account`` with a form body: ``key`` (the API key), ``action`` (``susp``,
``unsp``, ``del``, ``list``) and ``user``. The call did what it was asked only when the
answer's ``status`` is ``OK``; otherwise its message (``msj``, or ``msg``) says why.
A package change is ``POST {url}/v1/changepack`` (``action`` ``udp``, ``user``,
``package``). ``list`` answers the accounts in ``msj``: each with ``username``, ``domain``,
``package_name`` and ``status`` (read leniently: see docs/decisions.md).
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from hostctl.adapters.panels.http import TIMEOUT_SECONDS, fetch, token_refused
from hostctl.core.channels import PermanentError, Sent, UnknownOutcome, clip
from hostctl.core.channels.panel import Account, PanelServer

KEY_REFUSED = re.compile(
    r"(api )?key.*(invalid|incorrect|not valid|wrong|denied)|access denied|unauthori[sz]ed|"
    r"ip .*not allowed",
    re.I,
)
ALREADY_SUSPENDED = re.compile(r"already suspended", re.I)
NOT_SUSPENDED = re.compile(r"(is )?not suspended", re.I)
NO_ACCOUNT = re.compile(r"does not exist|doesn't exist|no such (user|account)|not found", re.I)


class Cwp:
    def __init__(self, server: PanelServer, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.server = server
        self.timeout = timeout

    def check(self) -> str:
        self._read()
        return "CWP"

    def suspend(self, user: str, reason: str) -> Sent:
        return self._change("account", "susp", {"user": user}, ALREADY_SUSPENDED)

    def unsuspend(self, user: str) -> Sent:
        return self._change("account", "unsp", {"user": user}, NOT_SUSPENDED)

    def remove(self, user: str) -> Sent:
        return self._change("account", "del", {"user": user}, NO_ACCOUNT)

    def change_package(self, user: str, package: str) -> Sent:
        return self._change("changepack", "udp", {"user": user, "package": package}, None)

    def accounts(self) -> list[Account]:
        data = self._read()
        found = data.get("msj")
        if not isinstance(found, list):
            raise PermanentError(clip(f"server {self.server.name}: list answered without msj"))
        accounts = []
        for a in found:
            if not isinstance(a, dict):
                continue
            user = a.get("username") or a.get("user")
            if not user:
                continue
            state = str(a.get("status") or a.get("state") or "").strip().lower()
            accounts.append(
                Account(
                    user=str(user),
                    domain=a.get("domain"),
                    plan=a.get("package_name") or a.get("package"),
                    suspended=state in ("suspended", "suspend", "s", "0")
                    or str(a.get("suspended")) == "1",
                )
            )
        return accounts

    # ------------------------------------------------------------------ the API
    def _read(self) -> Any:
        try:
            return self._call("account", "list", {})
        except _Refused as refused:
            raise PermanentError(
                clip(f"server {self.server.name} refused list: {refused.reason}")
            ) from None

    def _change(
        self, module: str, action: str, fields: dict[str, str], done_anyway: re.Pattern[str] | None
    ) -> Sent:
        try:
            data = self._call(module, action, fields)
        except _Refused as refused:
            if done_anyway is not None and done_anyway.search(refused.reason):
                return Sent(note=clip(f"already so on {self.server.name}: {refused.reason}"))
            raise PermanentError(
                clip(f"server {self.server.name} refused {action}: {refused.reason}")
            ) from None
        message = _message(data)
        return Sent(note=clip(f"{action}: {message}") if message else None)

    def _call(self, module: str, action: str, fields: dict[str, str]) -> Any:
        body = urllib.parse.urlencode(
            {"key": self.server.token.reveal(), "action": action, **fields}
        ).encode("ascii")
        data = fetch(
            self.server,
            f"{self.server.url}/v1/{module}",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            data=body,
            timeout=self.timeout,
        )
        if not isinstance(data, dict) or "status" not in data:
            raise UnknownOutcome(
                clip(f"server {self.server.name} answered {action} without a status")
            )
        if str(data.get("status")).upper() == "OK":
            return data
        reason = _message(data) or "no reason given"
        if KEY_REFUSED.search(reason):
            raise token_refused(self.server, reason)
        raise _Refused(reason)


def _message(data: dict[str, Any]) -> str:
    message = data.get("msj", data.get("msg"))
    return "" if message is None or isinstance(message, (list, dict)) else str(message)


class _Refused(Exception):
    """``status`` other than OK: CWP did not do it, and says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
