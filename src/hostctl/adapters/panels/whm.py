"""cPanel & WHM through WHM API 1, as cPanel documents it.

``GET {url}/json-api/{function}?api.version=1&…`` with the header
``Authorization: whm {user}:{token}``. Every answer has ``metadata``: the call did what it
was asked only when ``metadata.result`` is 1; otherwise ``metadata.reason`` says why.

* ``suspendacct`` (``user``, ``reason``), ``unsuspendacct`` (``user``);
* ``removeacct`` (``username``: ``user`` is deprecated for it);
* ``changepackage`` (``user``, ``pkg``);
* ``listaccts`` (``data.acct[]``: ``user``, ``domain``, ``plan``, ``suspended`` 0/1);
* ``version`` (``data.version``) for ``server check``.

The anchors' mistakes are not repeated: the ``api.version=1`` is always sent (without it
WHM answers in API 0's shapes), and a ``result`` of 0 is never taken for a success.
"""

from __future__ import annotations

import re
import urllib.parse
from typing import Any

from hostctl.adapters.panels.http import TIMEOUT_SECONDS, fetch, header_safe, token_refused
from hostctl.core.channels import PermanentError, Sent, UnknownOutcome, clip
from hostctl.core.channels.panel import Account, PanelServer

# metadata.reason of a token WHM does not accept for the call (a missing ACL too)
ACCESS_DENIED = re.compile(r"access denied|permission denied|not authori[sz]ed|privilege", re.I)
ALREADY_SUSPENDED = re.compile(r"already suspended", re.I)
NOT_SUSPENDED = re.compile(r"(is )?not suspended", re.I)
NO_ACCOUNT = re.compile(
    r"does not exist|doesn't exist|no such (user|account)|could not find|not a cpanel user|"
    r"invalid user",
    re.I,
)
REMOVE_TIMEOUT = 120  # removing a large account takes a while (still within STALE_AFTER)


class Whm:
    def __init__(self, server: PanelServer, *, timeout: float = TIMEOUT_SECONDS) -> None:
        self.server = server
        self.timeout = timeout
        # removing a large account takes a while; a timeout asked for is kept as is
        self.remove_timeout = REMOVE_TIMEOUT if timeout == TIMEOUT_SECONDS else timeout

    # ------------------------------------------------------------------ the verbs
    def check(self) -> str:
        data = self._read("version")
        version = (data.get("data") or {}).get("version") if isinstance(data, dict) else None
        return f"WHM {version}" if version else "WHM"

    def suspend(self, user: str, reason: str) -> Sent:
        return self._change("suspendacct", [("user", user), ("reason", reason)], ALREADY_SUSPENDED)

    def unsuspend(self, user: str) -> Sent:
        return self._change("unsuspendacct", [("user", user)], NOT_SUSPENDED)

    def remove(self, user: str) -> Sent:
        return self._change(
            "removeacct",
            [("username", user)],
            NO_ACCOUNT,
            timeout=self.remove_timeout,
        )

    def change_package(self, user: str, package: str) -> Sent:
        return self._change("changepackage", [("user", user), ("pkg", package)], None)

    def accounts(self) -> list[Account]:
        data = self._read("listaccts")
        found = ((data.get("data") or {}).get("acct")) if isinstance(data, dict) else None
        if not isinstance(found, list):
            raise PermanentError(
                clip(f"server {self.server.name}: listaccts answered without data.acct")
            )
        return [
            Account(
                user=str(a.get("user") or ""),
                domain=a.get("domain"),
                plan=a.get("plan"),
                suspended=str(a.get("suspended")) == "1",
            )
            for a in found
            if isinstance(a, dict) and a.get("user")
        ]

    # ------------------------------------------------------------------ the API
    def _read(self, function: str) -> Any:
        try:
            return self._call(function, [])
        except _Refused as refused:
            raise PermanentError(
                clip(f"server {self.server.name} refused {function}: {refused.reason}")
            ) from None

    def _change(
        self,
        function: str,
        params: list[tuple[str, str]],
        done_anyway: re.Pattern[str] | None,
        *,
        timeout: float | None = None,
    ) -> Sent:
        try:
            data = self._call(function, params, timeout=timeout)
        except _Refused as refused:
            if done_anyway is not None and done_anyway.search(refused.reason):
                return Sent(note=clip(f"already so on {self.server.name}: {refused.reason}"))
            raise PermanentError(
                clip(f"server {self.server.name} refused {function}: {refused.reason}")
            ) from None
        reason = (data.get("metadata") or {}).get("reason") if isinstance(data, dict) else None
        return Sent(note=clip(f"{function}: {reason}") if reason and reason != "OK" else None)

    def _call(
        self, function: str, params: list[tuple[str, str]], *, timeout: float | None = None
    ) -> Any:
        user = self.server.api_user or "root"
        token = self.server.token.reveal()
        if not header_safe(user) or not header_safe(token):
            raise PermanentError(
                clip(
                    f"the API token or user of server {self.server.name} has a character an "
                    "HTTP header cannot carry; nothing was sent"
                )
            )
        query = urllib.parse.urlencode([("api.version", "1"), *params])
        data = fetch(
            self.server,
            f"{self.server.url}/json-api/{function}?{query}",
            headers={"Authorization": f"whm {user}:{token}"},
            timeout=timeout or self.timeout,
        )
        metadata = data.get("metadata") if isinstance(data, dict) else None
        if not isinstance(metadata, dict) or "result" not in metadata:
            # not WHM API 1's shape: nobody can tell whether it was done
            raise UnknownOutcome(
                clip(f"server {self.server.name} answered {function} without metadata.result")
            )
        reason = str(metadata.get("reason") or "no reason given")
        if str(metadata.get("result")) == "1":
            return data
        if ACCESS_DENIED.search(reason):
            raise token_refused(self.server, reason)
        raise _Refused(reason)


class _Refused(Exception):
    """``metadata.result`` 0: WHM did not do it, and says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
