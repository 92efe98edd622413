"""``payments.receive_many``: many payments recorded at once are recorded exactly as the same
payments typed one after the other with ``payment add`` (one path: ``add_payment`` is
``receive_many`` of one), each against what the ones before it left; a group is all or
nothing; the references are checked within the batch too. Exact amounts and dates."""

from __future__ import annotations

import json

from billing_setup import (
    add_catalogue,
    add_client,
    audit_rows,
    client_invoices,
    credit_of,
    last_id,
    ledger,
    lines,
    order,
    outbox_rows,
    state,
)
from sqlmodel import col, select

from conftest import make_ctx
from hostctl.core import invoices, payments
from hostctl.core.money import Money, money_json
from hostctl.errors import BusinessRuleError
from hostctl.models import AuditEntry, Invoice, Payment

DAY = "2026-01-12"


def _shop(session):
    add_catalogue(session)
    made = []
    for email in ("seq@example.com", "bat@example.com"):
        client = add_client(session, email)
        a_services, a = order(session, make_ctx("2026-01-10"), client)
        b_services, b = order(session, make_ctx("2026-01-10"), client, cycle="semiannual")
        made.append((client, [a, b], a_services + b_services))
    return made


# (invoice index, amount, method, reference): a part payment, the rest of it, Zelle paying
# more than due (the 10 % discount, DSC-3, and the excess to credit, BIL-5), then a payment
# of an invoice already paid (refused: the one before paid it).
PLAN = [
    (0, "40.00", "card", "T-1"),
    (0, "56.00", "card", "T-2"),
    (1, "60.00", "zelle", "T-3"),
    (1, "5.00", "card", "T-4"),
]


def _picture(session, client, invoices_, services, mark):
    """What the payments left for ``client``, with ids made relative to its first invoice,
    payment and service."""
    first_invoice = invoices_[0].id
    first_service = services[0].id
    paid = session.exec(
        select(Payment).where(Payment.client_id == client.id).order_by(col(Payment.id))
    ).all()
    first_payment = paid[0].id if paid else 0
    rel_invoice = {i.id: n for n, i in enumerate(invoices_)}
    return {
        "payments": [
            (
                rel_invoice[p.invoice_id],
                p.method,
                money_json(p.amount_minor, p.currency),
                money_json(p.discount_minor, p.currency),
                money_json(p.applied_minor, p.currency),
                money_json(p.credited_minor, p.currency),
                p.reference,
                p.paid_on,
            )
            for p in paid
        ],
        "invoices": [
            (i.status, money_json(i.total_minor, "USD"), money_json(i.paid_minor, "USD"), i.paid_on)
            for i in client_invoices(session, client)
        ],
        "lines": [lines(session, i.id) for i in invoices_],
        "credit": credit_of(session, client),
        "ledger": [(amount, why) for amount, why, _ in ledger(session, client)],
        "services": [state(session, s) for s in services],
        # the same entries; a batch writes its payments' first, then what settling did
        "audit": sorted(
            (action, json.dumps(changes, sort_keys=True))
            for action, changes in [
                (action, changes | {"payment_id": changes["payment_id"] - first_payment})
                if "payment_id" in changes
                else (action, changes)
                for action, kind, entity, changes, _note, _day in audit_rows(session, after=mark)
                if (kind == "invoice" and int(entity) - first_invoice in (0, 1))
                or (kind == "service" and int(entity) - first_service in (0, 1))
            ]
        ),
        "alerts": [
            (event, channel, payload)
            for event, channel, cid, _inv, _svc, _stage, payload in outbox_rows(session)
            if cid == client.id and event.startswith(("payment", "service"))
        ],
    }


