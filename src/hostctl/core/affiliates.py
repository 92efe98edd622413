"""Affiliates (rules §10, AFF-1 … AFF-4).

* AFF-1 an affiliate has a referral code, short and easy to dictate on the phone; a client
  is attributed when added with it, or by staff within 90 days of signing up.
* AFF-2/AFF-4 a commission (``affiliate.commission_percent``, 10 %) of each paid order and
  renewal invoice of a referred client, in the affiliate's currency; reversed when that
  invoice is refunded or charged back. An invoice in another currency waits, visible, for an
  ``exchange_rate.SRC.TGT`` setting, and is converted when one is set.
* AFF-3 withdrawals: verified affiliates only, one a calendar month, at least
  ``affiliate.min_withdrawal.<CUR>``, never more than the balance; to client credit at once,
  or to a bank account of the same holder, recorded for the accountant.

The ledger adds up: balance = earned − reversed − withdrawn, never below zero.
"""

from __future__ import annotations

import secrets
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlmodel import Session, col, select

from hostctl import words
from hostctl.core import audit, settings
from hostctl.core.clients import get_client
from hostctl.core.clock import to_local
from hostctl.core.context import Context
from hostctl.core.invoices import add_credit
from hostctl.core.money import Money
from hostctl.errors import BusinessRuleError, NotFoundError, ValidationError
from hostctl.i18n import N_, _
from hostctl.models import Client, Commission, Invoice, InvoiceLine, Withdrawal
from hostctl.words import say

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: easy to dictate
CODE_LENGTH = 6
ATTRIBUTION_DAYS = 90  # AFF-1: the referral cookie's 90 days
COMMISSION_KINDS = ("order", "renewal")  # AFF-4: not fees, restorations, upgrades, quotes
WITHDRAW_TO = ("credit", "bank")  # AFF-3: client credit now, or the client's own account


