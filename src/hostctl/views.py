"""The JSON shapes of the command contract (fields that scripts may rely on), built from models.

Commands print these with ``--json``; human tables pick columns from the same dicts.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlmodel import Session

    from hostctl.models import (
        AuditEntry,
        Client,
        Contact,
        Invoice,
        InvoiceLine,
        OutboxMessage,
        Payment,
        Product,
        Service,
    )


def _money(minor: int, currency: str) -> str:
    from hostctl.core.money import Money

    return Money(minor, currency).to_json()


def _ts(value: Any) -> str | None:
    if value is None:
        return None
    from hostctl.core.clock import to_local

    return to_local(value).isoformat()


def client(c: Client) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "company": c.company,
        "email": c.email,
        "phone": c.phone,
        "country": c.country,
        "currency": c.currency,
        "document": c.document,
        "support_plan": c.support_plan,
        "verified": c.verified,
        "verified_by": c.verified_by,
        "verified_at": _ts(c.verified_at),
        "credit_balance": _money(c.credit_minor, c.currency),
        "status": c.status,
        "referrer_id": c.referrer_id,
        "created_on": c.created_on.isoformat(),
        "whmcs_id": c.whmcs_id,
    }


def contact(c: Contact) -> dict[str, Any]:
    return {
        "id": c.id,
        "client_id": c.client_id,
        "name": c.name,
        "email": c.email,
        "phone": c.phone,
        "rights": [r for r in c.rights.split(",") if r],
    }


def product(p: Product, session: Session) -> dict[str, Any]:
    from hostctl.core.catalogue import prices_of, product_cycles

    return {
        "code": p.code,
        "name": p.name,
        "category": p.category,
        "cycles": product_cycles(p),
        "monthly_price": {c: m.to_json() for c, m in sorted(prices_of(session, p.code).items())},
        "activation": p.activation,
        "activation_days": p.activation_days,
        "requirement": p.requirement,
        "period_discount": p.period_discount,
        "refundable": p.refundable,
        "upgrade_to": [u for u in p.upgrade_to.split(",") if u],
        "free_domain": p.free_domain,
        "panel_package": p.panel_package,
    }


def service(s: Service, panel: dict[str, Any] | None = None) -> dict[str, Any]:
    """A service; ``panel``: the last call on its server's panel (``servers.last_calls``)."""
    return {
        "id": s.id,
        "client_id": s.client_id,
        "product": s.product_code,
        "cycle": s.cycle,
        "status": s.status,
        "suspension_reason": s.suspension_reason,
        "next_due_date": s.next_due_date.isoformat() if s.next_due_date else None,
        "domain": s.domain,
        "cancellation": s.cancellation,
        "auto_renew": s.auto_renew,
        "activated_on": s.activated_on.isoformat() if s.activated_on else None,
        "requirements_met_on": s.requirements_met_on.isoformat() if s.requirements_met_on else None,
        "activation_due": s.activation_due.isoformat() if s.activation_due else None,
        "suspended_on": s.suspended_on.isoformat() if s.suspended_on else None,
        "ended_on": s.ended_on.isoformat() if s.ended_on else None,
        "server": s.server,
        "username": s.panel_username,
        "panel": panel,
        "whmcs_id": s.whmcs_id,
    }


def invoice_line(line: InvoiceLine, currency: str) -> dict[str, Any]:
    return {
        "kind": line.kind,
        "code": line.code,
        "description": line.description,
        "service_id": line.service_id,
        "period_start": line.period_start.isoformat() if line.period_start else None,
        "period_end": line.period_end.isoformat() if line.period_end else None,
        "amount": _money(line.amount_minor, currency),
    }


