"""Checks of what people type: emails, E.164 phones, domains, countries, names, plain text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from hostctl.errors import ValidationError
from hostctl.i18n import N_, _, localize

SUPPORT_PLANS = ("standard", "professional", "full")
CONTACT_RIGHTS = ("invoices", "tickets", "services", "account")
COUNTRY_CURRENCY = {"AR": "ARS", "UY": "UYU"}
# CLDR territories that are not ISO 3166-1 alpha-2 codes (reserved, user-assigned, groupings).
_NOT_ISO_3166 = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)


# What no text hostctl keeps may hold: C0 control characters (NUL included: PostgreSQL
# refuses it) other than tab and line breaks, DEL, and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The bidirectional embeddings, overrides and isolates (LRE … RLO, LRI … PDI): invisible,
# they reorder what a terminal, a PDF or a spreadsheet shows ("Trojan Source").
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# Python decodes bytes that are not UTF-8 (in argv, in the environment) to lone surrogates.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_SHOWN = 60  # characters of a refused value quoted in a message

# The most characters a text of each kind may have (docs/decisions.md, "Inputs"): a name
# (of a client, contact, company, product) fits a line of an invoice, an email fits RFC
# 5321, a subject a line of a list; a message, a reason or a note is a few pages at most.
# Any argument is at most MESSAGE_MAX; a CSV cell at most CELL_MAX.
NAME_MAX = 200
EMAIL_MAX = 254
SUBJECT_MAX = 200
LINE_MAX = 1000  # a one-line text: a requirement, a domain, a document number, a CSV cell
MESSAGE_MAX = 10_000
CELL_MAX = LINE_MAX
ARGUMENT_MAX = MESSAGE_MAX
# What each named field may hold, where it is not LINE_MAX (CSV columns, TOML keys).
FIELD_MAX = {
    "name": NAME_MAX,
    "company": NAME_MAX,
    "email": EMAIL_MAX,
    "client_email": EMAIL_MAX,
    "subject": SUBJECT_MAX,
    "message": MESSAGE_MAX,
    "description": MESSAGE_MAX,
}

# Ids, counts and limits are integer columns (32-bit on PostgreSQL): beyond this no row is.
LARGEST_ID = 2**31 - 1


def id_can_exist(number: int) -> bool:
    """Whether a row can have the id ``number`` (a bigger one would fail in the driver)."""
    return -LARGEST_ID - 1 <= number <= LARGEST_ID


def _shown(raw: str) -> str:
    """``raw`` quoted for a message: escapes instead of controls and undecodable bytes."""
    if _SURROGATE.search(raw):
        raw = raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        clipped = raw[:_SHOWN] + ("…" if len(raw) > _SHOWN else "")
        return f"'{clipped}'"
    clipped = raw[:_SHOWN] + ("…" if len(raw) > _SHOWN else "")
    return repr(clipped)


def text_problem(raw: str, limit: int | None = None) -> str | None:
    """Why ``raw`` cannot be stored as text (as the end of a sentence), or None: not UTF-8,
    a control character, a bidirectional override, or (with ``limit``) too long. The one
    check of human text, whichever way it comes in (arguments, CSV, TOML)."""
    if _SURROGATE.search(raw):
        return _("is not valid UTF-8 text")
    found = _CONTROL.search(raw)
    if found:
        return _(
            "contains the control character U+{code:04X}; only tab and line breaks are "
            "allowed in text"
        ).format(code=ord(found.group()))
    found = _BIDI.search(raw)
    if found:
        return _(
            "contains the invisible direction control U+{code:04X}, which changes how text "
            "is shown; remove it"
        ).format(code=ord(found.group()))
    if limit is not None and len(raw) > limit:
        return _("is {length} characters long; the most allowed is {limit}").format(
            length=len(raw), limit=limit
        )
    return None


def text(raw: str, what: str, limit: int = LINE_MAX) -> str:
    """Free text from outside (a reason, a message, a note) as hostctl keeps it: refused
    in one sentence if ``text_problem`` finds anything (``what`` names it: ``N_`` text)."""
    problem = text_problem(raw, limit)
    if problem:
        raise ValidationError(
            _("The {what} {value} {problem}.").format(
                what=localize(what), value=_shown(raw), problem=problem
            )
        )
    return raw


def document_strings(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string of a parsed document (TOML, JSON) with its dotted key, and the problem
    ``text_problem`` finds in it, for a document read from a file: (key, problem)."""
    if isinstance(value, str):
        key = where.rsplit(".", 1)[-1]
        problem = text_problem(value, FIELD_MAX.get(key, LINE_MAX))
        if problem:
            yield where, problem
    elif isinstance(value, dict):
        for key, item in value.items():
            problem = text_problem(str(key), LINE_MAX)
            if problem:
                yield (f"{where}.{key}" if where else str(key)), problem
            yield from document_strings(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value, 1):
            yield from document_strings(item, f"{where}[{index}]")