def new_code() -> str:
    """A referral code (AFF-1): six characters easy to dictate, not checked for use."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def enroll(session: Session, ctx: Context, client_id: int) -> Client:
    client = get_client(session, client_id)
    if client.referral_code:
        raise BusinessRuleError(
            _("Client {client_id} is already an affiliate, with code {referral_code}.").format(
                client_id=client.id, referral_code=client.referral_code
            )
        )
    if client.status != "active":
        raise BusinessRuleError(
            _("Client {client_id} is {client_status}; it cannot enroll.").format(
                client_id=client.id, client_status=say("client", client.status)
            )
        )
    code = new_code()
    while session.exec(select(Client).where(Client.referral_code == code)).first():
        code = new_code()  # pragma: no cover - 31^6 codes
    client.referral_code = code
    client.updated_at = ctx.now
    session.add(client)
    audit.record(session, ctx, "affiliate.enroll", "client", client.id, {"referral_code": code})
    return client


def affiliate_by_code(session: Session, code: str) -> Client:
    wanted = (code or "").strip().upper().replace("-", "").replace(" ", "")
    found = session.exec(select(Client).where(Client.referral_code == wanted)).first()
    if found is None:
        raise ValidationError(
            _("There is no affiliate with referral code {code!r}.").format(code=code)
        )
    return found


def get_affiliate(session: Session, client_id: int) -> Client:
    client = get_client(session, client_id)
    if not client.referral_code:
        raise NotFoundError(
            _(
                "Client {client_id} is not an affiliate; `hostctl affiliate enroll {client_id}`."
            ).format(client_id=client.id)
        )
    return client


def attribute(session: Session, ctx: Context, client_id: int, code: str) -> Client:
    """Staff attribute a client to an affiliate within 90 days of its sign-up (AFF-4)."""
    client = get_client(session, client_id)
    affiliate = affiliate_by_code(session, code)
    if affiliate.id == client.id:
        raise BusinessRuleError(_("A client cannot be referred by itself."))
    if client.referrer_id is not None:
        raise BusinessRuleError(
            _("Client {client_id} was already referred by client {referrer_id}.").format(
                client_id=client.id, referrer_id=client.referrer_id
            )
        )
    signed_up = to_local(client.created_at).date()
    if (ctx.today - signed_up).days > ATTRIBUTION_DAYS:
        raise BusinessRuleError(
            _(
                "Client {client_id} signed up on {signed_up}, more than {attribution_days} "
                "days ago; a referral is attributed only within 90 days of signing up."
            ).format(client_id=client.id, signed_up=signed_up, attribution_days=ATTRIBUTION_DAYS)
        )
    client.referrer_id = affiliate.id
    session.add(client)
    audit.record(
        session,
        ctx,
        "affiliate.attribute",
        "client",
        client.id,
        {"referrer_id": [None, affiliate.id], "referral_code": affiliate.referral_code},
    )
    return client


# --------------------------------------------------------------------------- commissions
def _convert(session: Session, amount: Money, currency: str) -> Money | None:
    rate = settings.exchange_rate(session, amount.currency, currency)
    if rate is None:
        return None
    return Money.of(amount.amount * rate, currency)


def earn(session: Session, ctx: Context, invoice: Invoice) -> Commission | None:
    """AFF-2 on a paid order or renewal invoice of a referred client (from ``settle``)."""
    if invoice.kind not in COMMISSION_KINDS:
        return None
    client = session.get(Client, invoice.client_id)
    if client is None or client.referrer_id is None:
        return None
    affiliate = session.get(Client, client.referrer_id)
    if affiliate is None or not affiliate.referral_code:
        return None
    existing = session.exec(select(Commission).where(Commission.invoice_id == invoice.id)).first()
    if existing is not None:
        if existing.status == "reversed":  # paid again after a chargeback
            existing.status = "earned" if existing.amount_minor is not None else "waiting"
            existing.reversed_on = None
            session.add(existing)
        return existing
    credit_used = -sum(
        line.amount_minor
        for line in session.exec(
            select(InvoiceLine).where(
                InvoiceLine.invoice_id == invoice.id, InvoiceLine.kind == "credit"
            )
        ).all()
    )
    base = Money(invoice.total_minor + credit_used, invoice.currency)  # what it charged
    percent = Decimal(settings.get(session, "affiliate.commission_percent"))
    share = Money(
        int((Decimal(base.minor) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)),
        base.currency,
    )
    converted = _convert(session, share, affiliate.currency)
    commission = Commission(
        affiliate_id=affiliate.id or 0,
        invoice_id=invoice.id or 0,
        referred_id=client.id,
        percent=f"{percent.normalize():f}",
        base_minor=share.minor,
        base_currency=share.currency,
        amount_minor=converted.minor if converted else None,
        currency=affiliate.currency,
        status="earned" if converted else "waiting",
        earned_on=ctx.today,
        created_at=ctx.now,
    )
    session.add(commission)
    session.flush()
    audit.record(
        session,
        ctx,
        "affiliate.commission",
        "client",
        affiliate.id,
        {
            "invoice": invoice.number,
            "amount": converted.to_json() if converted else None,
            "status": commission.status,
            "base": share.to_json(),
            "base_currency": share.currency,
        },
    )
    return commission


def reverse(session: Session, ctx: Context, invoice_id: int, why: str) -> Commission | None:
    """AFF-4: the commission of a refunded or charged-back invoice is taken back."""
    commission = session.exec(
        select(Commission).where(Commission.invoice_id == invoice_id).with_for_update()
    ).first()
    if commission is None or commission.status == "reversed":
        return None
    commission.status = "reversed"
    commission.reversed_on = ctx.today
    session.add(commission)
    audit.record(
        session,
        ctx,
        "affiliate.reverse",
        "client",
        commission.affiliate_id,
        {"invoice_id": invoice_id, "status": "reversed"},
        note=why,
    )
    return commission


def convert_waiting(session: Session, ctx: Context, affiliate: Client) -> None:
    """Waiting commissions whose exchange rate is now set are converted and earned."""
    for commission in session.exec(
        select(Commission).where(
            Commission.affiliate_id == affiliate.id, Commission.status == "waiting"
        )
    ).all():
        converted = _convert(
            session, Money(commission.base_minor, commission.base_currency), affiliate.currency
        )
        if converted is None:
            continue
        commission.amount_minor = converted.minor
        commission.status = "earned"
        session.add(commission)
        audit.record(
            session,
            ctx,
            "affiliate.commission_converted",
            "client",
            affiliate.id,
            {"invoice_id": commission.invoice_id, "amount": converted.to_json()},
        )


# --------------------------------------------------------------------------- the ledger
def ledger(session: Session, affiliate: Client) -> dict[str, Any]:
    commissions = list(
        session.exec(
            select(Commission)
            .where(Commission.affiliate_id == affiliate.id)
            .order_by(col(Commission.id))
        ).all()
    )
    withdrawals = list(
        session.exec(
            select(Withdrawal)
            .where(Withdrawal.affiliate_id == affiliate.id)
            .order_by(col(Withdrawal.id))
        ).all()
    )
    cur = affiliate.currency
    earned = sum(c.amount_minor or 0 for c in commissions if c.status in ("earned", "reversed"))
    reversed_ = sum(c.amount_minor or 0 for c in commissions if c.status == "reversed")
    withdrawn = sum(w.amount_minor for w in withdrawals)
    referred = list(
        session.exec(
            select(Client.id).where(Client.referrer_id == affiliate.id).order_by(col(Client.id))
        ).all()
    )
    return {
        "client_id": affiliate.id,
        "referral_code": affiliate.referral_code,
        "currency": cur,
        "balance": Money(max(earned - reversed_ - withdrawn, 0), cur).to_json(),
        "earned": Money(earned, cur).to_json(),
        "reversed": Money(reversed_, cur).to_json(),
        "withdrawn": Money(withdrawn, cur).to_json(),
        "waiting": [
            {
                "invoice_id": c.invoice_id,
                "amount": Money(c.base_minor, c.base_currency).to_json(),
                "currency": c.base_currency,
                "needs": f"exchange_rate.{c.base_currency}.{cur}",
            }
            for c in commissions
            if c.status == "waiting"
        ],
        "referred": referred,
        "commissions": [
            {
                "invoice_id": c.invoice_id,
                "amount": Money(c.amount_minor, cur).to_json()
                if c.amount_minor is not None
                else None,
                "status": c.status,
                "date": c.earned_on.isoformat(),
            }
            for c in commissions
        ],
        "withdrawals": [
            {
                "id": w.id,
                "date": w.requested_on.isoformat(),
                "amount": Money(w.amount_minor, w.currency).to_json(),
                "to": w.to,
                "bank_account": w.bank_account,
            }
            for w in withdrawals
        ],
    }


def show(session: Session, ctx: Context, client_id: int) -> dict[str, Any]:
    affiliate = get_affiliate(session, client_id)
    convert_waiting(session, ctx, affiliate)
    session.flush()
    return ledger(session, affiliate)


def list_affiliates(session: Session, ctx: Context) -> list[dict[str, Any]]:
    found = session.exec(
        select(Client).where(col(Client.referral_code).is_not(None)).order_by(col(Client.id))
    ).all()
    return [show(session, ctx, c.id or 0) for c in found]


def check_withdrawal(amount_text: str, currency: str, *, language: str | None = None) -> Money:
    """A withdrawal's amount as typed (in the session's ``language``): a number in
    ``currency``, more than zero."""
    amount = Money.parse(amount_text, currency, language=language)
    if not amount.is_positive():
        raise ValidationError(_("A withdrawal must be more than zero."))
    return amount


def withdraw(
    session: Session,
    ctx: Context,
    client_id: int,
    amount_text: str,
    to: str,
    bank_account: str | None = None,
    *,
    language: str | None = None,
) -> dict[str, Any]:
    """AFF-3. The affiliate's row is locked first, so two withdrawals at once are serial.
    ``amount_text`` as typed in the session's ``language`` (``Money.parse``)."""
    session.flush()
    affiliate = session.get(Client, client_id, with_for_update=True, populate_existing=True)
    if affiliate is None:
        raise NotFoundError(
            _("There is no client {client_id}; `hostctl client list` shows them.").format(
                client_id=client_id
            )
        )
    affiliate = get_affiliate(session, client_id)
    to = (to or "").strip().lower()
    if to not in WITHDRAW_TO:
        raise ValidationError(_("--to must be credit or bank, not {to!r}.").format(to=to))
    account = " ".join((bank_account or "").split()) or None
    if to == "bank" and not account:
        raise ValidationError(
            _("A bank withdrawal needs --bank-account TEXT (an account held by the client).")
        )
    if to == "credit" and account:
        raise ValidationError(_("--bank-account goes with --to bank."))
    if not affiliate.verified:
        raise BusinessRuleError(
            _(
                "Client {affiliate_id} is not verified; verify the client before a withdrawal."
            ).format(affiliate_id=affiliate.id)
        )
    amount = check_withdrawal(amount_text, affiliate.currency, language=language)
    month_start = ctx.today.replace(day=1)
    this_month = session.exec(
        select(Withdrawal).where(
            Withdrawal.affiliate_id == affiliate.id, Withdrawal.requested_on >= month_start
        )
    ).first()
    if this_month is not None:
        raise BusinessRuleError(
            _(
                "Client {affiliate_id} already withdrew on {requested_on}; one withdrawal a "
                "calendar month."
            ).format(affiliate_id=affiliate.id, requested_on=this_month.requested_on)
        )
    minimum = settings.get(session, f"affiliate.min_withdrawal.{affiliate.currency}")
    if not isinstance(minimum, Money):
        raise BusinessRuleError(
            _(
                "No minimum withdrawal is set for {affiliate_currency}; set it with `hostctl "
                "config set affiliate.min_withdrawal.{affiliate_currency} AMOUNT`."
            ).format(affiliate_currency=affiliate.currency)
        )
    if amount < minimum:
        raise BusinessRuleError(
            N_("The minimum withdrawal is {minimum}.", minimum=words.Amount(minimum))
        )
    convert_waiting(session, ctx, affiliate)
    session.flush()
    balance = Money.parse(ledger(session, affiliate)["balance"], affiliate.currency)
    if amount > balance:
        raise BusinessRuleError(
            N_(
                "The balance of client {affiliate_id} is {balance}; a withdrawal cannot be more.",
                affiliate_id=affiliate.id,
                balance=words.Amount(balance),
            )
        )
    withdrawal = Withdrawal(
        affiliate_id=affiliate.id or 0,
        amount_minor=amount.minor,
        currency=amount.currency,
        to=to,
        bank_account=account,
        requested_on=ctx.today,
        created_by=ctx.staff,
        created_at=ctx.now,
    )
    session.add(withdrawal)
    session.flush()
    if to == "credit":
        add_credit(session, ctx, affiliate.id or 0, amount, "affiliate withdrawal")
    audit.record(
        session,
        ctx,
        "affiliate.withdraw",
        "client",
        affiliate.id,
        {
            "withdrawal_id": withdrawal.id,
            "amount": amount.to_json(),
            "to": to,
            "bank_account": account,
        },
    )
    session.flush()
    return ledger(session, affiliate)
