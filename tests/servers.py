"""Real servers on 127.0.0.1 for notify tests: an aiosmtpd SMTP server and a loopback
HTTP server speaking the WhatsApp Cloud API's request and response shapes.

Both record what they received and can be told to fail: ``fail_next`` takes a list of
replies or faults used in order before the normal success; ``faults`` (a seeded
``Faults``) draws one for each request after that. The faults are the network's:

* ``RESET_BEFORE`` — the connection is reset before the request is read (SMTP: at MAIL);
* ``RESET_AFTER`` — the whole request is read, then the connection is reset unanswered;
* ``TIMEOUT`` — the whole request is read, and the answer comes ``hold_seconds`` later.

``got`` lists every request the server read in full and did not refuse — accepted, or
lost with ``RESET_AFTER``/``TIMEOUT`` (a real provider may have delivered those) — so a
test can count how many times each message may have reached its client.

``SmtpServer(users=...)`` requires a login (passwords compared as UTF-8; ``mechanisms``:
offer only some of PLAIN, LOGIN and CRAM-MD5, or none). ``SmtpServer(tls=..., cert=...)`` speaks
TLS with a ``trustme`` certificate: ``"starttls"`` (offered after EHLO; AUTH only after it)
or ``"implicit"`` (SMTPS: TLS from the first byte).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import random
import socket
import ssl
import struct
import threading
from collections import Counter
from collections.abc import Callable, Sequence
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
RESET_BEFORE = "reset-before"
RESET_AFTER = "reset-after"
TIMEOUT = "timeout"


class Faults:
    """Seeded faults: each request gets one of ``kinds`` with probability ``rate``."""

    def __init__(self, seed: int, rate: float, kinds: Sequence[Any]) -> None:
        self.random = random.Random(seed)
        self.rate = rate
        self.kinds = list(kinds)
        self.drawn: Counter[str] = Counter()

    def draw(self) -> Any:
        if self.random.random() >= self.rate:
            return None
        kind = self.random.choice(self.kinds)
        self.drawn[kind if isinstance(kind, str) else f"{kind.status}"] += 1
        return kind


def _linger_zero(sock: Any) -> None:
    """Make close() send a TCP RST (a reset) instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


# --------------------------------------------------------------------------- SMTP
@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: Message
    tls: bool = False  # the message came over TLS

    @property
    def text(self) -> str:
        """The body as text, with the wire's CRLF line ends turned into \\n."""
        return str(self.message.get_content()).replace("\r\n", "\n")


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        fault = self.server.next_fault()
        if fault == RESET_BEFORE:
            self.server.resets += 1
            _linger_zero(server.transport.get_extra_info("socket"))
            server.transport.abort()
            return "421 gone"  # never reaches the client
        envelope.fault = fault
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.server.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        return self.server.quit_reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        fault = getattr(envelope, "fault", None)
        if isinstance(fault, str) and fault not in (RESET_AFTER, TIMEOUT):
            return fault  # an SMTP reply: refused, nothing kept
        got = Received(
            envelope.mail_from,
            list(envelope.rcpt_tos),
            message_from_bytes(envelope.content, policy=default_policy),
            tls=server.transport.get_extra_info("ssl_object") is not None,
        )
        with self.server.lock:
            self.server.got.append(got)
        if fault == RESET_AFTER:
            _linger_zero(server.transport.get_extra_info("socket"))
            server.transport.abort()
            return "250 never sent"
        if fault == TIMEOUT:
            await asyncio.sleep(self.server.hold_seconds)
        with self.server.lock:
            self.server.received.append(got)
        return "250 Message accepted for delivery"


class _CramHandler(_Handler):
    """``_Handler`` that also speaks AUTH CRAM-MD5 (an HMAC-MD5 of a challenge, keyed with
    the UTF-8 password), which aiosmtpd does not have."""

    async def auth_CRAM__MD5(self, server: Any, args: list[str]) -> AuthResult:
        self.server.auth_attempts += 1
        challenge = b"<20260110.4242@hosting.example>"
        raw = self.server.cram_raw_challenge  # a server that forgets to encode it
        answer = await server.challenge_auth(raw or challenge, encode_to_b64=raw is None)
        if not isinstance(answer, bytes) or b" " not in answer:
            return AuthResult(success=False, handled=False)
        user, digest = answer.decode().rsplit(" ", 1)
        password = (self.server.users or {}).get(user)
        expected = password and hmac.new(password.encode(), challenge, "md5").hexdigest()
        if expected and hmac.compare_digest(expected, digest):
            self.server.logins.append(user)
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