def invoice(inv: Invoice, lines: list[InvoiceLine]) -> dict[str, Any]:
    due = inv.total_minor - inv.paid_minor if inv.status == "unpaid" else 0
    return {
        "id": inv.id,
        "number": inv.number,
        "client_id": inv.client_id,
        "kind": inv.kind,
        "status": inv.status,
        "issue_date": inv.issue_date.isoformat(),
        "due_date": inv.due_date.isoformat(),
        "currency": inv.currency,
        "total": _money(inv.total_minor, inv.currency),
        "paid": _money(inv.paid_minor, inv.currency),
        "amount_due": _money(due, inv.currency),
        "paid_on": inv.paid_on.isoformat() if inv.paid_on else None,
        "lines": [invoice_line(line, inv.currency) for line in lines],
        "whmcs_id": inv.whmcs_id,
    }


def payment(p: Payment) -> dict[str, Any]:
    return {
        "id": p.id,
        "invoice_id": p.invoice_id,
        "client_id": p.client_id,
        "currency": p.currency,
        "amount": _money(p.amount_minor, p.currency),
        "discount": _money(p.discount_minor, p.currency),
        "applied": _money(p.applied_minor, p.currency),
        "credited": _money(p.credited_minor, p.currency),
        "method": p.method,
        "reference": p.reference,
        "date": p.paid_on.isoformat(),
        "status": p.status,
    }


def refund(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "invoice_id": r.invoice_id,
        "payment_id": r.payment_id,
        "client_id": r.client_id,
        "service_id": r.service_id,
        "currency": r.currency,
        "amount": _money(r.amount_minor, r.currency),
        "method": r.method,
        "date": r.refunded_on.isoformat(),
    }


def outbox_message(m: OutboxMessage) -> dict[str, Any]:
    data = json.loads(m.payload or "{}")
    panel = {"server": data.get("server"), "action": data.get("action")}
    return {
        "id": m.id,
        "event": m.event,
        "channel": m.channel,
        "client_id": m.client_id,
        "invoice_id": m.invoice_id,
        "service_id": m.service_id,
        "stage": m.stage,
        "status": m.status,
        "attempts": m.attempts,
        "last_error": m.last_error,
        "created_at": _ts(m.created_at),
        "sent_at": _ts(m.sent_at),
        "data": data,
        **(panel if m.channel == "panel" else {}),
    }


def audit_entry(e: AuditEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": _ts(e.at),
        "effective_date": e.effective_date.isoformat(),
        "staff": e.staff,
        "action": e.action,
        "entity": f"{e.entity_type}:{e.entity_id}",
        "changes": json.loads(e.changes or "{}"),
        "note": e.note,
    }


# --------------------------------------------------------------------------- support (issue 4)
if TYPE_CHECKING:
    from hostctl.models import Ticket, TicketMessage, Transfer


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def transfer(t: Transfer) -> dict[str, Any]:
    return {
        "id": t.id,
        "service_id": t.service_id,
        "from_client_id": t.from_client_id,
        "to_client_id": t.to_client_id,
        "status": t.status,
        "message": t.message,
        "requested_by": t.requested_by,
        "requested_on": _date(t.requested_on),
        "expires_on": _date(t.expires_on),
        "from_confirmed_at": _ts(t.from_confirmed_at),
        "from_confirmed_by": t.from_confirmed_by,
        "to_confirmed_at": _ts(t.to_confirmed_at),
        "to_confirmed_by": t.to_confirmed_by,
        "completed_at": _ts(t.completed_at),
        "ended_on": _date(t.ended_on),
    }


def ticket(t: Ticket) -> dict[str, Any]:
    return {
        "code": t.code,
        "client_id": t.client_id,
        "subject": t.subject,
        "category": t.category,
        "priority": t.priority,
        "status": t.status,
        "support_plan": t.support_plan,
        "opened_at": _ts(t.opened_at),
        "opened_by": t.opened_by,
        "first_response_at": _ts(t.first_response_at),
        "first_response_by": t.first_response_by,
        "first_response_due": _ts(t.first_response_due),
        "last_reply_at": _ts(t.last_reply_at),
        "resolution_due": _ts(t.resolution_due),
        "closed_at": _ts(t.closed_at),
        "closed_by": t.closed_by,
    }


