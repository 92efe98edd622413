"""Billing-cycle dates (hostctl.core.cycles): BIL-12 due dates, BIL-7 longer cycles.

Pure date arithmetic: no CLI, no database.
"""

from __future__ import annotations

import datetime as dt

import pytest

from hostctl.core.cycles import (
    CYCLE_MONTHS,
    CYCLE_NAMES_ES,
    add_months,
    lengthened,
    next_due,
    period_end,
)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_cycle_lengths_in_months_and_spanish_names():
    assert CYCLE_MONTHS == {
        "monthly": 1,
        "quarterly": 3,
        "semiannual": 6,
        "annual": 12,
        "biennial": 24,
    }
    assert CYCLE_NAMES_ES == {
        "monthly": "mensual",
        "quarterly": "trimestral",
        "semiannual": "semestral",
        "annual": "anual",
        "biennial": "bienal",
    }


# --------------------------------------------------------------------------- BIL-12
def test_BIL_12_due_dates_clamped_jan_31_feb_28_mar_31_never_drifting():
    due, seen = d("2026-01-31"), []
    for _ in range(13):
        due = next_due(due, "monthly", anchor_day=31)
        seen.append(due)
    assert seen == [
        d("2026-02-28"),
        d("2026-03-31"),
        d("2026-04-30"),
        d("2026-05-31"),
        d("2026-06-30"),
        d("2026-07-31"),
        d("2026-08-31"),
        d("2026-09-30"),
        d("2026-10-31"),
        d("2026-11-30"),
        d("2026-12-31"),
        d("2027-01-31"),
        d("2027-02-28"),
    ]


def test_BIL_12_without_the_anchor_a_clamped_date_would_drift():
    """Why the anchor is kept: from Feb 28 alone, one month later is Mar 28."""
    assert add_months(d("2026-02-28"), 1) == d("2026-03-28")
    assert add_months(d("2026-02-28"), 1, anchor_day=31) == d("2026-03-31")
    assert add_months(d("2026-02-28"), 1, anchor_day=30) == d("2026-03-30")


def test_BIL_12_the_day_of_month_is_kept_when_the_month_has_it():
    assert next_due(d("2026-01-15"), "monthly") == d("2026-02-15")
    assert next_due(d("2026-01-15"), "monthly", anchor_day=15) == d("2026-02-15")
    assert next_due(d("2026-03-30"), "monthly", anchor_day=30) == d("2026-04-30")


def test_BIL_12_leap_years_feb_29():
    assert next_due(d("2028-01-31"), "monthly", anchor_day=31) == d("2028-02-29")
    assert next_due(d("2028-02-29"), "annual", anchor_day=29) == d("2029-02-28")
    assert next_due(d("2029-02-28"), "annual", anchor_day=29) == d("2030-02-28")
    assert next_due(d("2028-02-29"), "biennial", anchor_day=29) == d("2030-02-28")
    assert next_due(d("2030-02-28"), "biennial", anchor_day=29) == d("2032-02-29")


@pytest.mark.parametrize(
    ("cycle", "due"),
    [
        ("monthly", "2026-12-31"),
        ("quarterly", "2027-02-28"),
        ("semiannual", "2027-05-31"),
        ("annual", "2027-11-30"),
        ("biennial", "2028-11-30"),
    ],
)
def test_BIL_12_each_cycle_across_the_year_end(cycle, due):
    assert next_due(d("2026-11-30"), cycle, anchor_day=31) == d(due)


def test_BIL_12_december_to_january_and_back():
    assert add_months(d("2026-12-31"), 1) == d("2027-01-31")
    assert add_months(d("2026-12-15"), 12) == d("2027-12-15")
    assert add_months(d("2026-01-31"), 11) == d("2026-12-31")
    assert add_months(d("2026-01-31"), -1) == d("2025-12-31")
    assert add_months(d("2026-03-31"), -1) == d("2026-02-28")


def test_BIL_12_a_period_ends_the_day_before_the_next_due_date():
    assert period_end(d("2026-01-31"), "monthly", anchor_day=31) == d("2026-02-27")
    assert period_end(d("2026-02-28"), "monthly", anchor_day=31) == d("2026-03-30")
    assert period_end(d("2026-03-01"), "monthly") == d("2026-03-31")
    assert period_end(d("2026-01-01"), "annual") == d("2026-12-31")
    assert period_end(d("2026-02-01"), "biennial") == d("2028-01-31")
    assert period_end(d("2026-08-31"), "semiannual", anchor_day=31) == d("2027-02-27")


# --------------------------------------------------------------------------- BIL-7
ALL = ["monthly", "quarterly", "semiannual", "annual", "biennial"]


@pytest.mark.parametrize(
    ("cycle", "allowed", "longer"),
    [
        ("monthly", ALL, "quarterly"),
        ("quarterly", ALL, "semiannual"),
        # not beyond semiannual
        ("semiannual", ALL, "semiannual"),
        ("annual", ALL, "annual"),
        ("biennial", ALL, "biennial"),
        # only within the product's allowed cycles (reseller: monthly, annual)
        ("monthly", ["monthly", "annual"], "monthly"),
        ("monthly", ["monthly", "semiannual", "annual"], "monthly"),
        ("quarterly", ["monthly", "quarterly", "annual"], "quarterly"),
        ("quarterly", ["quarterly", "semiannual"], "semiannual"),
        ("monthly", ["monthly", "quarterly"], "quarterly"),
        ("monthly", [], "monthly"),
    ],
)
def test_BIL_7_lengthened_one_step_within_the_allowed_cycles(cycle, allowed, longer):
    assert lengthened(cycle, allowed) == longer
