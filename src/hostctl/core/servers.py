"""Servers and their panels (rules §15, SRV-1 … SRV-5).

A server has a name (the one ``service set-server`` and outages use), a panel (``whm``,
``cwp``, or none), its API address, a user for WHM, an optional CA file, and the day it
was given a panel (``panel_since``: nothing is sent for events before it, SRV-3). Its API
token is a secret: read from ``HOSTCTL_PANEL_TOKEN_<NAME>`` or from the file named by
``panel.tokens_file`` when a call is made, never stored.

What happens to a service becomes a ``panel`` message of the outbox in the same
transaction (``outbox.emit_many`` asks ``panel_targets`` once per call, for all of its
events); ``core/delivery.py`` sends it through the driver of the server's panel.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import os
import re
import stat
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from hostctl.core import audit, secret, settings
from hostctl.core.bulk import chunks
from hostctl.core.channels.panel import ACTIONS, PANELS, Account, PanelServer
from hostctl.core.context import Context
from hostctl.core.rows import CHUNK, INVOICES, LINES, SERVICES, no_index
from hostctl.errors import BusinessRuleError, NotFoundError, ValidationError
from hostctl.i18n import _
from hostctl.models import OutboxMessage, Product, Server, Service

TOKEN_PREFIX = "HOSTCTL_PANEL_TOKEN_"
SERVER_MAX = 80
USERNAME_MAX = 64
# The port each panel's API answers on when nothing else is said (WHM over TLS, CWP's API).
DEFAULT_PORTS = {"whm": 2087, "cwp": 2304}
_SERVERS = Server.__table__  # type: ignore[attr-defined]
_PRODUCTS = Product.__table__  # type: ignore[attr-defined]
_OUTBOX = OutboxMessage.__table__  # type: ignore[attr-defined]
# What a service's state means on its panel (SRV-5): live, or down.
LIVE_STATES = ("active", "pending")
ENDED_STATES = ("suspended", "terminated", "cancelled", "expired")


# --------------------------------------------------------------------------- names
def check_server(name: str) -> str:
    value = " ".join((name or "").split()).lower()
    if not value or len(value) > SERVER_MAX or not all(c.isalnum() or c in "-_." for c in value):
        raise ValidationError(
            _(
                "The server name {name!r} may use letters, digits, '-', '_' and '.' "
                "({server_max} at most)."
            ).format(name=name, server_max=SERVER_MAX)
        )
    return value


# --------------------------------------------------------------------------- tokens
def token_variable(name: str) -> str:
    """``HOSTCTL_PANEL_TOKEN_<NAME>``: upper-cased, anything not a letter or digit as ``_``."""
    return TOKEN_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def read_token(name: str, tokens_file: str | None) -> secret.Secret | None:
    """The API token of server ``name``: its environment variable, else its line in
    ``tokens_file`` (``NAME = token``). None when neither has it. Raises
    ``secret.SecretError`` (one sentence, never the value) for a token with a control
    character, or a tokens file that others may read or that cannot be read."""
    found = secret.read(token_variable(name), strip=True)
    if found is not None or not tokens_file:
        return found
    try:
        info = os.stat(tokens_file)
        if info.st_mode & 0o077:
            raise secret.SecretError(
                _(
                    "The tokens file {path} may be read by others than its owner; make it "
                    "private with: chmod 600 {path}"
                ).format(path=tokens_file)
            )
        if not stat.S_ISREG(info.st_mode):
            raise secret.SecretError(_("{path} is not a file").format(path=tokens_file))
        with open(tokens_file, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise secret.SecretError(
            _("Cannot read the tokens file {path} ({reason}).").format(
                path=tokens_file, reason=exc.strerror or type(exc).__name__
            )
        ) from None
    except UnicodeDecodeError:
        raise secret.SecretError(
            _("The tokens file {path} is not UTF-8 text.").format(path=tokens_file)
        ) from None
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if not sep or key.strip().startswith("#") or key.strip().lower() != name.lower():
            continue
        token = secret.Secret(value.strip())
        if not token:
            return None
        if secret.bad_character(token.reveal()):
            raise secret.SecretError(
                _("The token of {name} in {path} has a control character; write it again.").format(
                    name=name, path=tokens_file
                )
            )
        return token
    return None


def missing_token(name: str) -> str:
    """The sentence for a server whose token is nowhere (it names where it is read from)."""
    return _(
        'No API token for server {name}: set {variable}, or add a line "{name} = TOKEN" to '
        "the file named by panel.tokens_file."
    ).format(name=name, variable=token_variable(name))


# --------------------------------------------------------------------------- servers
def check_url(raw: str) -> str:
    """An ``https://`` address (``http://`` only for a loopback one), without a trailing
    slash, query or fragment."""
    value = (raw or "").strip().rstrip("/")
    parts = urllib.parse.urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or parts.query or parts.fragment:
        raise ValidationError(
            _(
                "The panel address {url!r} is not a URL such as https://web3.example.com:2087."
            ).format(url=raw)
        )
    if parts.username or parts.password:
        raise ValidationError(
            _("The panel address may not carry a user or password; the token is read apart.")
        )
    if parts.scheme == "http" and not _loopback(host):
        raise ValidationError(
            _(
                "The panel address {url} is http://: only https:// is allowed (http:// only "
                "for a loopback address such as 127.0.0.1)."
            ).format(url=value)
        )
    return value


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_ca_file(raw: str) -> str:
    """A PEM file of CA certificates, as an absolute path (as ``smtp.ca_file``)."""
    try:
        return settings.pem_file(raw)
    except ValueError as exc:
        raise ValidationError(_("--ca-file: {why}.").format(why=exc)) from None


def add_server(
    session: Session,
    ctx: Context,
    name: str,
    *,
    panel: str | None,
    url: str | None,
    api_user: str | None,
    ca_file: str | None,
) -> Server:
    """Record a server; with a panel it is driven from today (``panel_since``)."""
    name = check_server(name)
    if panel is not None:
        panel = panel.strip().lower()
        if panel not in PANELS:
            raise ValidationError(
                _("--panel must be one of {choices}, not {panel!r}.").format(
                    choices=", ".join(PANELS), panel=panel
                )
            )
        if not url:
            raise ValidationError(_("A server with a panel needs --url, its API address."))
    elif url or ca_file or api_user:
        raise ValidationError(_("--url, --user and --ca-file need --panel whm or cwp."))
    if session.exec(select(Server).where(Server.name == name)).first() is not None:
        raise BusinessRuleError(
            _("There is already a server {name}; `hostctl server show {name}` shows it.").format(
                name=name
            )
        )
    server = Server(
        name=name,
        panel=panel,
        url=check_url(url) if url else None,
        api_user=((api_user or "").strip() or "root") if panel == "whm" else None,
        ca_file=check_ca_file(ca_file) if ca_file else None,
        panel_since=ctx.today if panel else None,
        created_at=ctx.now,
    )
    session.add(server)
    session.flush()
    audit.record(session, ctx, "server.add", "server", server.id, view(server))
    return server


NO_PANEL = "none"


def edit_server(
    session: Session,
    ctx: Context,
    name: str,
    *,
    panel: str | None = None,
    url: str | None = None,
    api_user: str | None = None,
    ca_file: str | None = None,
) -> Server:
    """Change what hostctl knows of a server (read under a row lock): its panel (``none``
    takes it away), API address, WHM user, CA file (``""`` forgets it). A server given a
    panel it did not have is driven from today (``panel_since``), as one added today;
    one keeping its panel keeps its day. Audited as ``server.edit``."""
    if panel is None and url is None and api_user is None and ca_file is None:
        raise ValidationError(_("Nothing to change: give --panel, --url, --user or --ca-file."))
    found = get_server(session, name)
    server = session.get(Server, found.id, with_for_update=True, populate_existing=True)
    assert server is not None
    before = view(server)
    if panel is not None:
        wanted = panel.strip().lower()
        if wanted not in (*PANELS, NO_PANEL):
            raise ValidationError(
                _("--panel must be one of {choices}, not {panel!r}.").format(
                    choices=", ".join((*PANELS, NO_PANEL)), panel=panel
                )
            )
        if wanted == NO_PANEL:
            server.panel, server.url, server.api_user = None, None, None
            server.ca_file, server.panel_since = None, None
        elif wanted != server.panel:
            server.panel_since = server.panel_since if server.panel else ctx.today
            server.panel = wanted
    if server.panel is None and (url or api_user or ca_file):
        raise ValidationError(_("--url, --user and --ca-file need --panel whm or cwp."))
    if url is not None:
        server.url = check_url(url)
    if ca_file is not None:
        server.ca_file = check_ca_file(ca_file) if ca_file.strip() else None
    if server.panel == "whm":
        if api_user is not None or server.api_user is None:
            server.api_user = (api_user or "").strip() or server.api_user or "root"
    elif api_user:
        raise ValidationError(_("--user is the WHM user; a CWP server has none."))
    else:
        server.api_user = None
    if server.panel is not None and not server.url:
        raise ValidationError(_("A server with a panel needs --url, its API address."))
    session.add(server)
    session.flush()
    changes = audit.diff(before, view(server))
    if changes:
        audit.record(session, ctx, "server.edit", "server", server.id, changes)
    return server


def get_server(session: Session, name: str) -> Server:
    key = " ".join((name or "").split()).lower()
    server = session.exec(select(Server).where(Server.name == key)).first()
    if server is None:
        raise NotFoundError(
            _("There is no server {name}; `hostctl server list` shows them.").format(name=name)
        )
    return server


def list_servers(session: Session) -> list[Server]:
    return list(session.exec(select(Server).order_by(col(Server.name))).all())


def view(server: Server) -> dict[str, Any]:
    """A server as ``server show --json`` prints it (never its token)."""
    return {
        "name": server.name,
        "panel": server.panel,
        "url": server.url,
        "user": server.api_user,
        "ca_file": server.ca_file,
        "panel_since": server.panel_since.isoformat() if server.panel_since else None,
        "token_variable": token_variable(server.name) if server.panel else None,
    }


def services_on(session: Session, name: str) -> int:
    return int(
        session.execute(
            sa.select(sa.func.count()).select_from(SERVICES).where(SERVICES.c.server == name)
        ).scalar()
        or 0
    )


def panel_server(session: Session, server: Server) -> PanelServer:
    """What a driver needs to reach ``server``'s panel, its token included. Raises
    ``BusinessRuleError`` (one sentence naming the server) without a panel or a token."""
    if not server.panel or not server.url:
        raise BusinessRuleError(
            _("Server {name} has no panel; hostctl only records its name.").format(name=server.name)
        )
    try:
        token = read_token(server.name, settings.get_raw(session, "panel.tokens_file"))
    except secret.SecretError as exc:
        raise BusinessRuleError(str(exc)) from None
    if token is None:
        raise BusinessRuleError(missing_token(server.name))
    return PanelServer(
        name=server.name,
        panel=server.panel,
        url=server.url,
        api_user=server.api_user,
        ca_file=server.ca_file,
        token=token,
    )


def panel_servers(session: Session) -> dict[str, PanelServer | str]:
    """Every server with a panel: what its driver needs, or why it cannot be called (no
    token: the sentence naming the variable) — for ``core/delivery.py``."""
    found: dict[str, PanelServer | str] = {}
    for server in session.exec(select(Server).where(col(Server.panel).is_not(None))).all():
        try:
            found[server.name] = panel_server(session, server)
        except BusinessRuleError as exc:
            found[server.name] = str(exc)
    return found


# --------------------------------------------------------------------------- services
def check_username(raw: str) -> str:
    value = (raw or "").strip()
    if (
        not value
        or len(value) > USERNAME_MAX
        or not all(c.isascii() and (c.isalnum() or c in "-_.") for c in value)
    ):
        raise ValidationError(
            _(
                "The username {username!r} may use letters, digits, '-', '_' and '.' "
                "({limit} at most)."
            ).format(username=raw, limit=USERNAME_MAX)
        )
    return value


def set_service_server(
    session: Session, ctx: Context, service_id: int, name: str, username: str | None
) -> Service:
    """The server a service runs on (any name, for uptime) and, with ``username``, its
    account there. A server row with a panel is needed for panel calls, not for the name."""
    service = session.get(Service, service_id, with_for_update=True)
    if service is None:
        raise NotFoundError(
            _("There is no service {service_id}; `hostctl service list` shows them.").format(
                service_id=service_id
            )
        )
    server = check_server(name)
    user = check_username(username) if username is not None else service.panel_username
    if username is not None:
        taken = session.exec(
            select(Service.id).where(
                Service.server == server,
                Service.panel_username == user,
                Service.id != service_id,
                col(Service.status).in_(("pending", "active", "suspended")),
            )
        ).first()
        if taken is not None:
            raise BusinessRuleError(
                _("Account {username} on {server} is already service {other}'s.").format(
                    username=user, server=server, other=taken
                )
            )
    changes: dict[str, Any] = {"server": [service.server, server]}
    if user != service.panel_username:
        changes["username"] = [service.panel_username, user]
    service.server = server
    service.panel_username = user
    service.updated_at = ctx.now
    session.add(service)
    audit.record(session, ctx, "service.set_server", "service", service.id, changes)
    return service


def last_calls(session: Session, service_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The last panel call of each service: ``{"action", "status", "at", "reason"}`` (one
    query per chunk of ids)."""
    ids = sorted(set(service_ids))
    found: dict[int, dict[str, Any]] = {}
    for chunk in chunks(ids, CHUNK):
        newest = (
            sa.select(sa.func.max(_OUTBOX.c.id))
            .where(_OUTBOX.c.channel == "panel", _OUTBOX.c.service_id.in_(chunk))
            .group_by(_OUTBOX.c.service_id)
        )
        for row in session.execute(
            sa.select(
                _OUTBOX.c.service_id,
                _OUTBOX.c.payload,
                _OUTBOX.c.status,
                _OUTBOX.c.created_at,
                _OUTBOX.c.sent_at,
                _OUTBOX.c.last_error,
            ).where(_OUTBOX.c.id.in_(newest))
        ).all():
            try:
                payload = json.loads(row.payload or "{}")
            except ValueError:
                payload = {}
            at = row.sent_at or row.created_at
            found[row.service_id] = {
                "action": payload.get("action"),
                "status": row.status,
                "at": _iso(at),
                "reason": row.last_error,
            }
    return found


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return str(value.isoformat())