class _Controller(Controller):
    """aiosmtpd's Controller on an ephemeral port (it needs the port to self-check)."""

    def _trigger_server(self) -> None:
        if self.port == 0:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    """``received``: messages answered 250; ``got``: also those whose answer was lost.
    ``fail_next`` items: an SMTP reply for DATA (``"451 4.3.0 …"``) or a fault."""

    def __init__(
        self,
        *,
        users: dict[str, str] | None = None,
        tls: str | None = None,
        cert: Any = None,
        mechanisms: Sequence[str] | None = None,
    ) -> None:
        self.received: list[Received] = []
        self.got: list[Received] = []
        self.fail_next: list[str] = []
        self.faults: Faults | None = None
        self.hold_seconds = 2.0
        self.quit_reply = "221 Bye"
        self.resets = 0
        self.refuse: set[str] = set()
        self.logins: list[str] = []
        self.auth_attempts = 0  # AUTH commands that reached the authenticator
        self.auth_failure_reply: str | None = None  # "535 … {password}": a server that echoes
        self.cram_raw_challenge: bytes | None = None
        self.lock = threading.Lock()
        self.users = users
        kwargs: dict[str, Any] = {}
        if users is not None:
            kwargs = {
                "authenticator": self._authenticate,
                "auth_required": True,
                # aiosmtpd counts only STARTTLS as TLS: with implicit TLS every byte is
                # encrypted already; without TLS a client must refuse to log in by itself
                "auth_require_tls": tls == "starttls",
            }
            if mechanisms is not None:  # offer only these of PLAIN, LOGIN and CRAM-MD5
                kwargs["auth_exclude_mechanism"] = {"PLAIN", "LOGIN", "CRAM-MD5"} - set(mechanisms)
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            cert.configure_cert(context)
            kwargs["tls_context" if tls == "starttls" else "ssl_context"] = context
        handler = _CramHandler(self) if "CRAM-MD5" in (mechanisms or ()) else _Handler(self)
        self.controller = _Controller(handler, hostname="127.0.0.1", port=0, **kwargs)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        self.auth_attempts += 1
        if isinstance(data, LoginPassword):
            user, password = data.login.decode(), data.password.decode()
            if self.users and self.users.get(user) == password:
                self.logins.append(user)
                return AuthResult(success=True)
            if self.auth_failure_reply:
                reply = self.auth_failure_reply.format(password=password)
                return AuthResult(success=False, handled=False, message=reply)
        return AuthResult(success=False, handled=False)

    def next_fault(self) -> Any:
        with self.lock:
            if self.fail_next:
                return self.fail_next.pop(0)
            return self.faults.draw() if self.faults else None

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


class _QuietHTTPServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a reset connection is the point of some tests


class WhatsAppServer:
    """``POST /{phone_number_id}/messages`` answering like graph.facebook.com.

    ``requests``: every request with the ``status`` it got (an HTTP status or a fault;
    ``body`` is None for ``RESET_BEFORE``); ``got``: the bodies read in full and not
    refused (answered 200, or lost with ``RESET_AFTER``/``TIMEOUT``)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.got: list[dict[str, Any]] = []
        self.fail_next: list[Reply | str] = []
        self.faults: Faults | None = None
        self.hold_seconds = 2.0
        self.reply_for: Callable[[dict[str, Any]], Reply | None] | None = None
        self.gate: threading.Event | None = None  # when given, answers wait until it is set
        self.arrived = threading.Event()  # set once a request has been read
        self.lock = threading.Lock()
        self._counter = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def reset(self) -> None:
                _linger_zero(self.connection)
                self.rfile.close()  # drop makefile's reference, so close() really closes
                self.connection.close()
                self.close_connection = True

            def do_POST(self) -> None:
                fault = outer._next_fault()
                if fault == RESET_BEFORE:
                    outer._log(self.path, dict(self.headers), None, RESET_BEFORE)
                    self.reset()
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                outer.arrived.set()
                if outer.gate is not None:
                    outer.gate.wait(60)
                reply = outer._reply(self.path, dict(self.headers), body, fault)
                if reply.status == 200 and fault == RESET_AFTER:
                    self.reset()
                    return
                if reply.status == 200 and fault == TIMEOUT:
                    threading.Event().wait(outer.hold_seconds)
                data = json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    self.close_connection = True  # the client gave up waiting

        self.httpd = _QuietHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v21.0"

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Requests that got a success."""
        return [r for r in self.requests if r["status"] == 200]

    def _next_fault(self) -> Reply | str | None:
        with self.lock:
            if self.fail_next:
                return self.fail_next.pop(0)
            return self.faults.draw() if self.faults else None

    def _log(
        self, path: str, headers: dict[str, str], body: dict[str, Any] | None, status: Any
    ) -> None:
        self.requests.append({"path": path, "headers": headers, "body": body, "status": status})

    def _reply(
        self, path: str, headers: dict[str, str], body: dict[str, Any], fault: Reply | str | None
    ) -> Reply:
        with self.lock:
            if path != f"/v21.0/{PHONE_NUMBER_ID}/messages":
                reply = error_reply(400, 100, "Unsupported post request.")
            elif headers.get("Authorization") != f"Bearer {TOKEN}":
                reply = error_reply(401, 190, "Invalid OAuth access token.")
            elif body.get("messaging_product") != "whatsapp" or body.get("type") != "template":
                reply = error_reply(400, 100, "Invalid parameter")
            elif isinstance(fault, Reply):
                reply = fault
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
            if reply.status == 200:
                self.got.append(body)
            lost = fault in (RESET_AFTER, TIMEOUT) and reply.status == 200
            self._log(path, headers, body, fault if lost else reply.status)
            return reply

    def __enter__(self) -> WhatsAppServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
