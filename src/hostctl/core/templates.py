"""Message templates (rules NOT-3): Spanish by default, editable as plain files.

One file per event (reminders: per stage) per channel, shipped in ``hostctl/templates/``
and overridden by a file of the same name in ``<config dir>/templates/``; the config dir
is ``HOSTCTL_CONFIG_DIR`` or else ``platformdirs.user_config_dir("hostctl")``.

* ``<key>.email.txt``: a ``Subject:`` line, a blank line, then the body.
* ``<key>.whatsapp.txt``: a ``Template:`` line (the name approved in Meta's WhatsApp
  Manager), optionally ``Language:``, a blank line, then one body parameter per line, in
  order (``{{1}}``, ``{{2}}`` …). Lines starting with ``#`` are comments.

Placeholders are ``{nombre}``-style; an unknown or missing one renders empty, so a message
never fails because an emitter left a key out. See ``docs/decisions-notify.md`` for the list.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TEMPLATE_CHANNELS = ("email", "whatsapp")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

REASONS = {
    "non-payment": "falta de pago",
    "abuse": "uso indebido",
    "chargeback": "contracargo",
    "cancellation": "cancelación",
    "cancelled": "cancelación",
}
METHODS = {
    "card": "tarjeta",
    "bank-transfer": "transferencia bancaria",
    "cash": "efectivo",
    "credit": "saldo a favor",
}
INVOICE_STATUSES = {
    "paid": "pagada",
    "unpaid": "pendiente de pago",
    "cancelled": "anulada",
    "refunded": "reembolsada",
}
FIELDS = {
    "name": "nombre",
    "email": "email",
    "phone": "teléfono",
    "country": "país",
    "currency": "moneda",
    "document": "documento",
    "company": "empresa",
    "support_plan": "plan de soporte",
}
STAGES = {"first": "primer", "second": "segundo", "final": "último"}


class TemplateError(Exception):
    """A template is missing or malformed (the message fails with this reason)."""


@dataclass(frozen=True)
class Template:
    key: str
    channel: str
    path: Path
    source: str  # shipped | override
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""


@dataclass(frozen=True)
class EmailContent:
    subject: str
    body: str


@dataclass(frozen=True)
class WhatsAppContent:
    name: str
    language: str | None
    parameters: list[str]


# --------------------------------------------------------------------------- locations
def shipped_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "templates"


def config_dir() -> Path:
    raw = os.environ.get("HOSTCTL_CONFIG_DIR")
    if raw:
        return Path(raw).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("hostctl", appauthor=False))


def override_dir() -> Path:
    return config_dir() / "templates"


def template_key(event: str, stage: str | None = None) -> str:
    """``invoice.reminder`` has one template per stage: ``invoice.reminder.first`` …"""
    return f"{event}.{stage}" if event == "invoice.reminder" and stage else event


def _filename(key: str, channel: str) -> str:
    return f"{key}.{channel}.txt"


def find(key: str, channel: str) -> Template:
    name = _filename(key, channel)
    for folder, source in ((override_dir(), "override"), (shipped_dir(), "shipped")):
        path = folder / name
        if path.is_file():
            return parse(path.read_text(encoding="utf-8"), key, channel, path, source)
    raise TemplateError(f"no {channel} template {name} (shipped or in {override_dir()})")


def parse(text: str, key: str, channel: str, path: Path, source: str) -> Template:
    headers: dict[str, str] = {}
    lines = text.replace("\r\n", "\n").split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line.strip():
            if headers:
                break
            continue
        if line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise TemplateError(f"{path}: expected 'Header: value' before the blank line")
        headers[name.strip().lower()] = value.strip()
    body = "\n".join(lines[index:]).strip("\n")
    needed = "subject" if channel == "email" else "template"
    if needed not in headers:
        raise TemplateError(f"{path}: missing the {needed.capitalize()}: line")
    return Template(key, channel, path, source, headers, body)


def listing() -> list[dict[str, Any]]:
    """Every template name, shipped or override, with where the one in use comes from."""
    names: set[str] = set()
    for folder in (shipped_dir(), override_dir()):
        if folder.is_dir():
            names.update(p.name for p in folder.glob("*.txt"))
    rows = []
    for name in sorted(names):
        stem = name.removesuffix(".txt")
        key, _, channel = stem.rpartition(".")
        if channel not in TEMPLATE_CHANNELS or not key:
            continue
        override = override_dir() / name
        shipped = shipped_dir() / name
        in_use = override if override.is_file() else shipped
        rows.append(
            {
                "key": key,
                "channel": channel,
                "source": "override" if override.is_file() else "shipped",
                "path": str(in_use),
                "shipped": shipped.is_file(),
            }
        )
    return rows


# --------------------------------------------------------------------------- values
def _money(amount: Any, currency: Any) -> str:
    from hostctl.core.money import Money, format_money

    if amount in (None, ""):
        return ""
    try:
        # es_AR whatever the session: what clients read (WhatsApp, email) never follows it
        return format_money(Money.parse(str(amount), str(currency or "USD")), "es")
    except Exception:  # a malformed amount is shown as written, never a crash
        return str(amount)


def _date(value: Any) -> str:
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def values(
    payload: dict[str, Any],
    *,
    client_name: str,
    company: str,
    event: str = "",
    stage: str | None = None,
) -> dict[str, str]:
    """What the placeholders can use: every payload key as given, plus Spanish names
    formatted for people (amounts with ``format_money``, dates DD/MM/YYYY)."""
    result = {str(k): _text(v) for k, v in payload.items()}
    currency = payload.get("currency")
    product = _text(payload.get("product_name") or payload.get("product"))
    domain = _text(payload.get("domain"))
    service = f"{product} ({domain})" if product and domain else product or domain
    result.update(
        {
            "nombre": client_name or _text(payload.get("name")),
            "empresa": company,
            "evento": event,
            "etapa": STAGES.get(stage or "", stage or ""),
            "factura": _text(payload.get("invoice_number")),
            "total": _money(payload.get("total"), currency),
            "saldo": _money(payload.get("amount_due"), currency),
            "monto": _money(payload.get("amount"), currency),
            "moneda": _text(currency),
            "emision": _date(payload.get("issue_date")),
            "vencimiento": _date(payload.get("due_date")),
            "items": _text(payload.get("items")),
            "metodo": METHODS.get(_text(payload.get("method")), _text(payload.get("method"))),
            "estado_factura": INVOICE_STATUSES.get(
                _text(payload.get("invoice_status")), _text(payload.get("invoice_status"))
            ),
            "servicio": service,
            "servicio_id": _text(payload.get("service_id")),
            "producto": product,
            "dominio": domain,
            "motivo": REASONS.get(_text(payload.get("reason")), _text(payload.get("reason"))),
            "presupuesto": _text(payload.get("quote_id")),
            "mes": _text(payload.get("month")),
            "disponibilidad": _text(payload.get("uptime")),
            "campos": ", ".join(FIELDS.get(str(f), str(f)) for f in payload.get("fields") or []),
            "titular_anterior": _text(payload.get("from_name")),
            "titular_nuevo": _text(payload.get("to_name")),
        }
    )
    return result


def fill(text: str, vals: dict[str, str]) -> str:
    """Replace ``{name}`` placeholders; unknown names render empty, other text stays."""
    return _PLACEHOLDER.sub(lambda m: vals.get(m.group(1), ""), text)


def render_email(template: Template, vals: dict[str, str]) -> EmailContent:
    subject = " ".join(fill(template.headers["subject"], vals).split())
    return EmailContent(subject=subject, body=fill(template.body, vals).strip() + "\n")


def render_whatsapp(template: Template, vals: dict[str, str]) -> WhatsAppContent:
    params = []
    for line in template.body.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        # The Cloud API refuses parameters with new lines, tabs or more than 4 spaces,
        # and empty ones: collapse whitespace and send a dash for an empty value.
        value = " ".join(fill(line.strip(), vals).split())
        params.append(value or "-")
    return WhatsAppContent(
        name=fill(template.headers["template"], vals).strip(),
        language=template.headers.get("language") or None,
        parameters=params,
    )