def argument(raw: str, what: str = N_("argument")) -> str:
    """A command-line argument (or environment value): valid UTF-8 without control
    characters or direction overrides, at most ``ARGUMENT_MAX`` characters (``cli.py``
    checks every argument with this before any command runs)."""
    return text(raw, what, ARGUMENT_MAX)


def email(raw: str) -> tuple[str, str]:
    """Return (email as given but trimmed, its uniqueness key: lower-cased)."""
    from email_validator import EmailNotValidError, validate_email

    value = (raw or "").strip()
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationError(
            _("The email {raw!r} is not valid: {why}.").format(raw=raw, why=_email_problem(exc))
        ) from None
    return value, value.lower()


def _email_problem(exc: Exception) -> str:
    """What is wrong with an email, in our words (email_validator's are English only)."""
    said = str(exc)
    found = re.search(r"invalid characters?(?: before the @-sign)?: (.+?)\.?$", said)
    if "before the @-sign:" in said and found:
        return _("it has characters not allowed before the @: {chars}").format(chars=found.group(1))
    if "invalid character" in said and found:
        return _("it has characters not allowed: {chars}").format(chars=found.group(1))
    for clue, text in (
        ("must have an @-sign", N_("it has no @")),
        ("something after the @-sign", N_("there is nothing after the @")),
        ("something before the @-sign", N_("there is nothing before the @")),
        ("should have a period", N_("the part after the @ has no dot, as in name@example.com")),
        ("two periods in a row", N_("it has two dots in a row")),
        ("period", N_("a dot cannot go next to the @ nor at either end")),
        ("hyphen", N_("a part of the domain cannot start or end with a hyphen")),
        ("too long", N_("it is too long")),
    ):
        if clue in said:
            return localize(text)
    return _("write it as name@example.com")