def test_a_batch_records_what_the_same_payments_one_by_one_record(session):
    (seq, seq_invoices, seq_services), (bat, bat_invoices, bat_services) = _shop(session)
    ctx = make_ctx(DAY)
    mark = last_id(session, AuditEntry)
    refused = []
    for index, amount, method, reference in PLAN:
        try:
            payments.add_payment(session, ctx, seq_invoices[index].id, amount, method, reference)
        except BusinessRuleError as exc:
            refused.append(exc.message)
    results = payments.receive_many(
        session,
        ctx,
        [
            payments.Receipt(
                bat_invoices[index].id, Money.parse(amount, "USD"), method, f"B{reference}"
            )
            for index, amount, method, reference in PLAN
        ],
    )
    assert [type(r).__name__ for r in results] == ["Received"] * 3 + ["BusinessRuleError"]
    assert [r.message for r in results[3:]] == [
        refused[0].replace(seq_invoices[1].number, bat_invoices[1].number)
    ]
    seq_picture = _picture(session, seq, seq_invoices, seq_services, mark)
    bat_picture = _picture(session, bat, bat_invoices, bat_services, mark)
    for p in bat_picture["payments"]:
        assert p[6].startswith("BT-")
    bat_picture["payments"] = [(*p[:6], p[6][1:], p[7]) for p in bat_picture["payments"]]
    for alert in bat_picture["alerts"]:
        if "invoice_number" in alert[2]:
            alert[2]["invoice_number"] = (
                alert[2]["invoice_number"]
                .replace(bat_invoices[0].number, seq_invoices[0].number)
                .replace(bat_invoices[1].number, seq_invoices[1].number)
            )
    assert bat_picture == seq_picture
    # and what that is, in figures: the order of 96.00 paid in two parts; the semiannual
    # order of 56.40 (60.00 list less 6 %) paid with Zelle: 10 % of the 60.00 list
    # subtotal off (50.40 due), 9.60 to credit; both services started on the 12th
    assert seq_picture["payments"] == [
        (0, "card", "40.00", "0.00", "40.00", "0.00", "T-1", make_ctx(DAY).today),
        (0, "card", "56.00", "0.00", "56.00", "0.00", "T-2", make_ctx(DAY).today),
        (1, "zelle", "60.00", "6.00", "50.40", "9.60", "T-3", make_ctx(DAY).today),
    ]
    assert [i[:3] for i in seq_picture["invoices"]] == [
        ("paid", "96.00", "96.00"),
        ("paid", "50.40", "50.40"),
    ]
    assert seq_picture["credit"] == "9.60"
    assert seq_picture["ledger"] == [("9.60", "payment above invoice total")]
    assert [s[0] for s in seq_picture["services"]] == ["active", "active"]
    assert [a for a, _c in seq_picture["audit"]] == ["payment.add"] * 3 + ["service.activate"] * 2


def test_a_group_is_recorded_whole_or_not_at_all(session):
    """A line paying two invoices: when one of them cannot take it, neither is paid, and the
    receipts after the group see the invoices as they were before it."""
    (client, (a, b), _services), _other = _shop(session)
    ctx = make_ctx(DAY)
    payments.cancel_invoice(session, ctx, b, "test")
    results = payments.receive_many(
        session,
        ctx,
        [
            payments.Receipt(a.id, Money.parse("96.00", "USD"), "card", "G-1", group=1),
            payments.Receipt(
                b.id, Money.parse("54.00", "USD"), "card", "G-1", duplicate_ok=True, group=1
            ),
            payments.Receipt(a.id, Money.parse("30.00", "USD"), "card", "G-2"),
        ],
    )
    assert [getattr(r, "message", None) for r in results[:2]] == [
        f"Invoice {b.number} is cancelled; only unpaid invoices take payments."
    ] * 2
    assert (results[2].amount, results[2].status) == (Money.parse("30.00", "USD"), "unpaid")
    session.flush()
    fresh = session.get(Invoice, a.id, populate_existing=True)
    assert (fresh.status, money_json(fresh.paid_minor, "USD")) == ("unpaid", "30.00")
    assert [
        (p.reference, money_json(p.amount_minor, "USD"))
        for p in session.exec(select(Payment).where(Payment.client_id == client.id)).all()
    ] == [("G-2", "30.00")]
    assert invoices.amount_due(fresh).to_json() == "66.00"


def test_a_reference_is_recorded_once_within_a_batch_too(session):
    (_client, (a, b), _services), _other = _shop(session)
    results = payments.receive_many(
        session,
        make_ctx(DAY),
        [
            payments.Receipt(a.id, Money.parse("10.00", "USD"), "mercadopago", "MP 77"),
            payments.Receipt(b.id, Money.parse("10.00", "USD"), "mercadopago", "mp  77"),
            payments.Receipt(
                b.id, Money.parse("10.00", "USD"), "mercadopago", "MP 77", duplicate_ok=True
            ),
        ],
    )
    assert getattr(results[1], "message", None) == (
        f"mercadopago mp 77 pays invoice {a.number} a moment before in this same run; if this "
        "is another payment, add --duplicate-ok."
    )
    assert [type(r).__name__ for r in (results[0], results[2])] == ["Received", "Received"]
    assert session.exec(
        select(Payment.reference_key, Payment.duplicate_ok).order_by(col(Payment.id))
    ).all() == [("mp 77", False), ("mp 77", True)]
