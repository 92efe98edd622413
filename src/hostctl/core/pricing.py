"""Invoice lines for items and their discounts (rules §3).

* DSC-1 period discount by cycle, only for products with period discounts;
* DSC-2 volume discount by the client's active services;
* DSC-5 bundle: every 5 identical services ordered together, one is free — a line and its
  discount line — and the percentages apply to the paid units only;
* DSC-4 every percentage is computed on the list subtotal and each is its own line;
* DSC-8 no discount at all while the client has a service suspended for non-payment.

Each line is rounded half-up on its own; the invoice total is the exact sum of its lines.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal

from hostctl.core.cycles import CYCLE_MONTHS, CYCLE_NAMES_ES, period_end
from hostctl.core.money import Money

PERIOD_DISCOUNT = {"monthly": 0, "quarterly": 0, "semiannual": 6, "annual": 20, "biennial": 33}
VOLUME_TIERS = ((30, 50), (10, 40), (5, 25), (3, 10))  # (at least N active services, %)
BUNDLE_SIZE = 5


@dataclass
class Line:
    kind: str  # item | discount | fee | credit
    description: str
    amount: Money
    code: str | None = None
    service_id: int | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None


@dataclass
class Item:
    """One service (unit) to bill for one period."""

    service_id: int | None
    product_code: str
    product_name: str
    cycle: str
    monthly_price: Money
    period_discount: bool
    period_start: dt.date | None = None
    anchor_day: int | None = None
    domain: str | None = None

    @functools.cached_property
    def list_amount(self) -> Money:
        return self.monthly_price.times(CYCLE_MONTHS[self.cycle])

    def description(self) -> str:
        text = f"{self.product_name} — {CYCLE_NAMES_ES[self.cycle]}"
        if self.domain:
            text += f" ({self.domain})"
        return text


@dataclass
class Priced:
    lines: list[Line] = field(default_factory=list)

    def total(self, currency: str) -> Money:
        result = Money.zero(currency)
        for line in self.lines:
            result = result + line.amount
        return result


def volume_percent(active_services: int) -> int:
    for at_least, pct in VOLUME_TIERS:
        if active_services >= at_least:
            return pct
    return 0


def _pct(value: int | Decimal) -> str:
    text = f"{Decimal(value).normalize():f}"
    return f"{text} %"


def price_items(
    items: list[Item],
    currency: str,
    *,
    active_services: int,
    discounts_blocked: bool,
    bundle: bool,
) -> Priced:
    """Lines for ``items``: one item line each, then one line per discount."""
    priced = Priced()
    paid: list[Item] = []
    free: list[Item] = []
    if bundle and not discounts_blocked:
        groups: dict[tuple[str, str], list[Item]] = {}
        for item in items:
            groups.setdefault((item.product_code, item.cycle), []).append(item)
        for group in groups.values():
            n_free = len(group) // BUNDLE_SIZE
            free.extend(group[len(group) - n_free :] if n_free else [])
            paid.extend(group[: len(group) - n_free])
    else:
        paid = list(items)
    free_ids = {id(i) for i in free}
    for item in items:
        start = item.period_start
        end = period_end(start, item.cycle, item.anchor_day) if start else None
        priced.lines.append(
            Line("item", item.description(), item.list_amount, None, item.service_id, start, end)
        )
        if id(item) in free_ids:
            priced.lines.append(
                Line(
                    "discount",
                    f"Bonificación {BUNDLE_SIZE}x{BUNDLE_SIZE - 1}: {item.product_name} sin cargo",
                    -item.list_amount,
                    "bundle",
                    item.service_id,
                )
            )
    if discounts_blocked:
        return priced
    # DSC-1: one line per period-discount rate, on the paid units of eligible products.
    by_rate: dict[int, Money] = {}
    for item in paid:
        rate = PERIOD_DISCOUNT[item.cycle] if item.period_discount else 0
        if rate:
            by_rate[rate] = by_rate.get(rate, Money.zero(currency)) + item.list_amount
    for rate, subtotal in sorted(by_rate.items()):
        cycles = sorted({i.cycle for i in paid if PERIOD_DISCOUNT[i.cycle] == rate})
        names = "/".join(CYCLE_NAMES_ES[c] for c in cycles)
        priced.lines.append(
            Line(
                "discount",
                f"Descuento por pago {names} {_pct(rate)}",
                -subtotal.percent(rate),
                "period",
            )
        )
    # DSC-2: on the list subtotal of the paid units.
    rate = volume_percent(active_services)
    if rate and paid:
        subtotal = Money.zero(currency)
        for item in paid:
            subtotal = subtotal + item.list_amount
        priced.lines.append(
            Line(
                "discount",
                f"Descuento por volumen {_pct(rate)} ({active_services} servicios activos)",
                -subtotal.percent(rate),
                "volume",
            )
        )
    return priced


def list_subtotal_of_paid(lines: list[Line] | list[object]) -> Money | None:
    """Sum of item lines minus bundle lines: the base of every percentage (DSC-4)."""
    result: Money | None = None
    for line in lines:
        kind = getattr(line, "kind", None)
        code = getattr(line, "code", None)
        amount = getattr(line, "amount", None)
        if kind == "item" or (kind == "discount" and code == "bundle"):
            result = amount if result is None else result + amount  # type: ignore[operator]
    return result
