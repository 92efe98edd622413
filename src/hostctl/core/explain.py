"""Why (rules WHY-1): what happened to a service, an invoice or a client, when, by whom and
under which rule — from the audit log — and what is scheduled next, with its date and what
would stop it. The dates come from the functions ``daily`` decides by
(``lifecycle.suspension_day`` …, ``renewals.renewal_day``), never from a second copy."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlmodel import Session, col, select

from hostctl import words
from hostctl.core import lifecycle, renewals, settings
from hostctl.core.calendar import calendar_for
from hostctl.core.clients import get_client
from hostctl.core.context import Context
from hostctl.core.invoices import amount_due, get_invoice, unpaid_renewals
from hostctl.core.rows import SERVICES
from hostctl.errors import NotFoundError, ValidationError
from hostctl.i18n import N_, LazyText, _
from hostctl.models import AuditEntry, Invoice, InvoiceLine, Quote, Service

ENTITIES = ("service", "invoice", "client")
RULES = {  # audit action (and its "rule") → the rule it follows, in the company's words
    "service.order": ("BIL-13", N_("ordered: pending until its first invoice is paid")),
    "service.activate": ("BIL-12", N_("activated: its first period starts that day")),
    "service.renewed": ("BIL-6", N_("renewed: the invoice was paid, the due date moved a cycle")),
    ("service.suspend", "D+2"): (
        "§4 D+2",
        N_("suspended: its invoice unpaid 2 days after due"),
    ),
    ("service.suspend", "5th business day"): (
        N_("§4 5th business day"),
        N_("suspended: the client owed an invoice 5 business days after its due date"),
    ),
    "service.suspend": ("BIL-9", N_("suspended")),
    "service.reactivate": ("BIL-6", N_("reactivated: nothing overdue remained")),
    "service.unsuspend": ("staff", N_("the abuse suspension was lifted")),
    ("service.terminate", "D+25"): ("§4 D+25", N_("terminated: unpaid 25 days after due")),
    "service.terminate": ("BIL-9", N_("terminated")),
    "service.end": ("CAN-1", N_("ended at the end of its period, not renewed")),
    "service.cancel": ("CAN-1", N_("cancelled at the client's request")),
    "service.revoke_cancel": ("CAN-6", N_("the cancellation was revoked")),
    "service.order_cancelled": ("BIL-4", N_("cancelled with its unpaid order invoice")),
    "service.upgrade_requested": ("UPG-1", N_("an upgrade was asked")),
    "service.upgrade": ("UPG-1", N_("upgraded: the upgrade invoice was paid")),
    "service.restore": ("BIL-8", N_("restored: the restoration invoice was paid")),
    "service.restore_requested": ("BIL-8", N_("a restoration was invoiced")),
    "service.change_cycle": ("BIL-11", N_("the billing cycle was changed")),
    "service.lengthen_cycle": (
        "BIL-7",
        N_("billing cycle lengthened one step after a non-payment suspension"),
    ),
    "service.no_renew": ("CAN-4", N_("set not to renew")),
    "invoice.create": ("BIL-1", N_("invoice made")),
    ("invoice.reminder", "first"): (N_("§4 reminders"), N_("first reminder sent")),
    ("invoice.reminder", "second"): (N_("§4 reminders"), N_("second reminder sent")),
    ("invoice.reminder", "final"): (N_("§4 reminders"), N_("final reminder sent")),
    "invoice.reminder": (N_("§4 reminders"), N_("reminder sent")),
    "invoice.cancel": ("BIL-4", N_("invoice cancelled")),
    "payment.add": ("BIL-5", N_("payment recorded")),
    "payment.refund": ("CAN-6", N_("refund")),
    "payment.chargeback": ("BIL-9", N_("chargeback: the payment was reversed")),
    "client.add": ("CLI-1", N_("client registered")),
    "client.edit": ("CLI-4", N_("client data changed")),
    "client.verify": ("CLI-3", N_("verified")),
    "client.close": ("BIL-9", N_("account closed")),
    "client.import": ("", N_("client imported")),
    "client.set_password": ("", N_("password changed")),
    "client.credit_convert": ("", N_("credit converted")),
    "contact.add": ("", N_("contact added")),
    "affiliate.enroll": ("", N_("enrolled as an affiliate")),
    "service.import": ("", N_("service imported")),
    "service.set_server": ("", N_("server set")),
    "service.requirements_met": ("", N_("activation requirements met")),
    "service.transfer": ("", N_("transferred to another client")),
    "domain.delete": ("", N_("domain deleted")),
    "promo.referral_month": ("DSC-6", N_("one month added for a referral")),
    "promo.two_for_one": ("DSC-7", N_("2×1 promotion")),
    "invoice.paid_by_pairing": ("", N_("paid with its paired invoice")),
    "uptime.credit": ("", N_("uptime credit")),
}


def _rule(entry: AuditEntry, changes: dict[str, Any]) -> tuple[str, str]:
    found = RULES.get((entry.action, str(changes.get("rule", changes.get("stage", "")))))
    return found or RULES.get(entry.action) or ("", entry.action.replace("_", " "))


def _story(session: Session, entity: str, entity_id: int) -> list[dict[str, Any]]:
    rows = session.exec(
        select(AuditEntry)
        .where(AuditEntry.entity_type == entity, AuditEntry.entity_id == str(entity_id))
        .order_by(col(AuditEntry.id))
    ).all()
    story = []
    for entry in rows:
        changes = json.loads(entry.changes or "{}") if entry.changes else {}
        rule, what = _rule(entry, changes)
        detail = _detail(session, entry, changes)
        note = words.note(entry.note)  # translated where printed, if hostctl wrote it
        if detail and note:
            text = LazyText("{what}: {detail} ({note})", what=what, detail=detail, note=note)
        elif detail:
            text = LazyText("{what}: {detail}", what=what, detail=detail)
        elif note:
            text = LazyText("{what} ({note})", what=what, note=note)
        else:
            text = LazyText("{what}", what=what)
        story.append(
            {
                "date": entry.effective_date.isoformat(),
                "rule": rule,
                "what": text,
                "by": entry.staff,
            }
        )
    return story


def _detail(session: Session, entry: AuditEntry, changes: dict[str, Any]) -> str:
    if entry.action == "service.suspend" and changes.get("rule") in ("D+2", "5th business day"):
        invoice = _unpaid_before(session, int(entry.entity_id), entry.effective_date)
        if invoice is None:
            return ""
        return N_(
            "invoice {number}, due {due_date}", number=invoice.number, due_date=invoice.due_date
        )
    if entry.action == "service.lengthen_cycle" and isinstance(changes.get("cycle"), list):
        old, new = changes["cycle"]
        return N_("{old} → {new}", old=words.word("cycle", old), new=words.word("cycle", new))
    for key in ("invoice", "number", "fee_invoice"):
        if isinstance(changes.get(key), str):
            return str(changes[key])
    if "next_due_date" in changes and isinstance(changes["next_due_date"], list):
        old, new = changes["next_due_date"]
        return N_("due {old} → {new}", old=old, new=new)
    return ""


def _unpaid_before(session: Session, service_id: int, day: dt.date) -> Invoice | None:
    return session.exec(
        select(Invoice)
        .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)  # type: ignore[arg-type]
        .where(
            InvoiceLine.service_id == service_id,
            col(Invoice.kind).in_(("renewal", "restoration")),
            Invoice.due_date <= day,
        )
        .order_by(col(Invoice.due_date).desc())
    ).first()


def _open_invoice(session: Session, service: Service) -> Invoice | None:
    """The unpaid renewal invoice of the service's next period, if made."""
    found = unpaid_renewals(session, service.id or 0, service.next_due_date)
    return found[0] if found else None


