"""The map from WHMCS to hostctl (MIG-2): which hostctl product each WHMCS product becomes,
which domain product each TLD, which payment method each gateway module. hostctl drafts it
from what the WHMCS reader found, with a guess for each entry; staff fills in the rest.

This module knows nothing of WHMCS's tables: ``adapters/whmcs.py`` gathers the facts."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hostctl.i18n import _

DOMAIN_CATEGORY = "domain"
REST = "*"  # the [domains] key for every other TLD

# WHMCS gateway modules → hostctl's payment method, when hostctl accepts that method.
GATEWAY_METHODS = {
    "paypal": "paypal",
    "paypalcheckout": "paypal",
    "paypalexpress": "paypal",
    "banktransfer": "bank-transfer",
    "mercadopago": "mercadopago",
    "stripe": "card",
    "authorizenet": "card",
    "offlinecc": "card",
    "payflowpro": "card",
    "zelle": "zelle",
    "prex": "prex",
    "cash": "cash",
}


@dataclass(frozen=True)
class WhmcsProduct:
    id: int
    name: str
    group: str
    services: int
    # cycle (WHMCS's word) → currency code → price; cycles that are off are left out
    prices: dict[str, dict[str, Decimal]] = field(default_factory=dict)


@dataclass(frozen=True)
class WhmcsTld:
    tld: str  # with its dot: ".com.ar"
    domains: int


@dataclass(frozen=True)
class WhmcsGateway:
    module: str
    name: str  # its display name in WHMCS
    invoices: int


@dataclass(frozen=True)
class MapFacts:
    products: list[WhmcsProduct]
    tlds: list[WhmcsTld]
    gateways: list[WhmcsGateway]


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    name: str
    category: str


def _words(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+", plain.lower()))


def guess_product(name: str, catalogue: list[CatalogueEntry]) -> str:
    """The catalogue's product with the same or a similar name (or code), else ``""``."""
    candidates = [p for p in catalogue if p.category != DOMAIN_CATEGORY]
    wanted = _words(name)
    if not wanted:
        return ""
    for product in candidates:
        if wanted in (_words(product.name), _words(product.code)):
            return product.code
    by_words = {_words(p.name): p.code for p in candidates}
    by_words.update({_words(p.code): p.code for p in candidates})
    close = difflib.get_close_matches(wanted, list(by_words), n=1, cutoff=0.8)
    return by_words[close[0]] if close else ""


def guess_domain(tld: str, catalogue: list[CatalogueEntry]) -> str:
    """The domain product named after ``tld`` (``.com.ar`` → ``domain-com-ar``, or one whose
    name says ``.com.ar``), else ``""``; for ``*``, the international one."""
    domains = [p for p in catalogue if p.category == DOMAIN_CATEGORY]
    if tld == REST:
        for product in domains:
            if re.search(
                r"\bintl\b|international|internacional", _words(product.name + " " + product.code)
            ):
                return product.code
        return ""
    slug = tld.strip(".").replace(".", "-")
    for product in domains:
        code_tail = product.code.removeprefix("domain-").removeprefix("dominio-")
        if code_tail == slug or re.search(re.escape(tld) + r"(?![\w.])", product.name):
            return product.code
    return ""


def guess_method(module: str, methods: list[str]) -> str:
    """hostctl's payment method for a WHMCS gateway module, if hostctl accepts it."""
    key = module.lower()
    method = GATEWAY_METHODS.get(key) or next(
        (m for k, m in GATEWAY_METHODS.items() if key.startswith(k)), ""
    )
    if method in methods:
        return method
    return key if key in methods else ""


def draft(facts: MapFacts, catalogue: list[CatalogueEntry], methods: list[str]) -> dict[str, Any]:
    """The map with hostctl's guesses, as data (also what ``--json`` prints)."""
    tlds = [*(t.tld for t in facts.tlds), REST]
    return {
        "products": [
            {
                "id": p.id,
                "name": p.name,
                "group": p.group,
                "services": p.services,
                "prices": {
                    cycle: {cur: str(amount) for cur, amount in by_currency.items()}
                    for cycle, by_currency in p.prices.items()
                },
                "guess": guess_product(p.name, catalogue),
            }
            for p in facts.products
        ],
        "domains": [
            {
                "tld": tld,
                "domains": next((t.domains for t in facts.tlds if t.tld == tld), None),
                "guess": guess_domain(tld, catalogue),
            }
            for tld in tlds
        ],
        "gateways": [
            {
                "module": g.module,
                "name": g.name,
                "invoices": g.invoices,
                "guess": guess_method(g.module, methods),
            }
            for g in facts.gateways
        ],
    }


def _quoted(text: str) -> str:
    """A TOML basic string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def _comment(text: str) -> str:
    """Text safe on one TOML comment line."""
    return re.sub(r"[\x00-\x1f\x7f]", " ", text)


def render(drafted: dict[str, Any]) -> str:
    """The map as a TOML file to fill in: each entry with hostctl's guess (``""`` when none)
    and a comment saying what it is in WHMCS."""
    lines = [
        "# " + _("The map from WHMCS to hostctl: fill in the empty values."),
        "",
        "[products]   # "
        + _('WHMCS product id = hostctl product code ("" leaves its services out)'),
    ]
    for p in drafted["products"]:
        prices = "; ".join(
            f"{cycle} " + ", ".join(f"{cur} {amount}" for cur, amount in by_currency.items())
            for cycle, by_currency in p["prices"].items()
        )
        about = _("{name} (group {group}): {prices}; services: {services}").format(
            name=p["name"],
            group=p["group"] or "-",
            prices=prices or _("no prices"),
            services=p["services"],
        )
        lines.append(_comment("# " + about))
        lines.append(f"{_quoted(str(p['id']))} = {_quoted(p['guess'])}")
    lines += [
        "",
        "[domains]    # " + _('TLD, or "*" for the rest = hostctl product code of category domain'),
    ]
    for d in drafted["domains"]:
        if d["domains"] is not None:
            lines.append("# " + _("domains: {count}").format(count=d["domains"]))
        lines.append(f"{_quoted(d['tld'])} = {_quoted(d['guess'])}")
    lines += ["", "[gateways]   # " + _("WHMCS gateway module = hostctl payment method")]
    for g in drafted["gateways"]:
        about = _("{name}: invoices: {count}").format(name=g["name"], count=g["invoices"])
        lines.append(_comment("# " + about))
        lines.append(f"{_quoted(g['module'])} = {_quoted(g['guess'])}")
    return "\n".join(lines) + "\n"
