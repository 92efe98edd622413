"""The catalogue: products, prices per currency, cycles and activation (rules §2)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from hostctl.core import audit, validate
from hostctl.core.context import Context
from hostctl.core.money import Money, check_currency
from hostctl.core.validate import one_of
from hostctl.errors import BusinessRuleError, ImportFileError, NotFoundError, ValidationError
from hostctl.i18n import N_, _, localize, ngettext
from hostctl.models import Product, ProductPrice

CATEGORIES = (
    "hosting",
    "reseller",
    "vps",
    "domain",
    "streaming",
    "website",
    "app",
    "webmaster",
    "email-marketing",
    "community-manager",
    "other",
)
CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12, "biennial": 24}
CYCLES = tuple(CYCLE_MONTHS)
ACTIVATIONS = ("instant", "manual")
# CAN-3: never refunded — domains, app development, streaming.
NON_REFUNDABLE_CATEGORIES = ("domain", "app", "streaming")


@dataclass
class ProductInput:
    code: str
    name: str
    category: str
    cycles: list[str]
    prices: dict[str, Money]
    activation: str = "instant"
    activation_days: int = 0
    requirement: str | None = None
    period_discount: bool = True
    refundable: bool = True
    upgrade_to: list[str] = field(default_factory=list)
    free_domain: str | None = None
    panel_package: str | None = None  # the package on the servers' panels (SRV-2)


def parse_cycles(raw: list[str] | str) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    names = {c.strip().lower() for c in items if c.strip()}
    bad = sorted(names - set(CYCLES))
    if bad:
        raise ValidationError(
            _("Unknown billing cycle {bad!r}; use {cycles}.").format(
                bad=bad[0], cycles=", ".join(CYCLES)
            )
        )
    if not names:
        raise ValidationError(_("A product needs at least one billing cycle."))
    return [c for c in CYCLES if c in names]


def check_cycle(raw: str) -> str:
    value = (raw or "").strip().lower()
    if value not in CYCLE_MONTHS:
        raise ValidationError(
            _("Unknown billing cycle {raw!r}; use {cycles}.").format(
                raw=raw, cycles=", ".join(CYCLES)
            )
        )
    return value


def validate_product(data: ProductInput) -> ProductInput:
    code = data.code.strip().lower()
    if not code or not all(ch.isalnum() or ch in "-_." for ch in code):
        raise ValidationError(
            _("The product code {code!r} may use only letters, digits, '-', '_' and '.'.").format(
                code=data.code
            )
        )
    data.code = code
    if not data.name.strip():
        raise ValidationError(_("The product name cannot be empty."))
    data.name = validate.name(data.name, N_("product name"))
    data.category = (data.category or "").strip().lower()
    data.activation = (data.activation or "").strip().lower()
    if data.category not in CATEGORIES:
        raise ValidationError(
            _("Unknown category {category!r}; use one of {categories}.").format(
                category=data.category, categories=", ".join(CATEGORIES)
            )
        )
    data.cycles = parse_cycles(data.cycles)
    if data.category == "hosting" and "monthly" in data.cycles:
        raise BusinessRuleError(
            _("Shared hosting cannot be billed monthly (Terms §3a: semiannual or annual).")
        )
    if data.category == "domain" and data.cycles != ["annual"]:
        raise BusinessRuleError(_("Domains are billed annually only: use --cycles annual."))
    if data.activation not in ACTIVATIONS:
        raise ValidationError(
            _("Unknown activation {activation!r}; use instant or manual.").format(
                activation=data.activation
            )
        )
    if data.activation == "manual" and data.activation_days < 1:
        raise ValidationError(_("A manual product needs its lead time: --activation-days N (≥ 1)."))
    if data.activation == "instant" and data.activation_days:
        raise ValidationError(
            _(
                "An instant product has no lead time; use --activation manual with "
                "--activation-days N."
            )
        )
    if not data.prices:
        raise ValidationError(_("A product needs a monthly price in at least one currency."))
    for money in data.prices.values():
        if money.is_negative():
            raise ValidationError(_("A price cannot be negative."))
    if data.category == "domain":
        data.period_discount = False
    if data.category in NON_REFUNDABLE_CATEGORIES:
        data.refundable = False
    if data.requirement is not None:
        data.requirement = " ".join(data.requirement.split()) or None
    if data.requirement is not None:
        validate.text(data.requirement, N_("requirement"))
    data.upgrade_to = sorted({u.strip().lower() for u in data.upgrade_to if u.strip()})
    if code in data.upgrade_to:
        raise ValidationError(_("A product cannot be an upgrade of itself."))
    data.free_domain = (data.free_domain or "").strip().lower() or None
    if data.free_domain and data.category != "hosting":
        raise BusinessRuleError(_("Only a hosting plan includes a free domain (--free-domain)."))
    data.panel_package = check_package(data.panel_package)
    return data


PACKAGE_MAX = 200


def check_package(raw: str | None) -> str | None:
    """A panel package name (SRV-2; WHM packages may have spaces and a reseller prefix)."""
    value = " ".join((raw or "").split())
    if not value:
        return None
    if len(value) > PACKAGE_MAX or not value.isprintable():
        raise ValidationError(
            _("The panel package {package!r} is not a package name.").format(package=raw)
        )
    return value


def parse_prices(
    items: list[str], default_currency: str, *, language: str | None = None
) -> dict[str, Money]:
    """``["5.00", "ARS=5000"]`` → {USD: 5.00, ARS: 5000.00} (bare amounts use the default;
    amounts as typed in the session's ``language``, ``Money.parse``)."""
    prices: dict[str, Money] = {}
    for item in items:
        if "=" in item:
            cur, amount = item.split("=", 1)
        else:
            cur, amount = default_currency, item
        cur = check_currency(cur)
        prices[cur] = Money.parse(amount, cur, language=language)
    return prices


def get_product(session: Session, code: str) -> Product:
    product = session.get(Product, (code or "").strip().lower())
    if product is None:
        raise NotFoundError(
            _("There is no product {code!r}; `hostctl product list` shows them.").format(code=code)
        )
    return product


def prices_of(session: Session, code: str) -> dict[str, Money]:
    rows = session.exec(select(ProductPrice).where(ProductPrice.product_code == code)).all()
    return {r.currency: Money(r.monthly_minor, r.currency) for r in rows}


def billed_currencies(session: Session) -> list[str]:
    """The currencies the company bills in: those of the catalogue's prices, sorted (none
    while the catalogue is empty)."""
    from sqlmodel import col

    stmt = select(ProductPrice.currency).distinct().order_by(col(ProductPrice.currency))
    return list(session.exec(stmt).all())


def monthly_price(session: Session, product: Product, currency: str) -> Money:
    row = session.get(ProductPrice, (product.code, currency))
    if row is None:
        raise BusinessRuleError(
            _(
                "Product {product_code} has no price in {currency}; add one with `hostctl "
                "product edit {product_code} --monthly-price {currency}=AMOUNT`."
            ).format(product_code=product.code, currency=currency)
        )
    return Money(row.monthly_minor, currency)


def product_cycles(product: Product) -> list[str]:
    return [c for c in product.cycles.split(",") if c]


def _check_upgrades(session: Session, data: ProductInput, pending: dict[str, str]) -> None:
    if data.free_domain:
        category = pending.get(data.free_domain)
        if category is None:
            other = session.get(Product, data.free_domain)
            if other is None:
                raise ValidationError(
                    _("The free domain {free_domain!r} is not a product.").format(
                        free_domain=data.free_domain
                    )
                )
            category = other.category
        if category != "domain":
            raise BusinessRuleError(
                _("The free domain {free_domain} is not a domain product.").format(
                    free_domain=data.free_domain
                )
            )
    for target in data.upgrade_to:
        category = pending.get(target)
        if category is None:
            other = session.get(Product, target)
            if other is None:
                raise ValidationError(
                    _("The upgrade target {target!r} is not a product.").format(target=target)
                )
            category = other.category
        if category != data.category:
            raise BusinessRuleError(
                _("{code} cannot upgrade to {target}: upgrades stay within one category.").format(
                    code=data.code, target=target
                )
            )


def _write(session: Session, ctx: Context, data: ProductInput) -> tuple[Product, bool]:
    product = session.get(Product, data.code)
    created = product is None
    before = product_fields(product, prices_of(session, data.code)) if product else {}
    if product is None:
        product = Product(
            code=data.code,
            name=data.name,
            category=data.category,
            cycles="",
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    product.name = data.name
    product.category = data.category
    product.cycles = ",".join(data.cycles)
    product.activation = data.activation
    product.activation_days = data.activation_days
    product.requirement = data.requirement
    product.period_discount = data.period_discount
    product.refundable = data.refundable
    product.upgrade_to = ",".join(data.upgrade_to)
    product.free_domain = data.free_domain
    product.panel_package = data.panel_package
    product.updated_at = ctx.now
    session.add(product)
    session.flush()
    for currency, money in data.prices.items():
        row = session.get(ProductPrice, (data.code, currency))
        if row is None:
            session.add(
                ProductPrice(product_code=data.code, currency=currency, monthly_minor=money.minor)
            )
        else:
            row.monthly_minor = money.minor
            session.add(row)
    session.flush()
    after = product_fields(product, prices_of(session, data.code))
    changes = after if created else audit.diff(before, after)
    if changes:
        audit.record(
            session,
            ctx,
            "product.add" if created else "product.edit",
            "product",
            data.code,
            changes,
        )
    return product, created


def product_fields(product: Product, prices: dict[str, Money]) -> dict[str, Any]:
    package = {"panel_package": product.panel_package} if product.panel_package else {}
    return {
        **package,
        "name": product.name,
        "category": product.category,
        "cycles": product.cycles,
        "activation": product.activation,
        "activation_days": product.activation_days,
        "requirement": product.requirement,
        "period_discount": product.period_discount,
        "refundable": product.refundable,
        "upgrade_to": product.upgrade_to,
        "free_domain": product.free_domain,
        "monthly_price": {c: m.to_json() for c, m in sorted(prices.items())},
    }


def add_product(session: Session, ctx: Context, data: ProductInput) -> Product:
    data = validate_product(data)
    if session.get(Product, data.code) is not None:
        raise BusinessRuleError(
            _("Product {code} already exists; change it with `hostctl product edit`.").format(
                code=data.code
            )
        )
    _check_upgrades(session, data, {})
    product, _created = _write(session, ctx, data)
    return product


def edit_product(session: Session, ctx: Context, code: str, **changes: Any) -> Product:
    """Change fields of a product. New prices apply from the next invoice (CAT-4)."""
    product = get_product(session, code)
    prices = prices_of(session, product.code)
    prices.update(changes.pop("prices", None) or {})
    data = ProductInput(
        code=product.code,
        name=product.name,
        category=product.category,
        cycles=product_cycles(product),
        prices=prices,
        activation=product.activation,
        activation_days=product.activation_days,
        requirement=product.requirement,
        period_discount=product.period_discount,
        refundable=product.refundable,
        upgrade_to=[u for u in product.upgrade_to.split(",") if u],
        free_domain=product.free_domain,
        panel_package=product.panel_package,
    )
    for key, value in changes.items():
        if value is not None:
            setattr(data, key, value)
    data = validate_product(data)
    _check_upgrades(session, data, {})
    product, _created = _write(session, ctx, data)
    return product


def product_choices(session: Session) -> list[tuple[str, str]]:
    """Every product as (code, "code — name"): what a prompt for a product code offers."""
    return [(p.code, f"{p.code} — {p.name}") for p in list_products(session)]


def priced_products(session: Session, currency: str) -> list[tuple[Product, Money | None]]:
    """Every product (by category, then code) with its monthly price in ``currency``, or
    ``None`` where it has none: what the product picker shows for a client billed in it."""
    prices = {
        row.product_code: Money(row.monthly_minor, currency)
        for row in session.exec(select(ProductPrice).where(ProductPrice.currency == currency))
    }
    return [(p, prices.get(p.code)) for p in list_products(session)]


def cycles_of(session: Session, code: str) -> list[str]:
    """The billing cycles of product ``code`` (refused when there is no such product)."""
    return product_cycles(get_product(session, code))


def list_products(session: Session, *, category: str | None = None) -> list[Product]:
    stmt = select(Product)
    if category:
        category = one_of(category, CATEGORIES, "category")
        stmt = stmt.where(Product.category == category)
    return list(session.exec(stmt.order_by(col(Product.category), col(Product.code))).all())


def import_products(session: Session, ctx: Context, path: Path) -> tuple[int, int]:
    """Add or update every product of a TOML file, all or nothing. Returns (added, updated)."""
    from hostctl.core import reading

    name = reading.shown_name(path)
    try:
        document = tomllib.loads(reading.read_text(path, reading.IMPORT_BYTES))
    except tomllib.TOMLDecodeError as exc:
        raise ImportFileError(
            _("{file} is not valid TOML: {exc}.").format(file=name, exc=exc)
        ) from None
    # Every string of the file, whatever its key: no control character (a TOML "\u001b"
    # is one), no direction override, not longer than its field.
    refused = [f"{key}: {why}" for key, why in validate.document_strings(document)]
    if refused:
        raise ImportFileError(
            ngettext(
                "{file} was not imported: {count} problem(s).",
                "{file} was not imported: {count} problem(s).",
                len(refused),
            ).format(file=name, count=len(refused)),
            details=refused[:50],
        )
    entries = document.get("product")
    if not isinstance(entries, list) or not entries:
        raise ImportFileError(_("{file} has no [[product]] tables.").format(file=name))
    errors: list[str] = []
    parsed: list[ProductInput] = []
    for index, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            errors.append(_("product {index}: not a [[product]] table.").format(index=index))
            continue
        label = f"product {index} ({entry.get('code', '?')})"
        try:
            parsed.append(_from_toml(entry))
        except (ValidationError, BusinessRuleError) as exc:
            errors.append(f"{label}: {exc.message}")
        except (TypeError, ValueError, AttributeError) as exc:
            errors.append(f"{label}: {exc}")
    codes = [p.code for p in parsed]
    for code in {c for c in codes if codes.count(c) > 1}:
        errors.append(_("product {code}: defined more than once.").format(code=code))
    pending = {p.code: p.category for p in parsed}
    for data in parsed:
        try:
            _check_upgrades(session, data, pending)
        except (ValidationError, BusinessRuleError) as exc:
            errors.append(
                _("product {code}: {exc_message}").format(code=data.code, exc_message=exc.message)
            )
    if errors:
        raise ImportFileError(
            ngettext(
                "{file} was not imported: {count} problem(s).",
                "{file} was not imported: {count} problem(s).",
                len(errors),
            ).format(file=name, count=len(errors)),
            details=errors,
        )
    added = updated = 0
    for data in parsed:  # products first, so upgrade paths may point forward in the file
        _product, created = _write(session, ctx, data)
        added += created
        updated += not created
    return added, updated


_TOML_KEYS = {
    "code",
    "name",
    "category",
    "cycles",
    "monthly_price",
    "activation",
    "activation_days",
    "requirement",
    "period_discount",
    "refundable",
    "upgrade_to",
    "free_domain",
    "panel_package",
}


def _from_toml(entry: dict[str, Any]) -> ProductInput:
    unknown = sorted(set(entry) - _TOML_KEYS)
    if unknown:
        raise ValidationError(_("unknown key {unknown!r}").format(unknown=unknown[0]))
    for key in ("code", "name", "category", "cycles", "monthly_price"):
        if key not in entry:
            raise ValidationError(_("missing key {key!r}").format(key=key))
    prices_raw = entry["monthly_price"]
    if not isinstance(prices_raw, dict):
        raise ValidationError(_('monthly_price must be a table such as { USD = "5.00" }'))
    prices = {}
    for cur, amount in prices_raw.items():
        if not isinstance(amount, str):
            raise ValidationError(
                _('the price in {cur} must be a string such as "5.00"').format(cur=cur)
            )
        cur = check_currency(cur)
        prices[cur] = Money.parse(amount, cur)
    data = ProductInput(
        code=_typed(entry, "code", str, N_("a string")),
        name=_typed(entry, "name", str, N_("a string")),
        category=_typed(entry, "category", str, N_("a string")),
        cycles=_string_list(entry, "cycles"),
        prices=prices,
        activation=_typed(entry, "activation", str, N_("a string"), "instant"),
        activation_days=_typed(entry, "activation_days", int, N_("a whole number"), 0),
        requirement=_typed(entry, "requirement", str, N_("a string"), None),
        period_discount=_typed(entry, "period_discount", bool, N_("true or false"), True),
        refundable=_typed(entry, "refundable", bool, N_("true or false"), True),
        upgrade_to=_string_list(entry, "upgrade_to") if "upgrade_to" in entry else [],
        free_domain=_typed(entry, "free_domain", str, N_("a product code"), None),
        panel_package=_typed(entry, "panel_package", str, N_("a string"), None),
    )
    return validate_product(data)


_MISSING = object()


def _typed(entry: dict[str, Any], key: str, kind: type, what: str, default: Any = _MISSING) -> Any:
    value = entry.get(key, default)
    if value is _MISSING:
        raise ValidationError(_("missing key {key!r}").format(key=key))
    if value is default:
        return value
    # bool is an int in Python: an activation_days = true must not pass as 1.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValidationError(
            _("{key} must be {what}, not {value!r}").format(
                key=key, what=localize(what), value=value
            )
        )
    return value


def _string_list(entry: dict[str, Any], key: str) -> list[str]:
    value = entry.get(key)
    if isinstance(value, str):
        return value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(
            _('{key} must be a list of strings such as ["annual"]').format(key=key)
        )
    return value
