"""Uptime (rules §11, UPT-1, UPT-2).

Staff record outages per server; a service runs on a server (``service set-server``). A
month's uptime of a service is 1 − downtime minutes / minutes in the month, the month taken
in the company's time zone and overlapping outages of its server counted once. Below the
target (``uptime.target_percent``, 99.89) the client may ask for a credit: the service's
price for that month (its period price / months in its cycle) × downtime / month, half-up,
once per service and month, to client credit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlmodel import Session, col, select

from hostctl.core import audit, catalogue, outbox, settings
from hostctl.core.clients import get_client
from hostctl.core.clock import COMPANY_TZ, parse_datetime, to_utc
from hostctl.core.context import Context
from hostctl.core.cycles import CYCLE_MONTHS
from hostctl.core.invoices import add_credit
from hostctl.core.money import Money
from hostctl.core.servers import check_server
from hostctl.core.upgrades import period_price
from hostctl.errors import BusinessRuleError, NotFoundError, ValidationError
from hostctl.i18n import _
from hostctl.models import Outage, Service, UptimeCredit


def add_outage(
    session: Session, ctx: Context, server: str, start: str, end: str, reason: str | None
) -> Outage:
    begins = parse_datetime(start, what="--from")
    ends = parse_datetime(end, what="--to")
    if ends <= begins:
        raise ValidationError(_("An outage ends after it starts: --to must be later than --from."))
    if begins > ctx.now + dt.timedelta(minutes=1):
        raise ValidationError(_("An outage is recorded once it happened: --from is in the future."))
    outage = Outage(
        server=check_server(server),
        starts_at=to_utc(begins),
        ends_at=to_utc(ends),
        reason=" ".join((reason or "").split()) or None,
        created_by=ctx.staff,
        created_at=ctx.now,
    )
    session.add(outage)
    session.flush()
    audit.record(
        session,
        ctx,
        "outage.add",
        "outage",
        outage.id,
        {
            "server": outage.server,
            "from": begins.isoformat(),
            "to": ends.isoformat(),
            "minutes": int((ends - begins).total_seconds() // 60),
        },
        note=outage.reason,
    )
    return outage


def list_outages(session: Session, *, server: str | None = None) -> list[Outage]:
    """The outages, oldest first. A ``server`` that no outage and no service names is not a
    server hostctl knows: not found, rather than an empty list that reads "no outage"."""
    stmt = select(Outage)
    if server:
        server = check_server(server)
        stmt = stmt.where(Outage.server == server)
    found = list(session.exec(stmt.order_by(col(Outage.starts_at))).all())
    if (
        server
        and not found
        and session.exec(select(Service.id).where(Service.server == server).limit(1)).first()
        is None
    ):
        raise NotFoundError(
            _("There is no server {server}: no service or outage names it.").format(server=server)
        )
    return found


def parse_month(text: str) -> tuple[dt.datetime, dt.datetime]:
    """``YYYY-MM`` → the month's first and next month's first instant, company time zone."""
    try:
        year, month = (int(x) for x in (text or "").strip().split("-"))
        if not 2000 <= year <= 2100 or len(text.strip()) != 7:
            raise ValueError
        start = dt.datetime(year, month, 1, tzinfo=COMPANY_TZ)
    except ValueError:
        raise ValidationError(
            _("The month {text!r} is not a month; write it as YYYY-MM.").format(text=text)
        ) from None
    following = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=COMPANY_TZ)
    return start, following


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def downtime_minutes(outages: list[Outage], start: dt.datetime, end: dt.datetime) -> Decimal:
    """Minutes of the union of these outages within [start, end): overlaps count once."""
    spans = sorted(
        (
            max(_utc(o.starts_at), start.astimezone(dt.UTC)),
            min(_utc(o.ends_at), end.astimezone(dt.UTC)),
        )
        for o in outages
    )
    total = dt.timedelta()
    current: tuple[dt.datetime, dt.datetime] | None = None
    for begins, ends in spans:
        if ends <= begins:
            continue
        if current is None or begins > current[1]:
            if current is not None:
                total += current[1] - current[0]
            current = (begins, ends)
        else:
            current = (current[0], max(current[1], ends))
    if current is not None:
        total += current[1] - current[0]
    return Decimal(int(total.total_seconds())) / 60


@dataclass
class MonthUptime:
    service: Service
    downtime: Decimal  # minutes
    minutes: int  # in the month
    target: Decimal

    @property
    def fraction(self) -> Decimal:
        return 1 - self.downtime / self.minutes

    @property
    def below(self) -> bool:
        return self.fraction * 100 < self.target

    def row(self) -> dict[str, Any]:
        percent = (self.fraction * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return {
            "service_id": self.service.id,
            "client_id": self.service.client_id,
            "server": self.service.server,
            "downtime_minutes": int(self.downtime.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
            "uptime": f"{percent:.2f}",
            "below": self.below,
        }


def month_uptime(
    session: Session, month: str, *, service_id: int | None = None
) -> list[MonthUptime]:
    start, end = parse_month(month)
    minutes = int((end - start).total_seconds() // 60)
    target = Decimal(settings.get(session, "uptime.target_percent"))
    stmt = select(Service).where(col(Service.server).is_not(None))
    if service_id is not None:
        stmt = stmt.where(Service.id == service_id)
    found = [
        s
        for s in session.exec(stmt.order_by(col(Service.id))).all()
        if s.status not in ("pending",)
        and not (s.ended_on is not None and s.ended_on < start.date())
    ]
    by_server: dict[str, list[Outage]] = {}
    for outage in session.exec(
        select(Outage).where(
            col(Outage.server).in_({s.server for s in found}),
            col(Outage.starts_at) < to_utc(end),
            col(Outage.ends_at) > to_utc(start),
        )
    ).all():
        by_server.setdefault(outage.server, []).append(outage)
    return [
        MonthUptime(
            s, downtime_minutes(by_server.get(s.server or "", []), start, end), minutes, target
        )
        for s in found
    ]


def report(session: Session, month: str, *, below: bool = False) -> dict[str, Any]:
    rows = [u.row() for u in month_uptime(session, month) if u.below or not below]
    target = Decimal(settings.get(session, "uptime.target_percent"))
    return {"month": month.strip(), "target": f"{target:.2f}", "services": rows}


def credit(session: Session, ctx: Context, service_id: int, month: str) -> UptimeCredit:
    """UPT-2: the month's price × downtime / month to client credit, once."""
    _start, end = parse_month(month)
    if end.date() > ctx.today:
        raise BusinessRuleError(
            _("The month {month} is not over; its credit is asked after it.").format(month=month)
        )
    found = month_uptime(session, month, service_id=service_id)
    if not found:
        service = session.get(Service, service_id)
        if service is None:
            raise NotFoundError(
                _("There is no service {service_id}; `hostctl service list` shows them.").format(
                    service_id=service_id
                )
            )
        raise BusinessRuleError(
            _(
                "Service {service_id} has no server; set it with `hostctl service set-server`."
            ).format(service_id=service_id)
        )
    uptime = found[0]
    service = uptime.service
    if not uptime.below:
        raise BusinessRuleError(
            _(
                "Service {service_id} was up {uptime} % in {month}, not below the "
                "{uptime_target:.2f} % target; no credit is due."
            ).format(
                service_id=service_id,
                uptime=uptime.row()["uptime"],
                month=month,
                uptime_target=uptime.target,
            )
        )
    session.flush()
    given = session.exec(
        select(UptimeCredit).where(
            UptimeCredit.service_id == service_id, UptimeCredit.month == month.strip()
        )
    ).first()
    if given is not None:
        raise BusinessRuleError(
            _("Service {service_id} already got its credit for {month} on {given_on}.").format(
                service_id=service_id, month=month, given_on=given.given_on
            )
        )
    client = get_client(session, service.client_id)
    product = catalogue.get_product(session, service.product_code)
    monthly = (
        Decimal(period_price(session, product, service.cycle, client.currency).minor)
        / (CYCLE_MONTHS[service.cycle])
    )
    minor = int(
        (monthly * uptime.downtime / uptime.minutes).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    )
    amount = Money(minor, client.currency)
    row = UptimeCredit(
        service_id=service.id or 0,
        client_id=client.id or 0,
        month=month.strip(),
        downtime_minutes=int(uptime.downtime.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
        amount_minor=amount.minor,
        currency=amount.currency,
        given_on=ctx.today,
        created_by=ctx.staff,
        created_at=ctx.now,
    )
    session.add(row)
    session.flush()  # the unique (service, month) refuses a second one at the same moment
    add_credit(session, ctx, client.id or 0, amount, f"uptime credit {month} service {service.id}")
    audit.record(
        session,
        ctx,
        "uptime.credit",
        "service",
        service.id,
        {
            "month": month.strip(),
            "uptime": uptime.row()["uptime"],
            "downtime_minutes": row.downtime_minutes,
            "amount": amount.to_json(),
        },
    )
    outbox.emit(
        session,
        ctx,
        "uptime.credited",
        client,
        service_id=service.id,
        data={
            "month": month.strip(),
            "amount": amount.to_json(),
            "currency": amount.currency,
            "uptime": uptime.row()["uptime"],
            "product": service.product_code,
            "domain": service.domain,
        },
    )
    return row