# --------------------------------------------------------------------------- emission
@dataclass(frozen=True)
class Target:
    """A service whose events reach a panel: its server, account, package and the invoice
    a non-payment suspension names."""

    server: str
    user: str
    package: str | None
    invoice: str | None


# Is any server driven by a panel on a day? One statement built once (``daily`` asks it for
# every batch of alerts).
_ANY_PANEL = (
    sa.select(sa.literal(1))
    .where(_SERVERS.c.panel.is_not(None), _SERVERS.c.panel_since <= sa.bindparam("today"))
    .limit(1)
)


# The services of :ids on a server driven by a panel since :today or before, with their
# account, package and oldest unpaid invoice: built once (``daily`` asks it for every batch
# of alerts of a day with panels).
_OLDEST_UNPAID = (
    sa.select(INVOICES.c.number)
    .select_from(INVOICES.join(LINES, LINES.c.invoice_id == INVOICES.c.id))
    # ``no_index``: through the service's own lines, not SQLite's walk of every unpaid
    # invoice in due-date order (the status index), for each service
    .where(LINES.c.service_id == SERVICES.c.id, no_index(INVOICES.c.status) == "unpaid")
    .order_by(INVOICES.c.due_date, INVOICES.c.id)
    .limit(1)
    .correlate(SERVICES)
    .scalar_subquery()
)
_TARGETS = (
    sa.select(
        SERVICES.c.id,
        SERVICES.c.panel_username,
        _SERVERS.c.name,
        _PRODUCTS.c.panel_package,
        _OLDEST_UNPAID.label("invoice"),
    )
    .select_from(
        SERVICES.join(_SERVERS, _SERVERS.c.name == SERVICES.c.server).join(
            _PRODUCTS, _PRODUCTS.c.code == SERVICES.c.product_code
        )
    )
    .where(
        SERVICES.c.id.in_(sa.bindparam("ids", expanding=True)),
        _SERVERS.c.panel.is_not(None),
        _SERVERS.c.panel_since <= sa.bindparam("today"),
        SERVICES.c.panel_username.is_not(None),
    )
)


