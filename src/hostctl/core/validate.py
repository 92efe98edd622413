"""Checks of what people type: emails, E.164 phones, countries, names."""

from __future__ import annotations

import re
from functools import lru_cache

from hostctl.errors import ValidationError

SUPPORT_PLANS = ("standard", "professional", "full")
CONTACT_RIGHTS = ("invoices", "tickets", "services", "account")
COUNTRY_CURRENCY = {"AR": "ARS", "UY": "UYU"}
# CLDR territories that are not ISO 3166-1 alpha-2 codes (reserved, user-assigned, groupings).
_NOT_ISO_3166 = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)


def email(raw: str) -> tuple[str, str]:
    """Return (email as given but trimmed, its uniqueness key: lower-cased)."""
    from email_validator import EmailNotValidError, validate_email

    value = (raw or "").strip()
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(f"The email {raw!r} is not valid: {exc}") from None
    return value, value.lower()


def phone(raw: str) -> str:
    """An E.164 phone (``+5491123456789``); national formats are refused."""
    import phonenumbers

    value = re.sub(r"[\s().-]", "", (raw or "").strip())
    if not value.startswith("+"):
        raise ValidationError(
            f"The phone {raw!r} must be in international E.164 form, e.g. +5491123456789."
        )
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(f"The phone {raw!r} is not a phone number.") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(f"The phone {raw!r} is not a valid number for its country code.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    from babel import Locale

    return frozenset(
        code
        for code in Locale("en").territories
        if re.fullmatch(r"[A-Z]{2}", code) and code not in _NOT_ISO_3166
    )


def country(raw: str) -> str:
    value = (raw or "").strip().upper()
    if value not in _countries():
        raise ValidationError(f"The country {raw!r} is not an ISO 3166 code such as AR, UY, CL.")
    return value


def support_plan(raw: str) -> str:
    value = (raw or "").strip().lower()
    if value not in SUPPORT_PLANS:
        raise ValidationError(f"The support plan {raw!r} is not one of {', '.join(SUPPORT_PLANS)}.")
    return value


def document_key(raw: str) -> str:
    """Uniqueness key of a tax/ID number: letters and digits only, upper-cased."""
    key = re.sub(r"[^0-9A-Za-z]", "", raw or "").upper()
    if not key:
        raise ValidationError(f"The document number {raw!r} has no letters or digits.")
    return key


def name(raw: str, what: str = "name") -> str:
    value = " ".join((raw or "").split())
    if not value:
        raise ValidationError(f"The {what} cannot be empty.")
    return value


def rights(raw: list[str] | str) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else raw
    result = sorted({r.strip().lower() for r in items if r.strip()})
    bad = [r for r in result if r not in CONTACT_RIGHTS]
    if bad:
        raise ValidationError(f"Unknown contact right {bad[0]!r}; use {', '.join(CONTACT_RIGHTS)}.")
    return result
