"""A fake hosting panel on 127.0.0.1 for the panel tests: a loopback HTTP(S) server speaking
WHM API 1 or the CWP API in the shapes their documentation gives, recording every request.

WHM (``kind="whm"``): ``GET /json-api/<function>?api.version=1&…`` with
``Authorization: whm <user>:<token>``; every answer carries ``metadata`` (``command``,
``result`` 1 or 0, ``reason``, ``version`` 1); ``listaccts`` answers ``data.acct[]`` (``user``,
``domain``, ``plan``, ``suspended`` 0/1 …), ``version`` answers ``data.version``. Without
``api.version=1`` it answers in API 0's shape (``{"result": [{"status", "statusmsg"}]}``), as
WHM does: a driver that forgets it cannot read the answer. ``removeacct`` takes ``username``.

CWP (``kind="cwp"``): ``POST /v1/account`` (form: ``key``, ``action`` susp/unsp/del/list,
``user``) and ``POST /v1/changepack`` (``action`` udp, ``user``, ``package``); answers
``{"status": "OK"|"Error", "msj": …}``.

``script`` is a list of what to do with the next requests, in order, before behaving
normally: ``("refuse", reason)`` (WHM ``result`` 0 / CWP ``Error``), ``("http", status)``,
``"api0"`` (an answer in API 0's shape), ``"hang"`` (read the request, answer after
``hold_seconds``), ``"close"`` (read the request, close the connection unanswered).
``requests`` records every request read in full: ``method``, ``path``, ``query`` (list of
pairs), ``headers`` (dict), ``form`` (list of pairs).
``https=True`` serves TLS with a ``trustme`` certificate (``ca_pem`` is its CA's file).
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

WHM_USER = "root"


@dataclass
class PanelAccount:
    domain: str
    plan: str = "default"
    suspended: bool = False
    reason: str = ""


@dataclass
class FakePanel:
    kind: str
    token: str
    accounts: dict[str, PanelAccount] = field(default_factory=dict)
    script: list[Any] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    hold_seconds: float = 3.0
    delay: float = 0.0  # every answer this much later (for senders that overlap)
    version: str = "11.118.0.5"
    url: str = ""
    ca_pem: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def calls(self) -> list[tuple[str, ...]]:
        """Each request as (path, the fields that name the call): for exact assertions."""
        out: list[tuple[str, ...]] = []
        for r in self.requests:
            if self.kind == "whm":
                out.append((r["path"], urllib.parse.urlencode(r["query"])))
            else:
                form = [(k, v) for k, v in r["form"] if k != "key"]
                out.append((r["path"], urllib.parse.urlencode(form)))
        return out

    # ------------------------------------------------------------------ answers
    def next_step(self) -> Any:
        with self.lock:
            return self.script.pop(0) if self.script else None

    def whm(self, function: str, query: dict[str, str], auth: str) -> tuple[int, Any]:
        if auth != f"whm {WHM_USER}:{self.token}":
            return 403, {"cpanelresult": {"error": "Access denied", "data": {"result": "0"}}}
        if query.get("api.version") != "1":  # API 0's shape
            return 200, {"result": [{"status": 1, "statusmsg": "done (API 0)"}]}

        def answer(result: int, reason: str, data: Any = None) -> tuple[int, Any]:
            body: dict[str, Any] = {
                "metadata": {"command": function, "result": result, "reason": reason, "version": 1}
            }
            if data is not None:
                body["data"] = data
            return 200, body

        with self.lock:
            if function == "version":
                return answer(1, "OK", {"version": self.version})
            if function == "listaccts":
                acct = [
                    {
                        "user": user,
                        "domain": a.domain,
                        "plan": a.plan,
                        "suspended": 1 if a.suspended else 0,
                        "suspendreason": a.reason if a.suspended else "not suspended",
                        "owner": "root",
                    }
                    for user, a in sorted(self.accounts.items())
                ]
                return answer(1, "OK", {"acct": acct})
            name = query.get("username") if function == "removeacct" else query.get("user")
            account = self.accounts.get(name or "")
            if account is None:
                return answer(0, f"The user “{name}” does not exist.")
            if function == "suspendacct":
                if account.suspended:
                    return answer(0, f"The account “{name}” is already suspended.")
                account.suspended, account.reason = True, query.get("reason", "")
                return answer(1, "OK")
            if function == "unsuspendacct":
                account.suspended = False
                return answer(1, "OK")
            if function == "removeacct":
                del self.accounts[name or ""]
                return answer(1, "OK")
            if function == "changepackage":
                account.plan = query.get("pkg", "")
                return answer(1, "OK")
        return answer(0, f"Unknown app (“{function}”) requested for this version (1) of the API.")

    def cwp(self, path: str, form: dict[str, str]) -> tuple[int, Any]:
        if form.get("key") != self.token:
            return 200, {"status": "Error", "msj": "Key invalid or IP not allowed"}
        action, user = form.get("action"), form.get("user", "")
        with self.lock:
            if path == "/v1/account" and action == "list":
                return 200, {
                    "status": "OK",
                    "msj": [
                        {
                            "username": u,
                            "domain": a.domain,
                            "package_name": a.plan,
                            "status": "suspended" if a.suspended else "active",
                        }
                        for u, a in sorted(self.accounts.items())
                    ],
                }
            account = self.accounts.get(user)
            if account is None:
                return 200, {"status": "Error", "msj": f"User {user} does not exist"}
            if path == "/v1/account" and action == "susp":
                if account.suspended:
                    return 200, {"status": "Error", "msj": "Account already suspended"}
                account.suspended = True
                return 200, {"status": "OK", "msj": "Account suspended"}
            if path == "/v1/account" and action == "unsp":
                account.suspended = False
                return 200, {"status": "OK", "msj": "Account unsuspended"}
            if path == "/v1/account" and action == "del":
                del self.accounts[user]
                return 200, {"status": "OK", "msj": "Account deleted"}
            if path == "/v1/changepack" and action == "udp":
                account.plan = form.get("package", "")
                return 200, {"status": "OK", "msj": "Package updated"}
        return 200, {"status": "Error", "msj": "Unknown action"}


def _handler(panel: FakePanel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
            form = urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True)
            with panel.lock:
                panel.requests.append(
                    {
                        "method": self.command,
                        "path": parts.path,
                        "query": query,
                        "headers": dict(self.headers.items()),
                        "form": form,
                    }
                )
            step = panel.next_step()
            time.sleep(panel.delay)
            if step == "close":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if step == "hang":
                time.sleep(panel.hold_seconds)
            if step == "api0":  # a server answering in API 0's shape whatever it was asked
                self._send(200, {"result": [{"status": 1, "statusmsg": "done (API 0)"}]})
                return
            if isinstance(step, tuple) and step[0] == "http":
                self._send(step[1], {"error": f"HTTP {step[1]}"})
                return
            if isinstance(step, tuple) and step[0] == "refuse":
                if panel.kind == "whm":
                    function = parts.path.rsplit("/", 1)[-1]
                    body = {
                        "metadata": {
                            "command": function,
                            "result": 0,
                            "reason": step[1],
                            "version": 1,
                        }
                    }
                else:
                    body = {"status": "Error", "msj": step[1]}
                self._send(200, body)
                return
            if panel.kind == "whm":
                if self.command != "GET" or not parts.path.startswith("/json-api/"):
                    self._send(404, {"error": "not found"})
                    return
                status, body = panel.whm(
                    parts.path[len("/json-api/") :],
                    dict(query),
                    self.headers.get("Authorization", ""),
                )
            else:
                if self.command != "POST":
                    self._send(405, {"error": "POST only"})
                    return
                status, body = panel.cwp(parts.path, dict(form))
            self._send(status, body)

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass

        do_GET = _serve
        do_POST = _serve

    return Handler


class PanelServer:
    """Runs a ``FakePanel`` in a thread; ``with PanelServer(panel) as url:``."""

    def __init__(self, panel: FakePanel, *, https: bool = False, folder: Path | None = None):
        self.panel = panel
        self.https = https
        self.folder = folder
        self.server: ThreadingHTTPServer | None = None

    def __enter__(self) -> FakePanel:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.panel))
        self.server.daemon_threads = True
        scheme = "http"
        if self.https:
            import trustme

            assert self.folder is not None
            ca = trustme.CA()
            cert = ca.issue_cert("127.0.0.1", "localhost")
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(context)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            pem = self.folder / "panel-ca.pem"
            ca.cert_pem.write_to_path(str(pem))
            self.panel.ca_pem = str(pem)
            scheme = "https"
        port = self.server.server_address[1]
        self.panel.url = f"{scheme}://127.0.0.1:{port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self.panel

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A loopback port nobody listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