def panel_targets(
    session: Session, ctx: Context, alerts: Sequence[dict[str, Any]]
) -> dict[int, Target]:
    """The services of ``alerts`` whose events go to a panel: on a server with a panel
    since ``ctx.today`` or before, with a username there. One query per chunk of ids
    (services ⋈ servers ⋈ products), never one per service."""
    ids = sorted(
        {a["service_id"] for a in alerts if a.get("service_id") and a.get("event") in ACTIONS}
    )
    if not ids or session.execute(_ANY_PANEL, {"today": ctx.today}).first() is None:
        return {}  # no server driven by a panel yet: one cheap look-up, not one per chunk
    found: dict[int, Target] = {}
    for chunk in chunks(ids, CHUNK):
        rows = session.execute(_TARGETS, {"ids": chunk, "today": ctx.today}).all()
        for row in rows:
            found[row.id] = Target(row.name, row.panel_username, row.panel_package, row.invoice)
    return found


def panel_payload(event: str, target: Target, data: dict[str, Any]) -> dict[str, Any]:
    """What a panel message carries: the server, the action, the account, and the reason
    in words (a suspension) or the package (a plan change)."""
    action = ACTIONS[event]
    payload: dict[str, Any] = {"server": target.server, "action": action, "user": target.user}
    if action == "suspend":
        reason = str(data.get("reason") or "suspended")
        if reason == "non-payment" and target.invoice:
            reason = f"non-payment, invoice {target.invoice}"
        payload["reason"] = reason
    elif action == "change-package":
        payload["package"] = target.package
    return payload


