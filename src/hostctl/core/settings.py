"""Company settings kept in the database (README "Configuration"; `hostctl config list`).

Only known keys are accepted; each has a kind that validates and parses its value.
Keys ending in a currency or a payment method are families (``billing.restoration_fee.ARS``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlmodel import Session, select

from hostctl.core import audit
from hostctl.core.context import Context
from hostctl.core.money import MINOR_DIGITS, Money
from hostctl.errors import ValidationError
from hostctl.i18n import N_, _, localize
from hostctl.models import Setting

DEFAULT_PAYMENT_METHODS = (
    "card,paypal,mercadopago,pagofacil,rapipago,efecty,pse,servipag,pagoefectivo,abitab,"
    "redpagos,prex,zelle,pagos360,bank-transfer,cash"
)


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"true", "yes", "on", "1"}:
        return True
    if value in {"false", "no", "off", "0"}:
        return False
    raise ValueError(_("expected true or false"))


def _choice(*options: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip().lower()
        if value not in options:
            raise ValueError(_("expected one of {options}").format(options=", ".join(options)))
        return value

    return parse


def _int(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        if not re.fullmatch(r"\s*\d+\s*", raw):
            raise ValueError(
                _("expected a whole number from {low} to {high}").format(low=low, high=high)
            )
        value = int(raw)
        if not low <= value <= high:
            raise ValueError(
                _("expected a whole number from {low} to {high}").format(low=low, high=high)
            )
        return value

    return parse


def _percent(raw: str) -> Decimal:
    if not raw.strip().isascii():
        raise ValueError(_("expected a percentage such as 10 or 12.5, with the digits 0-9"))
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise ValueError(_("expected a percentage such as 10 or 12.5")) from None
    if not value.is_finite():
        raise ValueError(_("expected a percentage such as 10 or 12.5"))
    if not Decimal(0) <= value <= Decimal(100):
        raise ValueError(_("expected a percentage from 0 to 100"))
    return value


def _text(raw: str) -> str:
    if not raw.strip():
        raise ValueError(_("expected a non-empty value"))
    return raw.strip()


_API_URL_EXAMPLE = N_("expected an https:// URL such as https://graph.facebook.com/v21.0")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_HOST = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


def _api_url(raw: str) -> str:
    """An API base URL the token may be sent to: https (plain http only to a loopback host,
    as the tests' servers), the host exactly as written (no ``user@`` before it, ASCII), no
    query or fragment."""
    from urllib.parse import urlsplit

    value = raw.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValueError(localize(_API_URL_EXAMPLE)) from None
    try:
        port = parts.port
    except ValueError:  # not a number, or above 65535
        port = 0
    if port == 0:
        raise ValueError(_("expected a port from 1 to 65535 after the host"))
    if parts.scheme not in {"https", "http"} or not parts.hostname or re.search(r"[\s\\]", value):
        raise ValueError(localize(_API_URL_EXAMPLE))
    if "@" in parts.netloc:
        raise ValueError(
            _(
                "expected no user name or password (user@) before the host, which would send "
                "the token to the host after the @"
            )
        )
    if "?" in value or "#" in value:
        raise ValueError(_("expected a base URL without ? or #"))
    host = parts.hostname
    if not (_HOST.fullmatch(host) or _is_ip(host)):
        raise ValueError(
            _("expected a plain host name (letters, digits, dots, -), not {host!r}").format(
                host=host
            )
        )
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        raise ValueError(_("expected https:// (plain http:// only to 127.0.0.1, localhost or ::1)"))
    return value.rstrip("/")


def _is_ip(host: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


_SENDER = re.compile(r"(?P<name>[^<>]*?)\s*<(?P<addr>[^<>\s]+)>|(?P<bare>[^<>\s]+)")
_SENDER_EXAMPLE = N_(
    "expected an email address such as billing@example.com or Hosting <billing@example.com>"
)


def _sender(raw: str) -> str:
    """An email sender: ``billing@example.com`` or ``Hosting <billing@example.com>``."""
    from email.headerregistry import Address

    from hostctl.core import validate

    found = _SENDER.fullmatch(raw.strip())
    if not found:
        raise ValueError(localize(_SENDER_EXAMPLE))
    address = found["addr"] or found["bare"]
    try:
        validate.email(address)
        name = (found["name"] or "").strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1]
        return str(Address(display_name=name, addr_spec=address)) if name else address
    except (ValidationError, ValueError, IndexError):
        raise ValueError(localize(_SENDER_EXAMPLE)) from None


def _folder(raw: str) -> str:
    """An absolute folder that exists (``~`` is expanded): hooks run from cron, whose
    working folder is not the one the setting was made in. Who may write to it is checked
    each time a hook runs (core/channels/hooks.py), since that can change."""
    import os

    value = os.path.expanduser(raw.strip())
    if not value or not os.path.isabs(value):
        raise ValueError(_("expected an absolute folder path such as /etc/hostctl/hooks"))
    value = os.path.normpath(value)
    if not os.path.exists(value):
        raise ValueError(_("there is no folder {path}").format(path=value))
    if not os.path.isdir(value):
        raise ValueError(_("{path} is not a folder").format(path=value))
    return value


def _pem_file(raw: str) -> str:
    """A PEM bundle of CA certificates, as an absolute path (``~`` expanded; a relative path
    is taken from the folder the setting is made in): cron sends from another folder."""
    import os
    import ssl

    path = os.path.normpath(os.path.abspath(os.path.expanduser(raw.strip())))
    if not os.path.exists(path):
        raise ValueError(_("there is no file {path}").format(path=path))
    if not os.path.isfile(path):
        raise ValueError(_("{path} is not a file").format(path=path))
    try:
        with open(path, "rb") as handle:
            handle.read(1)
        ssl.create_default_context().load_verify_locations(cafile=path)
    except ssl.SSLError:
        raise ValueError(
            _(
                "expected a PEM file of CA certificates (-----BEGIN CERTIFICATE----- blocks), "
                "which {path} is not"
            ).format(path=path)
        ) from None
    except OSError as exc:
        raise ValueError(
            _("cannot read {path} ({reason})").format(path=path, reason=exc.strerror or exc)
        ) from None
    return path


pem_file = _pem_file  # ``server add --ca-file`` checks its file the same way


def _private_file(raw: str) -> str:
    """A file only its owner may read, as an absolute path (``~`` expanded): the panel
    tokens (SRV-1). Checked again each time a token is read, since that can change."""
    import os

    path = os.path.normpath(os.path.abspath(os.path.expanduser(raw.strip())))
    if not os.path.exists(path):
        raise ValueError(_("there is no file {path}").format(path=path))
    if not os.path.isfile(path):
        raise ValueError(_("{path} is not a file").format(path=path))
    if os.stat(path).st_mode & 0o077:
        raise ValueError(
            _("{path} may be read by others than its owner (chmod 600 {path})").format(path=path)
        )
    return path


def _country(raw: str) -> str:
    from hostctl.core.calendar import BusinessCalendar

    code = raw.strip().upper()
    BusinessCalendar(code)  # raises ValidationError for an unknown country
    return code


CSV_FIELDS = ("date", "amount", "currency", "transaction_id", "reference", "payer")
CSV_NEEDED = ("date", "amount", "transaction_id")


def _csv_columns(raw: str) -> str:
    """``field=Column,…``: which column of a plain bank CSV holds each field (rules §14)."""
    fields: dict[str, str] = {}
    for part in raw.split(","):
        key, eq, column = part.partition("=")
        key = key.strip().lower()
        if not eq or key not in CSV_FIELDS or not column.strip():
            raise ValueError(
                _(
                    "expected field=Column pairs separated by commas; the fields are {fields}"
                ).format(fields=", ".join(CSV_FIELDS))
            )
        fields[key] = column.strip()
    missing = [f for f in CSV_NEEDED if f not in fields]
    if missing:
        raise ValueError(_("the columns of {fields} are needed").format(fields=", ".join(missing)))
    return ",".join(f"{k}={v}" for k, v in fields.items())


def _date_format(raw: str) -> str:
    import datetime as dt

    text = raw.strip()
    try:
        shown = dt.date(2026, 12, 31).strftime(text)
        parsed = dt.datetime.strptime(shown, text).date()
    except ValueError:
        parsed = None
    if "%" not in text or parsed != dt.date(2026, 12, 31):
        raise ValueError(_("expected a date format such as %d/%m/%Y"))
    return text


def _methods(raw: str) -> list[str]:
    items = [m.strip().lower() for m in raw.split(",") if m.strip()]
    if not items or any(not re.match(r"^[a-z0-9][a-z0-9-]*$", m) for m in items):
        raise ValueError(_("expected a comma-separated list of method names (a-z, 0-9, -)"))
    return items


def _rate(raw: str) -> Decimal:
    text = raw.strip()
    if not text.isascii() or not re.fullmatch(r"\d+(\.\d+)?", text) or Decimal(text) <= 0:
        raise ValueError(_("expected a rate above zero, like 0.025"))
    return Decimal(text)


def exchange_rate(session: Session, source: str, target: str) -> Decimal | None:
    """Units of ``target`` per unit of ``source`` (``exchange_rate.SRC.TGT``), or None."""
    if source == target:
        return Decimal(1)
    value = get(session, f"exchange_rate.{source}.{target}")
    return value if isinstance(value, Decimal) else None


@dataclass(frozen=True)
class SettingKind:
    default: str | None
    parse: Callable[[str], Any]
    help: str


KNOWN: dict[str, SettingKind] = {
    "company.name": SettingKind("Hosting", _text, N_("company name used in messages")),
    "billing.upgrade_policy": SettingKind(
        "difference", _choice("difference", "prorated"), N_("upgrade pricing (rules §5, UPG-2)")
    ),
    "billing.apply_credit": SettingKind("true", _bool, N_("apply client credit to new invoices")),
    "billing.lengthen_cycle_after_suspension": SettingKind("true", _bool, "BIL-7"),
    "billing.renewal_days_before": SettingKind("15", _int(1, 90), N_("renewal invoice D−N")),
    "billing.termination_days_after": SettingKind("25", _int(3, 365), N_("termination at D+N")),
    "calendar.holidays_country": SettingKind("AR", _country, N_("business days and hours")),
    "payment.methods": SettingKind(DEFAULT_PAYMENT_METHODS, _methods, N_("accepted methods")),
    "payment.csv_columns": SettingKind(
        "date=Fecha,amount=Importe,currency=Moneda,transaction_id=Id,reference=Concepto,"
        "payer=Ordenante",
        _csv_columns,
        N_("the columns of a plain bank CSV for payment import"),
    ),
    "payment.paypal_date_format": SettingKind(
        "%d/%m/%Y", _date_format, N_("how PayPal's activity download writes dates")
    ),
    "whatsapp.api_base": SettingKind(
        "https://graph.facebook.com/v21.0", _api_url, N_("WhatsApp Cloud API base URL")
    ),
    "whatsapp.phone_number_id": SettingKind(None, _text, N_("sender; WhatsApp is off until set")),
    "whatsapp.language": SettingKind("es", _text, N_("template language code")),
    "smtp.host": SettingKind(None, _text, N_("email is off until set")),
    "smtp.port": SettingKind("25", _int(1, 65535), N_("SMTP port")),
    "smtp.from": SettingKind(None, _sender, N_("sender address")),
    "smtp.username": SettingKind(None, _text, N_("SMTP login (password: HOSTCTL_SMTP_PASSWORD)")),
    "smtp.tls": SettingKind(
        "auto",
        _choice("auto", "starttls", "implicit"),
        N_("auto: TLS from the start on port 465, else STARTTLS when offered"),
    ),
    "smtp.ca_file": SettingKind(
        None, _pem_file, N_("CA certificates (PEM) to trust for SMTP; unset: the system's")
    ),
    "hooks.dir": SettingKind(None, _folder, N_("folder of event hook executables")),
    "panel.tokens_file": SettingKind(
        None, _private_file, N_("file of panel API tokens (NAME = token lines), owner-only")
    ),
    "notify.max_attempts": SettingKind("8", _int(1, 100), N_("attempts before a message fails")),
    "affiliate.commission_percent": SettingKind("10", _percent, N_("AFF-2 commission, per cent")),
    "quote.valid_days": SettingKind("30", _int(1, 365), N_("days a quote stays open")),
    "uptime.target_percent": SettingKind("99.89", _percent, N_("UPT-1 monthly uptime target")),
}

# Families: a prefix followed by a currency code or a payment-method name.
FAMILIES: dict[str, tuple[str, Callable[[str], Any], str]] = {
    "billing.restoration_fee.": ("currency", lambda raw: raw, N_("BIL-8 restoration fee")),
    "billing.chargeback_fee.": ("currency", lambda raw: raw, N_("BIL-9 chargeback fee")),
    "payment.discount.": ("method", _percent, N_("DSC-3 payment-method discount, per cent")),
    "affiliate.min_withdrawal.": ("currency", lambda raw: raw, N_("AFF-3 minimum withdrawal")),
    "exchange_rate.": ("pair", _rate, N_("units of the 2nd currency per unit of the 1st")),
}
FAMILY_DEFAULTS = {
    "billing.restoration_fee.USD": "100.00",
    "billing.chargeback_fee.USD": "25.00",
    "payment.discount.zelle": "10",
    "affiliate.min_withdrawal.USD": "20.00",
}


# Every setting is one line: a line break in smtp.from would break every email's headers.
_ONE_LINE_PROBLEM = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _kind_for(key: str) -> SettingKind:
    if key in KNOWN:
        return KNOWN[key]
    for prefix, (what, parse, help_text) in FAMILIES.items():
        if key.startswith(prefix):
            suffix = key[len(prefix) :]
            if what == "currency":
                if suffix not in MINOR_DIGITS:
                    raise ValidationError(
                        _("Unknown currency {suffix!r} in setting {key!r}.").format(
                            suffix=suffix, key=key
                        )
                    )

                def parse_money(raw: str, cur: str = suffix) -> Money:
                    money = Money.parse(raw, cur)
                    if money.is_negative():
                        raise ValueError(_("expected an amount of zero or more"))
                    return money

                return SettingKind(FAMILY_DEFAULTS.get(key), parse_money, help_text)
            if what == "pair":
                pair = suffix.split(".")
                if len(pair) != 2 or any(c not in MINOR_DIGITS for c in pair) or pair[0] == pair[1]:
                    raise ValidationError(
                        _(
                            "Unknown currency pair {suffix!r} in setting {key!r}; write it "
                            "like exchange_rate.UYU.USD."
                        ).format(suffix=suffix, key=key)
                    )
                return SettingKind(None, parse, help_text)
            if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", suffix):
                raise ValidationError(
                    _("Unknown payment method {suffix!r} in setting {key!r}.").format(
                        suffix=suffix, key=key
                    )
                )
            return SettingKind(FAMILY_DEFAULTS.get(key, "0"), parse, help_text)
    raise ValidationError(
        _("Unknown setting {key!r}; `hostctl config list` shows the keys hostctl knows.").format(
            key=key
        )
    )


def validate(key: str, raw: str, *, language: str | None = None) -> Any:
    """The parsed value of ``raw`` for ``key``; an amount (a fee, a minimum) typed in the
    session's ``language`` too (``Money.parse``)."""
    kind = _kind_for(key)
    try:
        if _ONE_LINE_PROBLEM.search(raw):
            raise ValueError(_("expected one line of text without control characters"))
        currency = _money_currency(key)
        if currency is not None and language is not None:
            raw = Money.parse(raw, currency, language=language).to_json()
        return kind.parse(raw)
    except ValidationError:
        raise
    except (ValueError, InvalidOperation) as exc:
        raise ValidationError(
            _("Invalid value {raw!r} for {key}: {exc}.").format(raw=raw, key=key, exc=exc)
        ) from None


# Values read are remembered for the life of the session (``session.info``): ``daily``
# asks for the same few settings thousands of times, and an unset key (the default) would
# otherwise be one query each time. ``set_value`` keeps the memo current; another
# process's change is seen by the next session.
_MEMO = "hostctl.settings"


def get_raw(session: Session, key: str) -> str | None:
    memo: dict[str, str | None] = session.info.setdefault(_MEMO, {})
    if key in memo:
        return memo[key]
    kind = _kind_for(key)
    row = session.get(Setting, key)
    memo[key] = value = row.value if row is not None else kind.default
    return value


def get_known(session: Session, key: str) -> str | None:
    """``get_raw`` for staff asking by name: an unknown key is "not found" (exit 3)."""
    from hostctl.errors import NotFoundError

    try:
        _kind_for(key)
    except ValidationError as exc:
        raise NotFoundError(exc.message) from None
    return get_raw(session, key)


def get(session: Session, key: str) -> Any:
    """The parsed value (default when unset); ``None`` for an unset key without default."""
    raw = get_raw(session, key)
    if raw is None:
        return None
    try:
        return _kind_for(key).parse(raw)
    except (ValueError, InvalidOperation) as exc:
        # stored by an older hostctl that checked less
        raise ValidationError(
            _(
                "The stored setting {key} = {raw!r} is not valid ({exc}); correct it with "
                "`hostctl config set {key} VALUE`."
            ).format(key=key, raw=raw, exc=exc)
        ) from None


def canonical(value: Any) -> str:
    """The stored text of a parsed value: ``yes`` → ``true``, ``90000`` → ``90000.00``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Money):
        return value.to_json()
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _money_currency(key: str) -> str | None:
    """The currency of a setting that is an amount (``billing.chargeback_fee.USD``)."""
    for prefix, (what, _parse, _help) in FAMILIES.items():
        if what == "currency" and key.startswith(prefix):
            return key[len(prefix) :]
    return None


def set_value(
    session: Session, ctx: Context, key: str, raw: str, *, language: str | None = None
) -> Any:
    value = validate(key, raw, language=language)
    stored = canonical(value)
    row = session.get(Setting, key)
    before = row.value if row else _kind_for(key).default
    if row is None:
        row = Setting(key=key, value=stored, updated_at=ctx.now, updated_by=ctx.staff)
        session.add(row)
    else:
        row.value = stored
        row.updated_at = ctx.now
        row.updated_by = ctx.staff
    session.info.setdefault(_MEMO, {})[key] = stored
    audit.record(session, ctx, "config.set", "setting", key, {"value": [before, stored]})
    return value


def listing(session: Session) -> list[dict[str, Any]]:
    stored = {row.key: row for row in session.exec(select(Setting)).all()}
    keys = sorted(set(KNOWN) | set(FAMILY_DEFAULTS) | set(stored))
    result = []
    for key in keys:
        row = stored.get(key)
        default = _kind_for(key).default
        result.append(
            {
                "key": key,
                "value": row.value if row else default,
                "default": default,
                "set": row is not None,
                "help": _kind_for(key).help,
            }
        )
    return result


def payment_methods(session: Session) -> list[str]:
    return list(get(session, "payment.methods"))


def method_discount(session: Session, method: str) -> Decimal:
    return Decimal(get(session, f"payment.discount.{method}"))


def fee(session: Session, family: str, currency: str) -> Money | None:
    """A per-currency fee (``restoration_fee``/``chargeback_fee``), or None if unset."""
    value = get(session, f"billing.{family}.{currency}")
    return value if isinstance(value, Money) else None