def _pay(invoice: Invoice) -> str:
    left = amount_due(invoice)
    return N_("pay invoice {number}, {left} left", number=invoice.number, left=words.Amount(left))


def _reminder(stage: str, number: str) -> str:
    if stage == "first":
        return N_("first reminder of invoice {number}", number=number)
    if stage == "second":
        return N_("second reminder of invoice {number}", number=number)
    return N_("final reminder of invoice {number}", number=number)


def service_next(session: Session, ctx: Context, service: Service) -> list[dict[str, Any]]:
    """What ``daily`` will do to this service, from today on, and what would stop it."""
    due = service.next_due_date
    if due is None or service.status not in ("active", "suspended"):
        return []
    today = ctx.today
    ahead: list[tuple[dt.date, str, str]] = []
    ends = service.cancellation == "end-of-period" or not service.auto_renew
    if ends:
        what = N_("expires (not renewed)") if service.cancellation is None else N_("cancelled")
        unless = (
            f"hostctl service revoke-cancel {service.id}"
            if service.cancellation
            else N_("renewal switched back on")
        )
        return [
            {
                "date": max(due, today).isoformat(),
                "what": N_("ends: {what}", what=what),
                "unless": unless,
            }
        ]
    invoice = _open_invoice(session, service)
    pay = _pay(invoice) if invoice else N_("pay the renewal invoice due {due}", due=due)
    made_on = renewals.renewal_day(session, due)
    if invoice is None:
        ahead.append(
            (
                made_on,
                N_("renewal invoice made, due {due}", due=due),
                f"hostctl service no-renew {service.id}",
            )
        )
    else:
        for stage, day in lifecycle.reminder_days(due):
            level = {"first": 1, "second": 2, "final": 3}[stage]
            if invoice.reminders_sent < level:
                ahead.append((day, _reminder(stage, invoice.number), pay))
    cal = calendar_for(str(settings.get(session, "calendar.holidays_country")))
    if service.status == "active":
        ahead.append((lifecycle.suspension_day(due), N_("suspended for non-payment"), pay))
        ahead.append(
            (
                lifecycle.client_suspension_day(cal, due),
                N_("every service of the client suspended (5th business day)"),
                pay,
            )
        )
    ahead.append(
        (lifecycle.termination_day(session, due), N_("terminated, its invoice cancelled"), pay)
    )
    # a day already past is done today (a catch-up), as daily would do it
    return [
        {"date": max(day, today).isoformat(), "what": what, "unless": unless}
        for day, what, unless in sorted(ahead)
    ]


