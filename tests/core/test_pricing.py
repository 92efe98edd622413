"""Invoice lines and discounts (hostctl.core.pricing, SPEC §3), with exact amounts.

Pure functions: no CLI, no database. Each SPEC rule has its test, named after it; the
combinations at the end pin mistakes a whole-suite run once let through (a 5-for-4 on renewal
invoices, free units in the volume or Zelle base, the wrong lines subtracted).
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from hostctl.core.money import Money
from hostctl.core.pricing import (
    BUNDLE_SIZE,
    PERIOD_DISCOUNT,
    VOLUME_TIERS,
    Item,
    Line,
    Priced,
    list_subtotal_of_paid,
    price_items,
    volume_percent,
)

NAMES = {
    "hosting": "Hosting Básico",
    "pro": "Hosting Pro",
    "domain": "Dominio .com",
    "radio": "Radio Streaming",
}


def usd(text: str) -> Money:
    return Money.parse(text, "USD")


def item(
    product: str = "hosting",
    cycle: str = "annual",
    monthly: str = "10.00",
    *,
    service_id: int | None = None,
    period_discount: bool | None = None,
    start: str | None = None,
    anchor_day: int | None = None,
    domain: str | None = None,
) -> Item:
    return Item(
        service_id=service_id,
        product_code=product,
        product_name=NAMES[product],
        cycle=cycle,
        monthly_price=usd(monthly),
        period_discount=product != "domain" if period_discount is None else period_discount,
        period_start=dt.date.fromisoformat(start) if start else None,
        anchor_day=anchor_day,
        domain=domain,
    )


def many(n: int, product: str = "hosting", cycle: str = "annual", first_id: int = 1, **kw):
    return [item(product, cycle, service_id=first_id + i, **kw) for i in range(n)]


def price(items, *, active=0, blocked=False, bundle=True) -> Priced:
    return price_items(
        items, "USD", active_services=active, discounts_blocked=blocked, bundle=bundle
    )


def rows(priced: Priced) -> list[tuple]:
    """(kind, description, amount, code, service id) of every line, in order."""
    return [
        (ln.kind, ln.description, ln.amount.to_json(), ln.code, ln.service_id)
        for ln in priced.lines
    ]


def total(priced: Priced) -> str:
    """The invoice total, checked to be the exact sum of its lines (BIL-3)."""
    summed = sum(ln.amount.minor for ln in priced.lines)
    assert priced.total("USD") == Money(summed, "USD")
    return priced.total("USD").to_json()


def hosting_line(sid: int | None, amount: str = "120.00", cycle: str = "anual") -> tuple:
    return ("item", f"Hosting Básico — {cycle}", amount, None, sid)


def bundle_line(sid: int | None, amount: str = "-120.00", name: str = "Hosting Básico") -> tuple:
    return ("discount", f"Bonificación 5x4: {name} sin cargo", amount, "bundle", sid)


def period_line(names: str, pct: int, amount: str) -> tuple:
    return ("discount", f"Descuento por pago {names} {pct} %", amount, "period", None)


def volume_line(pct: int, active: int, amount: str) -> tuple:
    return (
        "discount",
        f"Descuento por volumen {pct} % ({active} servicios activos)",
        amount,
        "volume",
        None,
    )


# --------------------------------------------------------------------------- items
def test_an_item_line_is_the_list_price_of_its_period_with_its_dates():
    one = item("domain", "annual", "1.25", service_id=7, start="2026-01-31", domain="ejemplo.com")
    assert one.list_amount == usd("15.00")
    priced = price([one])
    assert rows(priced) == [("item", "Dominio .com — anual (ejemplo.com)", "15.00", None, 7)]
    line = priced.lines[0]
    assert (line.period_start, line.period_end) == (dt.date(2026, 1, 31), dt.date(2027, 1, 30))


def test_item_period_end_keeps_the_anchor_day():
    one = item("radio", "monthly", "8.00", start="2026-02-28", anchor_day=31)
    line = price([one]).lines[0]
    assert (line.period_start, line.period_end) == (dt.date(2026, 2, 28), dt.date(2026, 3, 30))


def test_an_item_without_a_start_has_no_period():
    line = price([item()]).lines[0]
    assert (line.period_start, line.period_end) == (None, None)


def test_nothing_to_price_makes_no_line():
    assert price([], active=30).lines == []
    assert Priced().total("USD") == Money(0, "USD")


# --------------------------------------------------------------------------- DSC-1
def test_DSC_1_period_discount_rates():
    assert PERIOD_DISCOUNT == {
        "monthly": 0,
        "quarterly": 0,
        "semiannual": 6,
        "annual": 20,
        "biennial": 33,
    }


@pytest.mark.parametrize(
    ("cycle", "name", "list_amount", "discount", "to_pay"),
    [
        ("monthly", "mensual", "10.00", None, "10.00"),
        ("quarterly", "trimestral", "30.00", None, "30.00"),
        ("semiannual", "semestral", "60.00", ("semestral", 6, "-3.60"), "56.40"),
        ("annual", "anual", "120.00", ("anual", 20, "-24.00"), "96.00"),
        ("biennial", "bienal", "240.00", ("bienal", 33, "-79.20"), "160.80"),
    ],
)
def test_DSC_1_period_discounts(cycle, name, list_amount, discount, to_pay):
    priced = price([item("radio", cycle, "10.00", service_id=1)])
    expected = [("item", f"Radio Streaming — {name}", list_amount, None, 1)]
    if discount:
        expected.append(period_line(*discount))
    assert rows(priced) == expected
    assert total(priced) == to_pay


def test_DSC_1_no_period_discount_for_products_without_it():
    priced = price([item("domain", "annual", "1.25", service_id=1), item("hosting")])
    assert rows(priced) == [
        ("item", "Dominio .com — anual", "15.00", None, 1),
        hosting_line(None),
        period_line("anual", 20, "-24.00"),  # on the hosting only
    ]
    assert total(priced) == "111.00"


def test_DSC_1_one_line_per_rate_in_rate_order():
    priced = price(
        [
            item("hosting", "biennial", service_id=1),
            item("radio", "semiannual", "8.00", service_id=2),
            item("hosting", "annual", service_id=3),
            item("pro", "annual", "15.00", service_id=4),
            item("radio", "quarterly", "8.00", service_id=5),
        ]
    )
    assert rows(priced) == [
        hosting_line(1, "240.00", "bienal"),
        ("item", "Radio Streaming — semestral", "48.00", None, 2),
        hosting_line(3),
        ("item", "Hosting Pro — anual", "180.00", None, 4),
        ("item", "Radio Streaming — trimestral", "24.00", None, 5),
        period_line("semestral", 6, "-2.88"),
        period_line("anual", 20, "-60.00"),  # 20 % of 120 + 180, one line
        period_line("bienal", 33, "-79.20"),
    ]
    assert total(priced) == "469.92"


# --------------------------------------------------------------------------- DSC-2
def test_DSC_2_volume_tiers_table():
    assert VOLUME_TIERS == ((30, 50), (10, 40), (5, 25), (3, 10))


@pytest.mark.parametrize(
    ("active", "pct"),
    [(0, 0), (1, 0), (2, 0), (3, 10), (4, 10), (5, 25), (9, 25), (10, 40), (29, 40), (30, 50)],
)
def test_DSC_2_volume_tiers_at_their_edges(active, pct):
    assert volume_percent(active) == pct
    priced = price([item("radio", "monthly", "10.00", service_id=1)], active=active)
    expected = [("item", "Radio Streaming — mensual", "10.00", None, 1)]
    if pct:
        expected.append(volume_line(pct, active, f"-{pct / 10:.2f}"))
    assert rows(priced) == expected


def test_DSC_2_volume_beyond_the_last_tier():
    assert volume_percent(31) == 50
    assert volume_percent(500) == 50


# --------------------------------------------------------------------------- DSC-4
def test_DSC_4_percentages_each_on_the_list_subtotal_and_each_its_own_line():
    priced = price([item(service_id=1)], active=3)
    assert rows(priced) == [
        hosting_line(1),
        period_line("anual", 20, "-24.00"),
        volume_line(10, 3, "-12.00"),  # 10 % of 120.00, not of 96.00 (9.60)
    ]
    assert total(priced) == "84.00"
    # "annual (20 %) + Zelle (10 %) = 30 %": the method discount has the same base.
    base = list_subtotal_of_paid(priced.lines)
    assert base == usd("120.00")
    assert base.percent(10) == usd("12.00")


def test_DSC_4_each_line_rounded_half_up_on_its_own():
    # 10 % of 10.05 is 1.005 → 1.01; rounding the total instead would give 9.05.
    priced = price([item("radio", "quarterly", "3.35", service_id=1)], active=3)
    assert rows(priced) == [
        ("item", "Radio Streaming — trimestral", "10.05", None, 1),
        volume_line(10, 3, "-1.01"),
    ]
    assert total(priced) == "9.04"
    # 6 % of 20.10 = 1.206 → 1.21 and 25 % = 5.025 → 5.03 (half-even would say 5.02);
    # 31 % of the whole would be 6.231 → 6.23.
    priced = price([item("radio", "semiannual", "3.35", service_id=1)], active=5)
    assert rows(priced) == [
        ("item", "Radio Streaming — semestral", "20.10", None, 1),
        period_line("semestral", 6, "-1.21"),
        volume_line(25, 5, "-5.03"),
    ]
    assert total(priced) == "13.86"


def test_DSC_4_half_up_rounding_of_a_period_line():
    # 33 % of 240.24 = 79.2792 → 79.28; 33 % of 240.48 = 79.3584 → 79.36.
    assert rows(price([item("pro", "biennial", "10.01")]))[1] == period_line("bienal", 33, "-79.28")
    assert rows(price([item("pro", "biennial", "10.02")]))[1] == period_line("bienal", 33, "-79.36")


# --------------------------------------------------------------------------- DSC-5
def test_DSC_5_bundle_size():
    assert BUNDLE_SIZE == 5


def test_DSC_5_five_identical_one_free_line_and_its_discount_line():
    priced = price(many(5))
    assert rows(priced) == [
        hosting_line(1),
        hosting_line(2),
        hosting_line(3),
        hosting_line(4),
        hosting_line(5),
        bundle_line(5),  # right after the free unit's own line
        period_line("anual", 20, "-96.00"),  # on the 4 paid units only: 20 % of 480.00
    ]
    assert total(priced) == "384.00"
    free = priced.lines[5]
    assert (free.period_start, free.period_end) == (None, None)


def test_DSC_5_ten_identical_biennial_pay_eight_with_33_percent():
    priced = price(many(10, cycle="biennial", start="2026-02-01"))
    assert [r[0] for r in rows(priced)] == ["item"] * 9 + ["discount", "item"] + ["discount"] * 2
    assert rows(priced)[8:] == [
        hosting_line(9, "240.00", "bienal"),
        bundle_line(9, "-240.00"),
        hosting_line(10, "240.00", "bienal"),
        bundle_line(10, "-240.00"),
        period_line("bienal", 33, "-633.60"),  # 33 % of 8 × 240.00
    ]
    assert total(priced) == "1286.40"  # 8 × 240.00 × 0.67
    assert {(ln.period_start, ln.period_end) for ln in priced.lines if ln.kind == "item"} == {
        (dt.date(2026, 2, 1), dt.date(2028, 1, 31))
    }


@pytest.mark.parametrize(("n", "free"), [(1, 0), (4, 0), (5, 1), (9, 1), (10, 2), (14, 2), (15, 3)])
def test_DSC_5_one_free_in_every_five(n, free):
    priced = price(many(n))
    bundles = [r for r in rows(priced) if r[3] == "bundle"]
    assert bundles == [bundle_line(n - i) for i in reversed(range(free))]
    paid = n - free
    assert list_subtotal_of_paid(priced.lines) == usd("120.00").times(paid)
    assert rows(priced)[-1] == period_line("anual", 20, f"-{24 * paid}.00")


def test_DSC_5_not_across_different_cycles():
    priced = price([*many(3), *many(2, cycle="biennial", first_id=4)])
    assert not [r for r in rows(priced) if r[3] == "bundle"]
    assert total(priced) == "609.60"  # 360 − 72 + 480 − 158.40


def test_DSC_5_not_across_different_products():
    priced = price([*many(4), item("pro", monthly="15.00", service_id=5)])
    assert not [r for r in rows(priced) if r[3] == "bundle"]
    assert total(priced) == "528.00"  # (480 + 180) × 0.8


def test_DSC_5_each_group_of_five_identical_gets_its_own_free_unit():
    items = [*many(5), *many(5, "pro", first_id=6, monthly="15.00")]
    items = items[::2] + items[1::2]  # ordered mixed: the groups are by product and cycle
    priced = price(items)
    bundles = [r for r in rows(priced) if r[3] == "bundle"]
    assert bundles == [bundle_line(4), bundle_line(10, "-180.00", "Hosting Pro")]
    assert list_subtotal_of_paid(priced.lines) == usd("1200.00")  # 4 × 120 + 4 × 180
    assert rows(priced)[-1] == period_line("anual", 20, "-240.00")
    assert total(priced) == "960.00"


def test_DSC_5_no_bundle_when_bundle_false_which_renewals_use():
    priced = price(many(5), bundle=False, active=5)
    assert rows(priced) == [
        *(hosting_line(i) for i in range(1, 6)),
        period_line("anual", 20, "-120.00"),  # all five paid
        volume_line(25, 5, "-150.00"),
    ]
    assert total(priced) == "330.00"
    assert list_subtotal_of_paid(priced.lines) == usd("600.00")
    renewal = price(many(10, cycle="biennial"), bundle=False)
    assert not [r for r in rows(renewal) if r[3] == "bundle"]
    assert total(renewal) == "1608.00"  # 10 × 240.00 × 0.67


# --------------------------------------------------------------------------- DSC-8
def test_DSC_8_no_discount_at_all_when_blocked():
    priced = price(many(5), active=30, blocked=True)
    assert rows(priced) == [hosting_line(i) for i in range(1, 6)]  # no bundle, period, volume
    assert total(priced) == "600.00"
    assert list_subtotal_of_paid(priced.lines) == usd("600.00")
    renewal = price(many(1), active=30, blocked=True, bundle=False)
    assert rows(renewal) == [hosting_line(1)]


# --------------------------------------------------------------------------- combinations
def test_bundle_volume_and_period_discount_on_one_invoice():
    priced = price(many(5), active=5)
    assert rows(priced)[5:] == [
        bundle_line(5),
        period_line("anual", 20, "-96.00"),
        volume_line(25, 5, "-120.00"),  # 25 % of the 4 paid units (480.00), not of 600.00
    ]
    assert total(priced) == "264.00"
    base = list_subtotal_of_paid(priced.lines)
    assert base == usd("480.00")  # the Zelle base: paid units only
    assert base.percent(10) == usd("48.00")


def test_several_services_on_one_invoice():
    items = [
        *many(3),
        item("domain", "annual", "1.25", service_id=4, domain="uno.com"),
        *many(3, first_id=5),
        item("pro", "biennial", "15.00", service_id=8),
        item("radio", "quarterly", "8.35", service_id=9),
        item("radio", "quarterly", "8.35", service_id=10),
        item("radio", "semiannual", "8.35", service_id=11),
    ]
    priced = price(items, active=3)
    assert rows(priced) == [
        hosting_line(1),
        hosting_line(2),
        hosting_line(3),
        ("item", "Dominio .com — anual (uno.com)", "15.00", None, 4),
        hosting_line(5),
        hosting_line(6),
        hosting_line(7),
        bundle_line(7),
        ("item", "Hosting Pro — bienal", "360.00", None, 8),
        ("item", "Radio Streaming — trimestral", "25.05", None, 9),
        ("item", "Radio Streaming — trimestral", "25.05", None, 10),
        ("item", "Radio Streaming — semestral", "50.10", None, 11),
        period_line("semestral", 6, "-3.01"),  # 3.006
        period_line("anual", 20, "-120.00"),  # 5 paid hosting, not the domain
        period_line("bienal", 33, "-118.80"),
        volume_line(10, 3, "-107.52"),  # 10 % of 1075.20: every paid unit, domain included
    ]
    assert total(priced) == "725.87"
    assert list_subtotal_of_paid(priced.lines) == usd("1075.20")


# --------------------------------------------------------------------------- the method base
def test_list_subtotal_of_paid_is_the_items_less_the_free_units():
    lines = [
        Line("fee", "Cargo por restauración del servicio", usd("100.00"), "restoration", 1),
        Line("item", "Hosting Básico — anual", usd("120.00"), None, 1),
        Line("item", "Hosting Básico — anual", usd("120.00"), None, 2),
        Line("discount", "Bonificación 5x4", usd("-120.00"), "bundle", 2),
        Line("discount", "Descuento por pago anual 20 %", usd("-24.00"), "period"),
        Line("discount", "Descuento por volumen 10 %", usd("-12.00"), "volume"),
        Line("discount", "2×1", usd("-7.00"), "two_for_one"),
        Line("discount", "Zelle", usd("-3.00"), "method"),
        Line("credit", "Crédito aplicado", usd("-50.00"), "bundle"),
    ]
    assert list_subtotal_of_paid(lines) == usd("120.00")


def test_list_subtotal_of_paid_reads_any_line_like_object():
    """billing passes the stored invoice lines rebuilt as objects with kind, code, amount."""
    lines = [
        SimpleNamespace(kind="discount", code="bundle", amount=usd("-10.00")),
        SimpleNamespace(kind="item", code=None, amount=usd("30.00")),
        SimpleNamespace(kind="discount", code="period", amount=usd("-6.00")),
    ]
    assert list_subtotal_of_paid(lines) == usd("20.00")


def test_list_subtotal_of_paid_skips_objects_without_those_attributes():
    lines = [SimpleNamespace(kind="item", amount=usd("30.00")), SimpleNamespace(note="x")]
    assert list_subtotal_of_paid(lines) == usd("30.00")


def test_list_subtotal_of_paid_without_items_is_none():
    assert list_subtotal_of_paid([]) is None
    fee = Line("fee", "Cargo administrativo", usd("25.00"), "chargeback")
    assert list_subtotal_of_paid([fee]) is None