def phone(raw: str, country: str | None = None) -> str:
    """A phone as E.164 (``+5491123456789``): given in international form (``+54 9 11
    2345-6789``, ``0054…``), or in the national form of ``country`` (the client's ISO code:
    ``11 5555-0001`` in AR is ``+541155550001``), as the ``phonenumbers`` library reads it."""
    import phonenumbers

    value = re.sub(r"[\s().-]", "", (raw or "").strip())
    if value.startswith("00") and value[2:].isdigit():
        value = "+" + value[2:]
    if not value.startswith("+") and not country:
        raise ValidationError(
            _(
                "The phone {raw!r} must be in international E.164 form, e.g. +5491123456789, "
                "or the client needs a country to read it as a national number."
            ).format(raw=raw)
        )
    region = None if value.startswith("+") else country
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("The phone {raw!r} is not a phone number.").format(raw=raw)
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        if region:
            raise ValidationError(
                _("The phone {raw!r} is not a valid number of {country}.").format(
                    raw=raw, country=region
                )
            )
        raise ValidationError(
            _("The phone {raw!r} is not a valid number for its country code.").format(raw=raw)
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# A plain ASCII label (letters, digits, inner hyphens; not ``xn--``-like): no IDNA needed.
_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
MAX_LABEL = 63  # octets of one label of a domain name (RFC 1035), in its A-label form
MAX_DOMAIN = 253  # octets of a whole name, without the final dot


@lru_cache(maxsize=1)
def _public_suffixes() -> Any:
    """The public suffix list the ``publicsuffixlist`` package ships (never fetched), ICANN
    section only (the registries' suffixes), unknown TLDs refused. Built once: ~0.1 s."""
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList(only_icann=True, accept_unknown=False)


def _domain_problem(value: str) -> str:
    """Why ``value`` (trimmed, lower-cased) is not an IDNA name, as the end of a sentence."""
    if "/" in value or ":" in value:
        return _("give the name alone, without https:// or a path")
    labels = value.split(".")
    if any(not label for label in labels):
        return _("it has an empty label (two dots, or a dot at the start)")
    if any(label.startswith("-") or label.endswith("-") for label in labels):
        return _("a label cannot start or end with a hyphen")
    if any(label.startswith("xn--") for label in labels):
        return _("a label that starts with xn-- is not valid punycode")
    if any(label[2:4] == "--" for label in labels):
        return _("a label cannot have hyphens as its third and fourth characters")
    if any(_ascii_length(label) > MAX_LABEL for label in labels):
        return _("a label is longer than {max_label} characters").format(max_label=MAX_LABEL)
    return _("it has a character a domain name cannot have")


def _ascii_length(label: str) -> int:
    """The length of ``label`` in its ASCII form (``xn--`` and punycode when not ASCII)."""
    return len(label) if label.isascii() else 4 + len(label.encode("punycode"))


def domain(raw: str) -> str:
    """A domain name as hostctl keeps it: lower-case, in its Unicode form (U-labels:
    ``peñarol.uy``, also when typed ``xn--pearol-xwa.uy`` or ``Peñarol.UY``), without a
    final dot. Refused unless it is a name under IDNA (UTS 46 mapping, STD3 rules: letters,
    digits and inner hyphens), each label at most 63 octets and the whole at most 253 in its
    ASCII form, with a registrable part under a known public suffix (``example.com.ar``,
    ``tienda.example.com``; not ``com.ar`` itself, nor ``example.local``)."""
    value = (raw or "").strip().lower()
    if value.endswith("."):
        value = value[:-1]
    if not value:
        raise ValidationError(_("The domain cannot be empty."))
    labels = value.split(".")
    if all(_LDH_LABEL.fullmatch(label) and label[2:4] != "--" for label in labels):
        ascii_name = shown = value  # the plain ASCII name of nearly every order
    else:
        import idna

        try:
            ascii_name = idna.encode(value, uts46=True, std3_rules=True).decode("ascii")
            shown = idna.decode(ascii_name)
        except (idna.IDNAError, UnicodeError):
            raise ValidationError(
                _("The domain {raw} is not a domain name: {why}.").format(
                    raw=_shown(raw), why=_domain_problem(value)
                )
            ) from None
    if any(len(label) > MAX_LABEL for label in ascii_name.split(".")):
        raise ValidationError(
            _("The domain {raw} is not a domain name: {why}.").format(
                raw=_shown(raw),
                why=_("a label is longer than {max_label} characters").format(max_label=MAX_LABEL),
            )
        )
    if len(ascii_name) > MAX_DOMAIN:
        raise ValidationError(
            _("The domain {raw} is longer than {max_domain} characters.").format(
                raw=_shown(raw), max_domain=MAX_DOMAIN
            )
        )
    suffixes = _public_suffixes()
    if suffixes.privatesuffix(ascii_name) is None:
        if suffixes.publicsuffix(ascii_name) == ascii_name:
            raise ValidationError(
                _(
                    "The domain {raw} is a public suffix, like com.ar; give the name "
                    "registered under it (example.com.ar)."
                ).format(raw=_shown(raw))
            )
        raise ValidationError(
            _(
                "The domain {raw} does not end in a known public suffix (.com, .com.ar, .uy …)."
            ).format(raw=_shown(raw))
        )
    return shown


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    from babel import Locale

    return frozenset(
        code
        for code in Locale("en").territories
        if isinstance(code, str) and re.fullmatch(r"[A-Z]{2}", code) and code not in _NOT_ISO_3166
    )


def country(raw: str) -> str:
    value = (raw or "").strip().upper()
    if value not in _countries():
        raise ValidationError(
            _("The country {raw!r} is not an ISO 3166 code such as AR, UY, CL.").format(raw=raw)
        )
    return value


def support_plan(raw: str) -> str:
    value = (raw or "").strip().lower()
    if value not in SUPPORT_PLANS:
        raise ValidationError(
            _("The support plan {raw!r} is not one of {support_plans}.").format(
                raw=raw, support_plans=", ".join(SUPPORT_PLANS)
            )
        )
    return value


def document_key(raw: str) -> str:
    """Uniqueness key of a tax/ID number: letters and digits only, upper-cased."""
    key = re.sub(r"[^0-9A-Za-z]", "", raw or "").upper()
    if not key:
        raise ValidationError(
            _("The document number {raw!r} has no letters or digits.").format(raw=raw)
        )
    return key


def name(raw: str, what: str = N_("name"), limit: int = NAME_MAX) -> str:
    value = " ".join((raw or "").split())
    if not value:
        raise ValidationError(_("The {what} cannot be empty.").format(what=localize(what)))
    problem = text_problem(value, limit)
    if problem:
        raise ValidationError(
            _("The {what} {value} {problem}.").format(
                what=localize(what), value=_shown(raw), problem=problem
            )
        )
    return value


def rights(raw: list[str] | str) -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else raw
    result = sorted({r.strip().lower() for r in items if r.strip()})
    bad = [r for r in result if r not in CONTACT_RIGHTS]
    if bad:
        raise ValidationError(
            _("Unknown contact right {bad!r}; use {contact_rights}.").format(
                bad=bad[0], contact_rights=", ".join(CONTACT_RIGHTS)
            )
        )
    return result


def one_of(value: str, allowed: tuple[str, ...] | list[str], what: str) -> str:
    """A filter or option value that must be one of ``allowed`` (lower-cased and trimmed);
    anything else is one sentence listing the valid ones."""
    cleaned = (value or "").strip().lower()
    if cleaned not in allowed:
        raise ValidationError(
            _("Unknown {what} {value!r}; use one of {allowed}.").format(
                what=localize(what), value=value, allowed=", ".join(allowed)
            )
        )
    return cleaned