def explain(session: Session, ctx: Context, entity: str, entity_id: int) -> dict[str, Any]:
    if entity not in ENTITIES:
        raise ValidationError(
            _("why {entity!r}? Use one of {entities}.").format(
                entity=entity, entities=", ".join(ENTITIES)
            )
        )
    if entity == "service":
        service = session.get(Service, entity_id)
        if service is None:
            raise NotFoundError(_("There is no service {entity_id}.").format(entity_id=entity_id))
        from hostctl.core.servers import last_calls

        reason = service.suspension_reason
        return {
            "entity": f"service:{entity_id}",
            "state": service.status,
            "reason": reason if service.status in ("suspended", "terminated") else None,
            "because": _story(session, "service", entity_id),
            "next": service_next(session, ctx, service),
            "server": service.server,
            "username": service.panel_username,
            "panel": last_calls(session, [entity_id]).get(entity_id),
        }
    if entity == "invoice":
        invoice = get_invoice(session, entity_id)
        ahead: list[dict[str, Any]] = []
        if invoice.status == "unpaid":
            for line in session.exec(
                select(InvoiceLine).where(
                    InvoiceLine.invoice_id == invoice.id, InvoiceLine.kind == "item"
                )
            ).all():
                service = session.get(Service, line.service_id) if line.service_id else None
                if service is not None and service.next_due_date == line.period_start:
                    ahead += service_next(session, ctx, service)
        seen: set[tuple[str, str]] = set()
        unique = []
        for item in sorted(ahead, key=lambda x: (x["date"], x["what"])):
            if (item["date"], item["what"]) not in seen:
                seen.add((item["date"], item["what"]))
                unique.append(item)
        return {
            "entity": f"invoice:{entity_id}",
            "state": invoice.status,
            "reason": None,
            "number": invoice.number,
            "because": _story(session, "invoice", entity_id),
            "next": unique,
        }
    client = get_client(session, entity_id)
    ahead = []
    for service_id in session.execute(
        select(SERVICES.c.id).where(SERVICES.c.client_id == client.id).order_by(SERVICES.c.id)
    ).scalars():
        service = session.get(Service, service_id)
        assert service is not None
        ahead += [
            {**x, "what": N_("service {service_id}: {what}", service_id=service.id, what=x["what"])}
            for x in service_next(session, ctx, service)
        ]
    for quote in session.exec(
        select(Quote).where(Quote.client_id == client.id, Quote.status == "pending")
    ).all():
        ahead.append(
            {
                "date": (quote.valid_until + dt.timedelta(days=1)).isoformat(),
                "what": N_("quote {quote_id} expires", quote_id=quote.id),
                "unless": f"hostctl quote accept {quote.id}",
            }
        )
    return {
        "entity": f"client:{entity_id}",
        "state": client.status,
        "reason": None,
        "because": _story(session, "client", entity_id),
        "next": sorted(ahead, key=lambda x: (x["date"], x["what"])),
    }
