"""Clients and their contacts (rules §1, CLI-1 … CLI-6)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from hostctl import words
from hostctl.core import audit, bulk, outbox, reading, validate
from hostctl.core.bulk import BadRows, batched, chunks, db_value, insert_rows, read_csv
from hostctl.core.context import Context
from hostctl.core.money import Money, check_currency
from hostctl.core.secret import Secret
from hostctl.errors import BusinessRuleError, ImportFileError, NotFoundError, ValidationError
from hostctl.i18n import N_, _
from hostctl.models import Client, Contact

PAYPAL_REFUSED_CURRENCIES = ("UYU", "PYG", "VES")  # CLI-6
IMPORT_COLUMNS = (
    "name",
    "email",
    "phone",
    "country",
    "currency",
    "document",
    "company",
    "support_plan",
)
MIN_PASSWORD_LENGTH = 8


@dataclass
class ClientInput:
    """Validated fields of a client, as ``add``/``import`` build it."""

    name: str
    email: str
    email_key: str
    phone: str | None = None
    country: str | None = None
    currency: str = "USD"
    document: str | None = None
    document_key: str | None = None
    company: str | None = None
    support_plan: str = "standard"
    warnings: list[str] = field(default_factory=list)

    def search_key(self) -> str:
        return search_key(self.name, self.company, self.email, self.phone, self.document_key)


def fold(text: str | None) -> str:
    """``text`` as the search compares it: without case or accents (NFKD, its combining
    marks dropped), spaces collapsed to one. "María  Inés GÜEMES" → "maria ines guemes"."""
    if not text:
        return ""
    if text.isascii():  # most names and every email: nothing to decompose
        return " ".join(text.lower().split())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def search_key(
    name: str,
    company: str | None,
    email: str,
    phone: str | None,
    document_key: str | None,
) -> str:
    """What ``list_clients(search=…)`` matches, kept in ``Client.search_key``: the folded
    name, company and email, the digits of the phone and the document number (letters and
    digits, lower-cased), one per line, so that a search never runs from one into the next."""
    return "\n".join(
        (
            fold(name),
            fold(company),
            fold(email),
            re.sub(r"\D", "", phone or ""),
            (document_key or "").lower(),
        )
    )


def _clean(
    *,
    name: str,
    email: str,
    phone: str | None,
    country: str | None,
    currency: str | None,
    document: str | None,
    company: str | None,
    support_plan: str | None,
    check_email: Callable[[str], tuple[str, str]] = validate.email,
    check_phone: Callable[[str, str | None], str] = validate.phone,
) -> ClientInput:
    email_value, email_key = _in_column("email", check_email, email)
    country_value = _in_column("country", validate.country, country) if country else None
    phone_value = None
    if phone:
        try:
            phone_value = check_phone(phone, country_value)
        except ValidationError as exc:
            raise ColumnError(exc.message, "phone") from None
    if currency:
        currency_value = _in_column("currency", check_currency, currency)
    else:
        currency_value = validate.COUNTRY_CURRENCY.get(country_value or "", "USD")
    return ClientInput(
        name=_in_column("name", validate.name, name),
        email=email_value,
        email_key=email_key,
        phone=phone_value,
        country=country_value,
        currency=currency_value,
        document=document.strip() if document else None,
        document_key=_in_column("document", validate.document_key, document) if document else None,
        company=(
            _in_column("company", lambda v: validate.name(v, N_("company")), company)
            if company and company.strip()
            else None
        ),
        support_plan=(
            _in_column("support_plan", validate.support_plan, support_plan)
            if support_plan
            else "standard"
        ),
    )


class ColumnError(ValidationError):
    """A refused value, with the field (the import file's column) it was given in."""

    def __init__(self, message: str, column: str) -> None:
        super().__init__(message)
        self.column = column


T = TypeVar("T")


def _in_column(column: str, check: Callable[[str], T], raw: str) -> T:
    try:
        return check(raw)
    except ValidationError as exc:
        raise ColumnError(exc.message, column) from None


def check_billed_currency(session: Session, currency: str, billed: list[str] | None = None) -> str:
    """``currency`` (an ISO code, as ``check_currency`` returns it) when the company bills
    in it: some product of the catalogue has a price in it (``billed``: those currencies,
    when the caller has them already). While the catalogue is empty any currency is taken:
    there is nothing yet to compare with. Refused otherwise, naming the billed ones, so the
    client's first order cannot fail for want of a price."""
    if billed is None:
        from hostctl.core import catalogue

        billed = catalogue.billed_currencies(session)
    if billed and currency not in billed:
        raise ColumnError(
            _(
                "The company does not bill in {currency}: no product of the catalogue has a "
                "price in it; use {billed}."
            ).format(currency=currency, billed=", ".join(billed)),
            "currency",
        )
    return currency


def get_client(session: Session, client_id: int) -> Client:
    client = session.get(Client, client_id)
    if client is None:
        raise NotFoundError(
            _("There is no client {client_id}; `hostctl client list` shows them.").format(
                client_id=client_id
            )
        )
    return client


def find_by_email(session: Session, email: str) -> Client | None:
    key = (email or "").strip().lower()
    return session.exec(select(Client).where(Client.email_key == key)).first()


def _check_unique(session: Session, data: ClientInput, *, exclude_id: int | None = None) -> None:
    stmt = select(Client).where(Client.email_key == data.email_key)
    if exclude_id:
        stmt = stmt.where(Client.id != exclude_id)
    other = session.exec(stmt).first()
    if other is not None:
        raise BusinessRuleError(
            _(
                "The email {email} already belongs to client {other_id} ({other_name}); "
                "one client per email."
            ).format(email=data.email, other_id=other.id, other_name=other.name)
        )
    if data.document_key:
        stmt = select(Client).where(Client.document_key == data.document_key)
        if exclude_id:
            stmt = stmt.where(Client.id != exclude_id)
        other = session.exec(stmt).first()
        if other is not None:
            raise BusinessRuleError(
                _(
                    "The document {document} already belongs to client {other_id} "
                    "({other_name}); one person may hold only one account."
                ).format(document=data.document, other_id=other.id, other_name=other.name)
            )


def _phone_warnings(session: Session, phone: str | None, exclude_id: int | None) -> list[str]:
    if not phone:
        return []
    stmt = select(Client).where(Client.phone == phone)
    if exclude_id:
        stmt = stmt.where(Client.id != exclude_id)
    others = session.exec(stmt).all()
    return [
        _(
            "The phone {phone} is also the phone of client {client_id} ({client_name}); check "
            "this is not the same person."
        ).format(phone=phone, client_id=o.id, client_name=o.name)
        for o in others
    ]


def _flush_unique(session: Session) -> None:
    """Flush; a concurrent insert of the same email/document becomes a clear refusal."""
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise BusinessRuleError(
            _(
                "Another client with the same email or document was added at the same moment; "
                "check `hostctl client list`."
            )
        ) from None


def add_client(
    session: Session,
    ctx: Context,
    *,
    name: str,
    email: str,
    phone: str | None = None,
    country: str | None = None,
    currency: str | None = None,
    document: str | None = None,
    company: str | None = None,
    support_plan: str | None = None,
    referral_code: str | None = None,
) -> tuple[Client, list[str]]:
    data = _clean(
        name=name,
        email=email,
        phone=phone,
        country=country,
        currency=currency,
        document=document,
        company=company,
        support_plan=support_plan,
    )
    check_billed_currency(session, data.currency)
    _check_unique(session, data)
    warnings = _phone_warnings(session, data.phone, None)
    referrer_id = None
    if referral_code:
        referrer = session.exec(
            select(Client).where(
                Client.referral_code == referral_code.strip().upper().replace("-", "")
            )
        ).first()
        if referrer is None:
            raise ValidationError(
                _("There is no affiliate with referral code {referral_code!r}.").format(
                    referral_code=referral_code
                )
            )
        referrer_id = referrer.id
    client = Client(
        name=data.name,
        company=data.company,
        email=data.email,
        email_key=data.email_key,
        phone=data.phone,
        country=data.country,
        currency=data.currency,
        document=data.document,
        document_key=data.document_key,
        support_plan=data.support_plan,
        referrer_id=referrer_id,
        search_key=data.search_key(),
        created_on=ctx.today,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    session.add(client)
    _flush_unique(session)
    audit.record(
        session,
        ctx,
        "client.add",
        "client",
        client.id,
        client_fields(client),
        note="; ".join(warnings) or None,
    )
    outbox.emit(session, ctx, "client.registered", client, data={"name": client.name})
    return client, warnings


def client_fields(client: Client) -> dict[str, Any]:
    return {
        "name": client.name,
        "company": client.company,
        "email": client.email,
        "phone": client.phone,
        "country": client.country,
        "currency": client.currency,
        "document": client.document,
        "support_plan": client.support_plan,
    }


def has_unpaid_invoices(session: Session, client_id: int) -> bool:
    from hostctl.models import Invoice  # billing tables only when a check needs them

    stmt = (
        select(func.count())
        .select_from(Invoice)
        .where(Invoice.client_id == client_id, Invoice.status == "unpaid")
    )
    return session.exec(stmt).one() > 0


def edit_client(
    session: Session,
    ctx: Context,
    client_id: int,
    *,
    exchange_rate: str | None = None,
    **changes: str | None,
) -> tuple[Client, list[str]]:
    """Change the given fields (``None`` leaves one as it is). A new currency with credit
    needs ``exchange_rate`` (units of the new currency per unit of the old), by which the
    credit is converted, half-up, with both movements in the credit ledger."""
    client = get_client(session, client_id)
    before = client_fields(client)
    merged = {k: v for k, v in before.items()}
    merged.update({k: v for k, v in changes.items() if v is not None})
    data = _clean(**merged)
    if data.currency != client.currency:
        check_billed_currency(session, data.currency)
    _check_unique(session, data, exclude_id=client.id)
    if data.currency != client.currency and has_unpaid_invoices(session, client.id or 0):
        raise BusinessRuleError(
            _(
                "Client {client_id} has unpaid invoices in {client_currency}; settle or "
                "cancel them before changing the currency."
            ).format(client_id=client.id, client_currency=client.currency)
        )
    conversion = None
    if data.currency != client.currency and client.credit_minor:
        conversion = _credit_conversion(client, data.currency, exchange_rate)
    elif exchange_rate is not None:
        raise ValidationError(
            _("--exchange-rate goes with a change of currency of a client with credit.")
        )
    warnings = _phone_warnings(session, data.phone, client.id) if data.phone != client.phone else []
    if conversion is not None:
        _convert_credit(session, ctx, client, *conversion)
    for key in before:
        setattr(client, key, getattr(data, key))
    client.email_key = data.email_key
    client.document_key = data.document_key
    client.search_key = data.search_key()
    changed = audit.diff(before, client_fields(client))
    if not changed:
        return client, warnings
    client.updated_at = ctx.now
    session.add(client)
    _flush_unique(session)
    audit.record(
        session, ctx, "client.edit", "client", client.id, changed, note="; ".join(warnings) or None
    )
    outbox.emit(
        session,
        ctx,
        "client.updated",
        client,
        data={"name": client.name, "fields": sorted(changed)},
    )
    return client, warnings


def _credit_conversion(
    client: Client, currency: str, rate_text: str | None
) -> tuple[Any, Any, Any]:
    """(old credit, new credit, rate) for a change of currency; refused without a rate."""

    old = Money(client.credit_minor, client.currency)
    if rate_text is None:
        raise BusinessRuleError(
            N_(
                "Client {client_id} has {old} of credit; give --exchange-rate (how many "
                "{currency} one {client_currency} is) to convert it.",
                client_id=client.id,
                old=words.Amount(old),
                client_currency=client.currency,
                currency=currency,
            )
        )
    raw = rate_text.strip()
    try:
        if not raw.isascii() or not raw.replace(".", "", 1).isdigit():
            raise InvalidOperation
        rate = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(
            _("The exchange rate {rate_text!r} is not a number; write it like 0.025.").format(
                rate_text=rate_text
            )
        ) from None
    if rate <= 0:
        raise ValidationError(_("The exchange rate must be more than zero."))
    return old, Money.of(old.amount * rate, currency), rate


def _convert_credit(
    session: Session, ctx: Context, client: Client, old: Any, new: Any, rate: Any
) -> None:
    from hostctl.core import invoices

    reason = f"currency change {old.currency} → {new.currency} at {rate}"
    invoices.add_credit(session, ctx, client.id or 0, -old, reason)
    session.flush()
    session.refresh(client)
    client.currency = new.currency
    session.add(client)
    session.flush()
    invoices.add_credit(session, ctx, client.id or 0, new, reason)
    session.refresh(client)
    audit.record(
        session,
        ctx,
        "client.credit_convert",
        "client",
        client.id,
        {
            "credit": [old.to_json(), new.to_json()],
            "currency": [old.currency, new.currency],
            "rate": str(rate),
        },
    )


def verify_client(session: Session, ctx: Context, client_id: int) -> Client:
    client = get_client(session, client_id)
    if client.verified:
        raise BusinessRuleError(
            _("Client {client_id} was already verified by {verified_by}.").format(
                client_id=client.id, verified_by=client.verified_by
            )
        )
    client.verified = True
    client.verified_at = ctx.now
    client.verified_by = ctx.staff
    session.add(client)
    audit.record(session, ctx, "client.verify", "client", client.id, {"verified": [False, True]})
    return client


def set_password(session: Session, ctx: Context, client_id: int, password: Secret | str) -> Client:
    """``password`` is best a ``Secret`` (never shown, a traceback's locals included)."""
    from argon2 import PasswordHasher

    if not isinstance(password, Secret):
        password = Secret(password)
    client = get_client(session, client_id)
    if len(password.reveal()) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("The password must have at least {min_password_length} characters.").format(
                min_password_length=MIN_PASSWORD_LENGTH
            )
        )
    client.password_hash = PasswordHasher().hash(password.reveal())
    client.updated_at = ctx.now
    session.add(client)
    audit.record(session, ctx, "client.set_password", "client", client.id, {"password": "changed"})
    outbox.emit(session, ctx, "client.password_changed", client, data={"name": client.name})
    return client


def check_password(client: Client, password: str) -> bool:
    from argon2 import PasswordHasher
    from argon2.exceptions import VerificationError

    if not client.password_hash:
        return False
    try:
        return PasswordHasher().verify(client.password_hash, password)
    except VerificationError:
        return False


def add_contact(
    session: Session,
    ctx: Context,
    client_id: int,
    *,
    name: str,
    email: str,
    phone: str | None = None,
    rights: list[str] | str = (),  # type: ignore[assignment]
) -> Contact:
    client = get_client(session, client_id)
    email_value, email_key = validate.email(email)
    name_value = validate.name(name)
    phone_value = validate.phone(phone, client.country) if phone else None
    rights_value = ",".join(validate.rights(rights))
    if email_key == client.email_key:
        raise BusinessRuleError(_("A contact cannot have the client's own email."))
    existing = session.exec(
        select(Contact).where(
            Contact.client_id == client.id, func.lower(Contact.email) == email_key
        )
    ).first()
    if existing is not None:
        raise BusinessRuleError(
            _("Client {client_id} already has a contact with the email {email_value}.").format(
                client_id=client.id, email_value=email_value
            )
        )
    contact = Contact(
        client_id=client.id or 0,
        name=name_value,
        email=email_value,
        phone=phone_value,
        rights=rights_value,
        created_at=ctx.now,
    )
    session.add(contact)
    session.flush()
    audit.record(
        session,
        ctx,
        "contact.add",
        "client",
        client.id,
        {"contact": {"id": contact.id, "email": contact.email, "rights": contact.rights}},
    )
    return contact


def contacts(session: Session, client_id: int) -> list[Contact]:
    return list(
        session.exec(
            select(Contact).where(Contact.client_id == client_id).order_by(col(Contact.id))
        ).all()
    )


# A search made of digits, letters and these is also tried as a phone or document number.
_NUMBER_PUNCTUATION = frozenset(" +.-/()")
# What may come before a word of the search key: the start of a field (a new line), a space,
# and in an email the ``.`` and ``@`` between its parts. A word typed is the start of a word.
_WORD_STARTS = ("\n", " ", ".", "@")


def _as_numbers(text: str) -> list[str]:
    """The folded search as a phone or document number, when it can be one (it has a
    digit, and only letters, digits and ``_NUMBER_PUNCTUATION``): its letters and digits;
    written the national way ("099 123 456"), also without the leading zeros (the trunk
    prefix, which E.164 drops)."""
    if not any(c.isdigit() for c in text) or not all(
        c.isalnum() or c in _NUMBER_PUNCTUATION for c in text
    ):
        return []
    number = "".join(c for c in text if c.isalnum())
    national = number.lstrip("0") if number.isdigit() else ""
    return [number, national] if national and national != number else [number]


def _like_escaped(text: str) -> str:
    """``text`` for a LIKE pattern with ``/`` as the escape character: literal."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def _starts_a_word(column: Any, word: str, starts: tuple[str, ...]) -> Any:
    """``column`` has a word that begins with ``word`` (after one of ``starts``)."""
    text = _like_escaped(word)
    # Most rows do not hold the word at all: one LIKE tells them, before the word starts.
    return and_(
        column.like(f"%{text}%", escape="/"),
        or_(
            column.like(f"{text}%", escape="/"),
            *(column.like(f"%{start}{text}%", escape="/") for start in starts),
        ),
    )


def search_matches(search: str | None) -> Any:
    """The SQL condition of ``list_clients(search=…)``, or None for an empty search."""
    from hostctl.models import Service

    text = fold(search)
    if not text:
        return None
    key = col(Client.search_key)
    domain = col(Service.domain)
    typed = (search or "").lower().split()
    each_word = []
    for position, word in enumerate(text.split()):
        # Domains are kept lower-cased, with their accents: matched as typed and folded.
        forms = dict.fromkeys((typed[position] if position < len(typed) else word, word))
        # A word that can be a number is also the start of the phone or document number.
        found = [
            _starts_a_word(key, w, _WORD_STARTS) for w in dict.fromkeys([word, *_as_numbers(word)])
        ]
        of_domain = or_(*(_starts_a_word(domain, form, (".",)) for form in forms))
        found.append(col(Client.id).in_(select(Service.client_id).where(of_domain)))
        each_word.append(or_(*found))
    every_word = and_(*each_word)
    whole_numbers = [key.contains(n, autoescape=True) for n in _as_numbers(text)]
    return or_(every_word, *whole_numbers) if whole_numbers else every_word


def list_clients(
    session: Session,
    *,
    search: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[Client]:
    """The clients, by id. ``search`` is words, each the start of a word of the name,
    company or email, or of a service's domain (or of one of its labels), in any order,
    without regard to case or accents: "perez tam" finds "Tamara Pérez". A word with digits
    is also the start of the phone or document number, and the whole search is also a part
    of one ("+598 99 123 456", "12.345.678": only their digits and letters are compared).
    It is taken literally (``%`` and ``_`` are those characters, not LIKE wildcards)."""
    stmt = select(Client)
    condition = search_matches(search)
    if condition is not None:
        stmt = stmt.where(condition)
    stmt = stmt.order_by(col(Client.id)).offset(offset)
    if limit:
        stmt = stmt.limit(limit)
    return list(session.exec(stmt).all())


def paypal_allowed(client: Client) -> bool:
    return client.currency not in PAYPAL_REFUSED_CURRENCIES


# --------------------------------------------------------------------------- import
IN_CHUNK = 500  # values per IN list of the lookups (well under every driver's limit)
CLIENT_COLUMNS = (
    "name",
    "company",
    "email",
    "email_key",
    "phone",
    "country",
    "currency",
    "document",
    "document_key",
    "support_plan",
    "credit_minor",
    "verified",
    "status",
    "search_key",
    "created_on",
    "created_at",
    "updated_at",
)


def import_clients(session: Session, ctx: Context, path: Path) -> int:
    """All or nothing: one bad row refuses the file, which is checked to its end.

    The file is read a batch of rows at a time: each batch is checked (its rows, then
    against the clients already in the database), then written straight to the driver
    (``insert_rows``) with its audit entries, in the one transaction of the import. After
    the first bad row nothing more is written, the rest is only checked, and the refusal
    rolls back what was written. What stays in memory between batches is the email and
    document of every row, to tell a repeated one. The audit entries follow the order of
    the file, which is the order of the ids."""
    bad = BadRows(reading.shown_name(path))
    seen_email: dict[str, int] = {}  # uniqueness key → the line that holds it
    seen_doc: dict[str, int] = {}
    check_email = _ImportEmailCheck()
    check_phone = _ImportPhoneCheck()
    from hostctl.core import catalogue

    billed = catalogue.billed_currencies(session)
    imported = 0
    rows = read_csv(path, IMPORT_COLUMNS, ("name", "email"), bad)
    for batch in batched(rows, bulk.IMPORT_BATCH):
        cleaned: list[tuple[int, ClientInput]] = []
        for line, row in batch:
            get = row.get
            try:
                data = _clean(
                    check_email=check_email,
                    check_phone=check_phone,
                    name=get("name", ""),
                    email=get("email", ""),
                    phone=get("phone") or None,
                    country=get("country") or None,
                    currency=get("currency") or None,
                    document=get("document") or None,
                    company=get("company") or None,
                    support_plan=get("support_plan") or None,
                )
                check_billed_currency(session, data.currency, billed)
            except ValidationError as exc:
                bad.add(line, exc.column if isinstance(exc, ColumnError) else "?", exc.message)
                continue
            first = seen_email.setdefault(data.email_key, line)
            if first != line:
                bad.add(
                    line,
                    "email",
                    _("{email} repeats line {first}.").format(email=data.email, first=first),
                )
                continue
            if data.document_key:
                first = seen_doc.setdefault(data.document_key, line)
                if first != line:
                    bad.add(
                        line,
                        "document",
                        _("{document} repeats line {first}.").format(
                            document=data.document, first=first
                        ),
                    )
                    continue
            cleaned.append((line, data))
        cleaned = _not_yet_clients(session, cleaned, bad)
        if not bad:  # once a row is bad, the rest of the file is only checked
            _insert_clients(session, ctx, path.name, cleaned)
            imported += len(cleaned)
    bad.check()
    if not imported:
        raise ImportFileError(
            _("{file} has no rows to import.").format(file=reading.shown_name(path))
        )
    return imported


def _not_yet_clients(
    session: Session, cleaned: list[tuple[int, ClientInput]], bad: BadRows
) -> list[tuple[int, ClientInput]]:
    """The rows whose email and document no client has yet; the others go to ``bad``."""
    conn = session.connection()
    table = Client.__table__  # type: ignore[attr-defined]
    taken: dict[int, tuple[str, str]] = {}  # line → (column, why)
    by_email = {data.email_key: (line, data) for line, data in cleaned}
    for chunk in chunks(list(by_email), IN_CHUNK):
        for (key,) in conn.execute(select(table.c.email_key).where(table.c.email_key.in_(chunk))):
            line, data = by_email[key]
            taken[line] = ("email", _("{email} is already a client.").format(email=data.email))
    by_doc = {data.document_key: (line, data) for line, data in cleaned if data.document_key}
    for chunk in chunks(list(by_doc), IN_CHUNK):
        for (key,) in conn.execute(
            select(table.c.document_key).where(table.c.document_key.in_(chunk))
        ):
            line, data = by_doc[key]
            taken.setdefault(
                line,
                (
                    "document",
                    _("{document} already belongs to a client.").format(document=data.document),
                ),
            )
    for line, (column, why) in taken.items():
        bad.add(line, column, why)
    return [(line, data) for line, data in cleaned if line not in taken]


def _insert_clients(
    session: Session, ctx: Context, file_name: str, cleaned: list[tuple[int, ClientInput]]
) -> None:
    """Write the clients of one batch, each with its audit entry (the client it made and
    where it came from, so `hostctl log --entity client:ID` shows it)."""
    convert = db_value(session)
    today, now, no = convert(ctx.today), convert(ctx.now), convert(False)
    table = Client.__table__  # type: ignore[attr-defined]
    insert_rows(
        session,
        table,
        CLIENT_COLUMNS,
        (
            (
                c.name,
                c.company,
                c.email,
                c.email_key,
                c.phone,
                c.country,
                c.currency,
                c.document,
                c.document_key,
                c.support_plan,
                0,
                no,
                "active",
                c.search_key(),
                today,
                now,
                now,
            )
            for _, c in cleaned
        ),
    )
    conn = session.connection()
    ids: dict[str, int] = {}
    for chunk in chunks([c.email_key for _line, c in cleaned], IN_CHUNK):
        for client_id, key in conn.execute(
            select(table.c.id, table.c.email_key).where(table.c.email_key.in_(chunk))
        ):
            ids[key] = client_id
    audit.record_many(
        session,
        ctx,
        [
            (
                "client.import",
                "client",
                ids[c.email_key],
                audit.dumps({k: getattr(c, k) for k in _FIELDS}),
            )
            for _, c in cleaned
        ],
        notes=[f"imported from {file_name}, line {line}" for line, _ in cleaned],
    )


_FIELDS = ("name", "company", "email", "phone", "country", "currency", "document", "support_plan")

# A plain dot-atom local part and an ASCII host name: the shape of nearly every address.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9]+(?:[._+-][A-Za-z0-9]+)*")
_PLAIN_DOMAIN = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


CHECK_CACHE_SIZE = 10_000  # domains or phones remembered by the checks below, then forgotten


class _ImportEmailCheck:
    """``validate.email`` for a whole file, with the domain checked once per domain.

    An address whose local part is a plain dot-atom (letters, digits, ``. _ + -`` between
    them, at most 64 characters) is valid exactly when its domain is, so the full check of
    the domain (email_validator, most of the time of an import) runs once per domain,
    on ``a@<domain>``. Anything else, and any refused domain, goes through
    ``validate.email`` itself, which gives the message."""

    def __init__(self) -> None:
        self.domains: dict[str, bool] = {}

    def __call__(self, raw: str) -> tuple[str, str]:
        value = (raw or "").strip()
        local, at, domain = value.rpartition("@")
        if (
            at
            and len(local) <= 64
            and len(value) <= 254
            and _PLAIN_LOCAL.fullmatch(local)
            and _PLAIN_DOMAIN.fullmatch(domain)
        ):
            valid = self.domains.get(domain)
            if valid is None:
                if len(self.domains) >= CHECK_CACHE_SIZE:
                    self.domains.clear()
                try:
                    validate.email(f"a@{domain}")
                    valid = True
                except ValidationError:
                    valid = False
                self.domains[domain] = valid
            if valid:
                return value, value.lower()
        return validate.email(raw)


class _ImportPhoneCheck:
    """``validate.phone`` for a whole file, run once per distinct value (the same phone on
    several rows, as for the clients of one family or company, is checked once); the values
    seen are forgotten every ``CHECK_CACHE_SIZE``, so memory stays bounded."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str | None], str | ValidationError] = {}

    def __call__(self, raw: str, country: str | None = None) -> str:
        # an international number reads the same whatever the client's country
        key = (raw, None if raw.lstrip().startswith("+") else country)
        result = self.seen.get(key)
        if result is None:
            if len(self.seen) >= CHECK_CACHE_SIZE:
                self.seen.clear()
            try:
                result = validate.phone(raw, country)
            except ValidationError as exc:
                result = exc
            self.seen[key] = result
        if isinstance(result, ValidationError):
            raise ValidationError(result.message)
        return result