def ticket_message(m: TicketMessage) -> dict[str, Any]:
    return {"author_kind": m.author_kind, "author": m.author, "body": m.body, "at": _ts(m.at)}


def quote(q: Any, lines: list[Any]) -> dict[str, Any]:
    return {
        "id": q.id,
        "client_id": q.client_id,
        "status": q.status,
        "valid_until": q.valid_until.isoformat(),
        "currency": q.currency,
        "total": _money(q.total_minor, q.currency),
        "invoice_id": q.invoice_id,
        "created_on": q.created_on.isoformat(),
        "lines": [
            {
                "kind": x.kind,
                "code": x.code,
                "description": x.description,
                "product": x.product_code,
                "cycle": x.cycle,
                "amount": _money(x.amount_minor, q.currency),
            }
            for x in lines
        ],
    }


def outage(o: Any) -> dict[str, Any]:
    from hostctl.core.clock import to_local

    begins, ends = to_local(o.starts_at), to_local(o.ends_at)
    return {
        "id": o.id,
        "server": o.server,
        "from": begins.isoformat(timespec="minutes"),
        "to": ends.isoformat(timespec="minutes"),
        "minutes": int((ends - begins).total_seconds() // 60),
        "reason": o.reason,
    }


def uptime_credit(c: Any) -> dict[str, Any]:
    return {
        "id": c.id,
        "service_id": c.service_id,
        "client_id": c.client_id,
        "month": c.month,
        "downtime_minutes": c.downtime_minutes,
        "amount": _money(c.amount_minor, c.currency),
        "currency": c.currency,
        "date": c.given_on.isoformat(),
    }


def sla_report_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """``ticket sla-report`` as table rows: the whole period ("all"), then each group."""

    def row(key: str, summary: dict[str, Any]) -> dict[str, Any]:
        first, res = summary["first_response"], summary["resolution"]
        return {
            "key": key,
            "tickets": summary["tickets"],
            "fr_met": first["met"],
            "fr_breached": first["breached"],
            "fr_pending": first["pending"],
            "fr_median": first["median_minutes"],
            "res_met": res["met"],
            "res_breached": res["breached"],
            "res_pending": res["pending"],
        }

    from hostctl.words import word

    return [row(word("filter", "all"), report), *(row(g["key"], g) for g in report["groups"])]


def sla_first_response_bars(report: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(group, first responses met, breached) per group of ``ticket sla-report``."""
    return [
        (str(g["key"]), g["first_response"]["met"], g["first_response"]["breached"])
        for g in report["groups"]
    ]


DEMO_DAY_COUNTS = (
    "invoices_created",
    "reminders",
    "payments",
    "suspended",
    "terminated",
    "ended",
    "expired",
    "domains_deleted",
    "quotes_expired",
)


def demo(
    totals: dict[str, Any],
    walked: list[tuple[Any, dict[str, Any]]],
    *,
    clients: int,
    seed: int,
    kept: Any,
) -> dict[str, Any]:
    """``hostctl demo --json``: the walk's days (their counts), what was collected per
    currency (two-decimal strings) and the services by status at the end."""
    return {
        "clients": clients,
        "seed": seed,
        "catalogue": "examples/catalogue.toml",
        "database": str(kept) if kept is not None else None,
        "first_day": walked[0][0].isoformat() if walked else None,
        "last_day": walked[-1][0].isoformat() if walked else None,
        "days": [
            {"date": day.isoformat(), **{key: int(counts.get(key, 0)) for key in DEMO_DAY_COUNTS}}
            for day, counts in walked
        ],
        "totals": {
            "days": totals["days"],
            **{key: sum(int(c.get(key, 0)) for _, c in walked) for key in DEMO_DAY_COUNTS},
        },
        "collected": {
            currency: money.to_json() for currency, money in sorted(totals["collected"].items())
        },
        "services": dict(sorted(totals["services"].items())),
    }
