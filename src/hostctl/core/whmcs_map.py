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


# --------------------------------------------------------------------------- the filled map
@dataclass(frozen=True)
class WhmcsMap:
    """The map staff filled in: WHMCS product id → hostctl product code (``""``: leave its
    services out), TLD (with its dot, or ``*``) → domain product code, gateway module → payment
    method."""

    products: dict[int, str]
    domains: dict[str, str]
    gateways: dict[str, str]

    def domain_product(self, domain: str) -> str | None:
        """The domain product for ``domain`` by its longest mapped TLD, else ``*``'s; None
        when neither is in the map."""
        name = domain.strip().strip(".").lower()
        labels = name.split(".")
        for start in range(1, len(labels)):
            tld = "." + ".".join(labels[start:])
            if tld in self.domains:
                return self.domains[tld]
        return self.domains.get(REST)


def read_map(text: str, name: str, catalogue: list[CatalogueEntry], methods: list[str]) -> WhmcsMap:
    """The map file's text, checked against hostctl's catalogue and payment methods: a code
    that is not a product (or not a domain product under [domains]), a method hostctl does
    not accept, a product id that is not a number, are refused in one sentence naming the
    entry (``ImportFileError``)."""
    import tomllib

    from hostctl.errors import ImportFileError

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ImportFileError(
            _("{file} is not valid TOML: {exc}.").format(file=name, exc=exc)
        ) from None
    unknown = sorted(set(document) - {"products", "domains", "gateways"})
    if unknown:
        raise ImportFileError(
            _(
                "{file} has an unknown section [{section}]; the sections are [products], "
                "[domains] and [gateways]."
            ).format(file=name, section=unknown[0])
        )
    sections: dict[str, dict[str, str]] = {}
    for section in ("products", "domains", "gateways"):
        entries = document.get(section, {})
        if not isinstance(entries, dict):
            raise ImportFileError(
                _("{file}: [{section}] must be a table of names and values.").format(
                    file=name, section=section
                )
            )
        for key, value in entries.items():
            if not isinstance(value, str):
                raise ImportFileError(
                    _(
                        '{file}: [{section}] "{key}" must be a text value ("" leaves it out).'
                    ).format(file=name, section=section, key=key)
                )
        sections[section] = {str(k).strip(): v.strip() for k, v in entries.items()}
    codes = {p.code: p for p in catalogue}
    products: dict[int, str] = {}
    for key, code in sections["products"].items():
        if not key.isdigit():
            raise ImportFileError(
                _('{file}: [products] "{key}" is not a WHMCS product id (a number).').format(
                    file=name, key=key
                )
            )
        if code and code not in codes:
            raise ImportFileError(
                _(
                    '{file}: [products] "{key}" = "{code}", but hostctl has no product {code}.'
                ).format(file=name, key=key, code=code)
            )
        if code and codes[code].category == DOMAIN_CATEGORY:
            raise ImportFileError(
                _(
                    '{file}: [products] "{key}" = "{code}" is a domain product; map domains under '
                    "[domains]."
                ).format(file=name, key=key, code=code)
            )
        products[int(key)] = code
    domains: dict[str, str] = {}
    for key, code in sections["domains"].items():
        tld = REST if key == REST else "." + key.strip(".").lower()
        if code and (code not in codes or codes[code].category != DOMAIN_CATEGORY):
            raise ImportFileError(
                _(
                    '{file}: [domains] "{key}" = "{code}", but hostctl has no domain product '
                    "{code}."
                ).format(file=name, key=key, code=code)
            )
        domains[tld] = code
    gateways: dict[str, str] = {}
    for key, method in sections["gateways"].items():
        if method and method not in methods:
            raise ImportFileError(
                _(
                    '{file}: [gateways] "{key}" = "{method}", but hostctl does not accept the '
                    "method {method} (payment.methods)."
                ).format(file=name, key=key, method=method)
            )
        gateways[key.lower()] = method
    return WhmcsMap(products, domains, gateways)
