"""Plan changes of a service (rules §5, UPG-1 … UPG-4).

An upgrade goes to a product of the same category with a higher period price for the
service's cycle, on the product's upgrade paths (staff may force another path, with a
reason). It makes an invoice, due today; the plan changes when that invoice is paid
(``payments.apply_upgrade``), the due date kept. Its price:

* ``difference`` (default): new period price − old period price, both the list price of the
  service's cycle less its period discount (96 a year → 144 a year: 48);
* ``prorated``: that difference × days from today to the due date / days of the period,
  half-up (48 × 183 / 365 = 24.07); a negative result would go to credit.

Downgrades are refused: the client cancels and orders the smaller plan. ``--preview`` runs
this same code in a transaction that is rolled back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, select

from hostctl.core import audit, catalogue, settings
from hostctl.core.context import Context
from hostctl.core.cycles import CYCLE_MONTHS, CYCLE_NAMES_ES, add_months
from hostctl.core.invoices import InvoiceSpec, add_credit, has_overdue_debt
from hostctl.core.money import Money
from hostctl.core.payments import apply_upgrade, issue_invoice
from hostctl.core.pricing import PERIOD_DISCOUNT, Line
from hostctl.errors import BusinessRuleError, NotFoundError, ValidationError
from hostctl.i18n import _
from hostctl.models import Client, Invoice, Product, Service, Upgrade
from hostctl.words import say


@dataclass
class UpgradeResult:
    service: Service
    upgrade: Upgrade
    invoice: Invoice | None  # None when nothing is to pay (applied at once)


def period_price(session: Session, product: Product, cycle: str, currency: str) -> Money:
    """The list price of one ``cycle`` less its period discount (DSC-1)."""
    listed = catalogue.monthly_price(session, product, currency).times(CYCLE_MONTHS[cycle])
    rate = PERIOD_DISCOUNT[cycle] if product.period_discount else 0
    return listed - listed.percent(rate) if rate else listed


def upgrade_price(
    session: Session, ctx: Context, service: Service, current: Product, target: Product
) -> tuple[Money, str, Money]:
    """(amount to invoice, policy, full difference) of moving ``service`` to ``target``."""
    client = session.get(Client, service.client_id)
    assert client is not None and service.next_due_date is not None
    old = period_price(session, current, service.cycle, client.currency)
    new = period_price(session, target, service.cycle, client.currency)
    difference = new - old
    policy = str(settings.get(session, "billing.upgrade_policy"))
    if policy != "prorated":
        return difference, policy, difference
    due = service.next_due_date
    start = add_months(due, -CYCLE_MONTHS[service.cycle], service.anchor_day)
    days_left = max((due - ctx.today).days, 0)
    days = (due - start).days
    exact = Decimal(difference.minor) * days_left / days
    minor = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return Money(minor, client.currency), policy, difference


def targets(session: Session, service_id: int, *, force: bool = False) -> list[str]:
    """The products a service can be moved to: its product's upgrade paths, or with
    ``force`` any other product of the same category."""
    service = session.get(Service, service_id)
    if service is None:
        raise NotFoundError(
            _("There is no service {service_id}; `hostctl service list` shows them.").format(
                service_id=service_id
            )
        )
    current = catalogue.get_product(session, service.product_code)
    if not force:
        return [u for u in current.upgrade_to.split(",") if u]
    same = catalogue.list_products(session, category=current.category)
    return [p.code for p in same if p.code != current.code]


def request_upgrade(
    session: Session,
    ctx: Context,
    service_id: int,
    to_code: str,
    *,
    force: bool = False,
    reason: str | None = None,
) -> UpgradeResult:
    """Check the upgrade, price it and make its invoice (or apply it when nothing is due)."""
    session.flush()
    service = session.get(Service, service_id, with_for_update=True, populate_existing=True)
    if service is None:
        raise NotFoundError(
            _("There is no service {service_id}; `hostctl service list` shows them.").format(
                service_id=service_id
            )
        )
    reason = " ".join((reason or "").split()) or None
    if force and not reason:
        raise ValidationError(_("--force needs --reason TEXT, kept in the log."))
    if service.status != "active":
        raise BusinessRuleError(
            _(
                "Service {service_id} is {service_status}; only an active service can be upgraded."
            ).format(service_id=service.id, service_status=say("service", service.status))
        )
    if service.cancellation:
        raise BusinessRuleError(
            _(
                "Service {service_id} is cancelled from {next_due_date}; revoke the "
                "cancellation (`hostctl service revoke-cancel {service_id}`) before "
                "upgrading it."
            ).format(service_id=service.id, next_due_date=service.next_due_date)
        )
    waiting = session.exec(
        select(Invoice)
        .join(Upgrade, Upgrade.invoice_id == Invoice.id)  # type: ignore[arg-type]
        .where(Upgrade.service_id == service.id, Upgrade.status == "pending")
    ).first()
    if waiting is not None:
        raise BusinessRuleError(
            _(
                "Service {service_id} already has upgrade invoice {waiting_number} waiting "
                "for payment; it must be paid or cancelled before another upgrade."
            ).format(service_id=service.id, waiting_number=waiting.number)
        )
    current = catalogue.get_product(session, service.product_code)
    target = catalogue.get_product(session, to_code)
    if target.code == current.code:
        raise BusinessRuleError(
            _("Service {service_id} is already on {target_code}.").format(
                service_id=service.id, target_code=target.code
            )
        )
    if target.category != current.category:
        raise BusinessRuleError(
            _(
                "{current_code} ({current_category}) cannot move to {target_code} "
                "({target_category}): an upgrade stays within one category; cancel this "
                "service and order the other product."
            ).format(
                current_code=current.code,
                current_category=current.category,
                target_code=target.code,
                target_category=target.category,
            )
        )
    if service.cycle not in catalogue.product_cycles(target):
        raise BusinessRuleError(
            _(
                "{target_code} cannot be billed {service_cycle}; change the cycle first (its "
                "cycles are {cycles})."
            ).format(
                target_code=target.code,
                service_cycle=service.cycle,
                cycles=", ".join(catalogue.product_cycles(target)),
            )
        )
    if has_overdue_debt(session, service.client_id, ctx.today):
        raise BusinessRuleError(
            _(
                "Client {client_id} has overdue invoices; they must be paid before an upgrade."
            ).format(client_id=service.client_id)
        )
    amount, policy, difference = upgrade_price(session, ctx, service, current, target)
    if not difference.is_positive():
        raise BusinessRuleError(
            _(
                "{current_code} → {target_code} is a downgrade ({difference} "
                "{difference_currency} less a {service_cycle} period): downgrades are not "
                "possible; the client cancels this service (`hostctl service cancel "
                "{service_id}`) and orders the smaller plan."
            ).format(
                current_code=current.code,
                target_code=target.code,
                difference=(-difference).to_json(),
                difference_currency=difference.currency,
                service_cycle=service.cycle,
                service_id=service.id,
            )
        )
    paths = [u for u in current.upgrade_to.split(",") if u]
    if target.code not in paths and not force:
        shown = ", ".join(paths) or "none"
        raise BusinessRuleError(
            _(
                "{target_code} is not an upgrade path of {current_code} (its paths: "
                "{shown}); an exception needs --force --reason TEXT."
            ).format(target_code=target.code, current_code=current.code, shown=shown)
        )
    upgrade = Upgrade(
        service_id=service.id or 0,
        from_product=current.code,
        to_product=target.code,
        policy=policy,
        amount_minor=amount.minor,
        currency=amount.currency,
        forced=target.code not in paths,
        reason=reason,
        requested_on=ctx.today,
        created_by=ctx.staff,
        created_at=ctx.now,
    )
    session.add(upgrade)
    session.flush()
    invoice = None
    if amount.is_positive():
        client = session.get(Client, service.client_id)
        assert client is not None and service.next_due_date is not None
        end = service.next_due_date - dt.timedelta(days=1)
        description = (
            f"Mejora de plan: {current.name} → {target.name} ({CYCLE_NAMES_ES[service.cycle]}"
        )
        if policy == "prorated":
            description += ", proporcional a los días que restan"
        description += ")"
        invoice = issue_invoice(
            session,
            ctx,
            InvoiceSpec(
                client=client,
                kind="upgrade",
                issue_date=ctx.today,
                due_date=ctx.today,
                lines=[Line("item", description, amount, "upgrade", service.id, ctx.today, end)],
            ),
        )
        upgrade.invoice_id = invoice.id
        session.add(upgrade)
    elif amount.is_negative():
        add_credit(session, ctx, service.client_id, -amount, f"upgrade of service {service.id}")
    audit.record(
        session,
        ctx,
        "service.upgrade_requested",
        "service",
        service.id,
        {
            "from": current.code,
            "to": target.code,
            "policy": policy,
            "amount": amount.to_json(),
            "invoice": invoice.number if invoice else None,
            "forced": upgrade.forced,
        },
        note=reason,
    )
    session.flush()
    if invoice is None and upgrade.status == "pending":
        apply_upgrade(session, ctx, upgrade)
    session.refresh(service)
    if invoice is not None:
        session.refresh(invoice)
    return UpgradeResult(service, upgrade, invoice)
