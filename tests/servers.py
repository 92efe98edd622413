"""Real servers on 127.0.0.1 for notify tests: an aiosmtpd SMTP server and a loopback
HTTP server speaking the WhatsApp Cloud API's request and response shapes.

Both record what they received and can be told to fail: ``fail_next`` takes a list of
replies used in order before the normal success.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

TOKEN = "test-token"
PHONE_NUMBER_ID = "1098765432"


# --------------------------------------------------------------------------- SMTP
@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: Message

    @property
    def text(self) -> str:
        """The body as text, with the wire's CRLF line ends turned into \\n."""
        return str(self.message.get_content()).replace("\r\n", "\n")


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.server.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.server.lock:
            if self.server.fail_next:
                return self.server.fail_next.pop(0)
            message = message_from_bytes(envelope.content, policy=default_policy)
            self.server.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), message)
            )
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's Controller on an ephemeral port (it needs the port to self-check)."""

    def _trigger_server(self) -> None:
        if self.port == 0:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    def __init__(self, *, users: dict[str, str] | None = None) -> None:
        self.received: list[Received] = []
        self.fail_next: list[str] = []
        self.refuse: set[str] = set()
        self.logins: list[str] = []
        self.lock = threading.Lock()
        self.users = users
        kwargs: dict[str, Any] = {}
        if users is not None:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_required": True,
                "auth_require_tls": False,
            }
        self.controller = _Controller(_Handler(self), hostname="127.0.0.1", port=0, **kwargs)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if self.users and self.users.get(user) == password:
                self.logins.append(user)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()


# --------------------------------------------------------------------------- WhatsApp
@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def error_reply(status: int, code: int, message: str, *, details: str = "") -> Reply:
    """The Cloud API's error envelope."""
    error: dict[str, Any] = {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": "AbCdEf123",
    }
    if details:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return Reply(status, {"error": error})


RATE_LIMITED = error_reply(429, 130429, "(#130429) Rate limit hit")
SERVER_ERROR = error_reply(500, 131000, "(#131000) Something went wrong")
NOT_ALLOWED = error_reply(
    400,
    131030,
    "(#131030) Recipient phone number not in allowed list",
    details="Recipient phone number not in allowed list: Add recipient phone number to "
    "recipient list and try again.",
)


class WhatsAppServer:
    """``POST /{phone_number_id}/messages`` answering like graph.facebook.com."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_next: list[Reply] = []
        self.reply_for: Callable[[dict[str, Any]], Reply | None] | None = None
        self.lock = threading.Lock()
        self._counter = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                reply = outer._reply(self.path, dict(self.headers), body)
                data = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v21.0"

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Requests that got a success."""
        return [r for r in self.requests if r["status"] == 200]

    def _reply(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> Reply:
        with self.lock:
            if path != f"/v21.0/{PHONE_NUMBER_ID}/messages":
                reply = error_reply(400, 100, "Unsupported post request.")
            elif headers.get("Authorization") != f"Bearer {TOKEN}":
                reply = error_reply(401, 190, "Invalid OAuth access token.")
            elif body.get("messaging_product") != "whatsapp" or body.get("type") != "template":
                reply = error_reply(400, 100, "Invalid parameter")
            elif self.fail_next:
                reply = self.fail_next.pop(0)
            elif self.reply_for and (custom := self.reply_for(body)) is not None:
                reply = custom
            else:
                self._counter += 1
                wamid = f"wamid.TEST{self._counter:06d}"
                reply = Reply(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                        "messages": [{"id": wamid, "message_status": "accepted"}],
                    },
                )
            self.requests.append(
                {"path": path, "headers": headers, "body": body, "status": reply.status}
            )
            return reply

    def __enter__(self) -> WhatsAppServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