# --------------------------------------------------------------------------- audit (SRV-5)
def audit_server(session: Session, server: Server, accounts: list[Account]) -> dict[str, Any]:
    """The panel's accounts against the services hostctl says run on ``server``."""
    services = session.execute(
        sa.select(SERVICES.c.id, SERVICES.c.status, SERVICES.c.panel_username)
        .where(SERVICES.c.server == server.name)
        .order_by(SERVICES.c.id)
    ).all()
    by_user: dict[str, list[Any]] = {}
    for s in services:
        if s.panel_username:
            by_user.setdefault(s.panel_username.lower(), []).append(s)
    live_not_billed: list[dict[str, Any]] = []
    down_but_active: list[dict[str, Any]] = []
    without_service: list[dict[str, Any]] = []
    seen: set[str] = set()
    for account in sorted(accounts, key=lambda a: a.user.lower()):
        key = account.user.lower()
        seen.add(key)
        mine = by_user.get(key, [])
        # the account's service: the live one if any, else the newest
        live = [s for s in mine if s.status in (*LIVE_STATES, "suspended")]
        service = (live or mine or [None])[-1]
        if service is None:
            without_service.append({"user": account.user, "domain": account.domain})
            continue
        row = {"user": account.user, "service_id": service.id, "service_status": service.status}
        if not account.suspended and service.status in ENDED_STATES:
            live_not_billed.append(row)
        elif account.suspended and service.status == "active":
            down_but_active.append(row)
    without_account = [
        {"service_id": s.id, "username": s.panel_username}
        for s in services
        if s.status in (*LIVE_STATES, "suspended")
        and (not s.panel_username or s.panel_username.lower() not in seen)
    ]
    return {
        "server": server.name,
        "accounts": len(accounts),
        "services": sum(1 for s in services if s.status in (*LIVE_STATES, "suspended")),
        "live_but_not_billed_as_live": live_not_billed,
        "down_but_active": down_but_active,
        "accounts_without_service": without_service,
        "services_without_account": without_account,
    }
