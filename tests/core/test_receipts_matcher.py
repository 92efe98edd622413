"""core/receipts/matcher.py: PAY-4's two rules, each reason for a review, and the look-ups
done per batch (a few IN queries, not a query per line)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from hostctl.core.receipts.lines import ParsedLine
from hostctl.core.receipts.matcher import Match, Review, candidates, invoice_tokens, match_lines
from hostctl.models import Client, Invoice, StatementLine

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
_ids = itertools.count(1)


def client(s: Any, email: str, document: str | None = None, currency: str = "USD") -> int:
    made = Client(
        name=email.split("@")[0],
        email=email,
        email_key=email.lower(),
        currency=currency,
        document=document,
        document_key=(
            "".join(c for c in document if c.isalnum()).upper() if document is not None else None
        ),
        created_on=NOW.date(),
        created_at=NOW,
        updated_at=NOW,
    )
    s.add(made)
    s.flush()
    assert made.id is not None
    return made.id


def invoice(
    s: Any,
    client_id: int,
    number: str,
    total: str,
    *,
    currency: str = "USD",
    due: str = "2026-12-01",
    paid: str = "0",
    status: str = "unpaid",
) -> int:
    made = Invoice(
        number=number,
        year=2026,
        seq=next(_ids),
        client_id=client_id,
        kind="renewal",
        status=status,
        issue_date=dt.date(2026, 11, 15),
        due_date=dt.date.fromisoformat(due),
        currency=currency,
        total_minor=int(Decimal(total) * 100),
        paid_minor=int(Decimal(paid) * 100),
        created_at=NOW,
    )
    s.add(made)
    s.flush()
    assert made.id is not None
    return made.id


def line(
    amount: str,
    currency: str = "USD",
    *,
    reference: str | None = None,
    description: str | None = None,
    email: str | None = None,
    document: str | None = None,
) -> ParsedLine:
    return ParsedLine(
        transaction_id=f"T{next(_ids)}",
        date=dt.date(2026, 12, 5),
        amount=Decimal(amount),
        currency=currency,
        payer="Someone",
        payer_email=email,
        payer_document=document,
        reference=reference,
        description=description,
    )


def one(s: Any, parsed: ParsedLine) -> Match | Review:
    [result] = match_lines(s, [parsed])
    return result


# --------------------------------------------------------------------------- rule 1
def test_invoice_number_in_the_reference_or_the_description(session: Any) -> None:
    ana = client(session, "ana@example.com")
    inv = invoice(session, ana, "2026-000123", "10.00")
    by_number = Match((inv,), "invoice-number")
    assert one(session, line("10.00", reference="2026-000123")) == by_number
    assert one(session, line("10.00", description="Pago factura Nº 2026-000123.")) == by_number
    assert one(session, line("10.00", description="FAC2026-000123/dic")) == by_number
    # Not inside a longer number.
    assert one(session, line("10.00", reference="12026-0001234")) == Review(
        "no invoice number or payer matched", ()
    )


def test_twice_the_amount_due_is_the_limit(session: Any) -> None:
    ana = client(session, "ana@example.com")
    inv = invoice(session, ana, "2026-000123", "30.00", paid="20.00")  # 10.00 due
    assert one(session, line("20.00", reference="2026-000123")) == Match((inv,), "invoice-number")
    assert one(session, line("3.00", reference="2026-000123")) == Match((inv,), "invoice-number")
    assert one(session, line("20.01", reference="2026-000123")) == Review(
        "the amount is more than twice the amount due of invoice 2026-000123", ((ana, inv),)
    )


def test_an_invoice_in_another_currency_goes_to_review(session: Any) -> None:
    ana = client(session, "ana@example.com", currency="ARS")
    inv = invoice(session, ana, "2026-000123", "9000.00", currency="ARS")
    assert one(session, line("9000.00", "USD", reference="2026-000123")) == Review(
        "invoice 2026-000123 is in ARS, the line in USD", ((ana, inv),)
    )
    assert one(session, line("9000.00", "ARS", reference="2026-000123")) == Match(
        (inv,), "invoice-number"
    )


@pytest.mark.parametrize(
    ("status", "why"),
    [
        ("paid", "invoice 2026-000123 is already paid"),
        ("cancelled", "invoice 2026-000123 is cancelled"),
        ("refunded", "invoice 2026-000123 was refunded"),
    ],
)
def test_an_invoice_not_unpaid_goes_to_review(session: Any, status: str, why: str) -> None:
    ana = client(session, "ana@example.com")
    inv = invoice(session, ana, "2026-000123", "10.00", status=status)
    assert one(session, line("10.00", reference="2026-000123")) == Review(why, ((ana, inv),))


def test_plain_number_invoices_kept_from_whmcs(session: Any) -> None:
    ana = client(session, "ana@example.com")
    kept = invoice(session, ana, "4711", "15.00")
    lettered = invoice(session, ana, "INV-88", "15.00", due="2026-12-02")
    for text in ("Pago factura 4711", "#4711", "N°4711, gracias", "ref=4711"):
        assert one(session, line("15.00", description=text)) == Match((kept,), "invoice-number")
    assert one(session, line("15.00", reference="inv-88")) == Match((lettered,), "invoice-number")
    # Inside a longer number, a phone number or an amount: not the invoice.
    for text in ("47110", "cuenta 14711", "tel 4711-2233", "1.4711,00", "4711.50"):
        assert one(session, line("15.00", description=text)) == Review(
            "no invoice number or payer matched", ()
        )


def test_dates_years_and_amounts_are_not_invoice_numbers(session: Any) -> None:
    ana = client(session, "ana@example.com")
    for number in ("2026", "1500", "500", "12", "05"):
        invoice(session, ana, number, "1000.00")
    nothing = Review("no invoice number or payer matched", ())
    texts = (
        "Transferencia 05/12/2026",
        "pago del 2026-12-05",
        "cuota diciembre 2026",
        "importe 1.500,00",
        "1500.00",
        "USD 1500",  # the line's own amount in whole units
        "12 cuotas",
    )
    for text in texts:
        assert one(session, line("1500.00", description=text)) == nothing, text
    assert invoice_tokens("05/12/2026 2026 1.500,00 12 4711 2026-000001", "1500") == [
        "05/12/2026",
        "1.500,00",
        "4711",
        "2026-000001",
    ]


def test_several_invoices_of_one_client_named_in_one_line(session: Any) -> None:
    ana = client(session, "ana@example.com")
    later = invoice(session, ana, "2026-000010", "10.00", due="2026-12-20")
    older = invoice(session, ana, "2026-000011", "25.00", due="2026-12-01")
    paid = invoice(session, ana, "2026-000009", "5.00", status="paid")
    text = "Facturas 2026-000010 y 2026-000011 (la 2026-000009 ya la pagué)"
    assert one(session, line("35.00", description=text)) == Match((older, later), "invoice-number")
    assert one(session, line("70.01", description=text)) == Review(
        "the amount is more than twice the amount due of invoices 2026-000011, 2026-000010",
        ((ana, older), (ana, paid), (ana, later)),
    )


def test_why_in_spanish(session: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOSTCTL_LANG", "es")
    ana = client(session, "ana@example.com")
    inv = invoice(session, ana, "2026-000123", "10.00", currency="ARS")
    assert one(session, line("10.00", reference="2026-000123")) == Review(
        "la factura 2026-000123 está en ARS y la línea en USD", ((ana, inv),)
    )
    assert one(session, line("10.00")) == Review(
        "no coincidió ningún número de factura ni pagador", ()
    )


def test_invoice_numbers_of_several_clients_go_to_review(session: Any) -> None:
    ana = client(session, "ana@example.com")
    bob = client(session, "bob@example.com")
    a = invoice(session, ana, "2026-000001", "10.00")
    b = invoice(session, bob, "2026-000002", "10.00")
    assert one(session, line("20.00", reference="2026-000001 2026-000002")) == Review(
        "the line names invoices of several clients", ((ana, a), (bob, b))
    )


# --------------------------------------------------------------------------- rule 2
def test_payer_by_email_any_case(session: Any) -> None:
    ana = client(session, "Ana@Example.com")
    inv = invoice(session, ana, "2026-000001", "12.50")
    invoice(session, ana, "2026-000002", "7.00", due="2026-12-09")
    assert one(session, line("12.50", email="ANA@example.COM")) == Match((inv,), "payer-amount")


def test_payer_by_document_digits(session: Any) -> None:
    ana = client(session, "ana@example.com", document="20987654321")
    bob = client(session, "bob@example.com", document="20-11111111-2")
    a = invoice(session, ana, "2026-000001", "12.50")
    b = invoice(session, bob, "2026-000002", "8.00")
    assert one(session, line("12.50", document="20-98765432-1")) == Match((a,), "payer-amount")
    assert one(session, line("8.00", document="20111111112")) == Match((b,), "payer-amount")
    assert one(session, line("8.00", document="CUIT 20.11111111.2")) == Match((b,), "payer-amount")


def test_the_amount_of_all_unpaid_invoices_together_oldest_first(session: Any) -> None:
    ana = client(session, "ana@example.com")
    third = invoice(session, ana, "2026-000001", "30.00", due="2026-12-20")
    first = invoice(session, ana, "2026-000002", "10.00", due="2026-11-01")
    second_a = invoice(session, ana, "2026-000003", "5.00", due="2026-12-01", paid="1.00")
    second_b = invoice(session, ana, "2026-000004", "6.00", due="2026-12-01")
    invoice(session, ana, "2026-000005", "99.00", currency="ARS")  # another currency
    invoice(session, ana, "2026-000006", "99.00", status="paid")
    assert one(session, line("50.00", email="ana@example.com")) == Match(
        (first, second_a, second_b, third), "payer-amount"
    )
    assert one(session, line("4.00", email="ana@example.com")) == Match((second_a,), "payer-amount")
    assert one(session, line("49.99", email="ana@example.com")) == Review(
        "the amount is neither one unpaid invoice of the payer nor all of them together",
        ((ana, None),),
    )


def test_payer_matching_several_clients_goes_to_review(session: Any) -> None:
    ana = client(session, "ana@example.com")
    bob = client(session, "bob@example.com", document="20-98765432-1")
    a = invoice(session, ana, "2026-000001", "10.00")
    invoice(session, bob, "2026-000002", "11.00")
    assert one(session, line("10.00", email="ana@example.com", document="20987654321")) == Review(
        "the payer matches several clients", ((ana, a), (bob, None))
    )


def test_several_invoices_with_that_amount_go_to_review(session: Any) -> None:
    ana = client(session, "ana@example.com")
    a = invoice(session, ana, "2026-000001", "10.00", due="2026-12-02")
    b = invoice(session, ana, "2026-000002", "10.00", due="2026-12-01")
    assert one(session, line("10.00", email="ana@example.com")) == Review(
        "several unpaid invoices of the payer have that amount due", ((ana, b), (ana, a))
    )
    # Both together are all of them: paid oldest first.
    assert one(session, line("20.00", email="ana@example.com")) == Match((b, a), "payer-amount")


def test_payer_without_unpaid_invoices_in_the_currency(session: Any) -> None:
    ana = client(session, "ana@example.com")
    invoice(session, ana, "2026-000001", "10.00", currency="ARS")
    assert one(session, line("10.00", email="ana@example.com")) == Review(
        "the payer has no unpaid invoice in USD", ((ana, None),)
    )


# --------------------------------------------------------------------------- both rules
def test_the_rules_agreeing_is_a_match_by_invoice_number(session: Any) -> None:
    ana = client(session, "ana@example.com")
    inv = invoice(session, ana, "2026-000001", "10.00")
    assert one(session, line("10.00", reference="2026-000001", email="ana@example.com")) == Match(
        (inv,), "invoice-number"
    )


def test_the_rules_disagreeing_go_to_review(session: Any) -> None:
    ana = client(session, "ana@example.com")
    bob = client(session, "bob@example.com")
    a = invoice(session, ana, "2026-000001", "10.00")
    b = invoice(session, bob, "2026-000002", "10.00")
    assert one(session, line("10.00", reference="2026-000001", email="bob@example.com")) == Review(
        "the invoice number and the payer point to different invoices", ((ana, a), (bob, b))
    )
    # Named invoice A of Ana, but the amount is all of Ana's invoices (A and C): review.
    c = invoice(session, ana, "2026-000003", "5.00", due="2026-12-09")
    assert one(session, line("15.00", reference="2026-000001", email="ana@example.com")) == Review(
        "the invoice number and the payer point to different invoices", ((ana, a), (ana, c))
    )
    # A paid invoice named while the payer's amount points elsewhere: review, both offered.
    p = invoice(session, ana, "2026-000004", "7.00", status="paid")
    assert one(session, line("10.00", reference="2026-000004", email="bob@example.com")) == Review(
        "invoice 2026-000004 is already paid", ((ana, p), (bob, b))
    )


def test_unknown_currency_no_money_in_and_nothing_found(session: Any) -> None:
    ana = client(session, "ana@example.com")
    invoice(session, ana, "2026-000001", "10.00")
    assert one(session, line("10.00", "XYZ", reference="2026-000001")) == Review(
        "hostctl does not bill in the currency XYZ", ()
    )
    assert one(session, line("-10.00", reference="2026-000001")) == Review(
        "the line is not money coming in", ()
    )
    assert one(session, line("10.00", description="Pago", email="nobody@x.com")) == Review(
        "no invoice number or payer matched", ()
    )


# --------------------------------------------------------------------------- batches
def test_a_batch_is_a_few_queries_and_keeps_the_order(session: Any) -> None:
    made = []
    for n in range(300):
        who = client(session, f"c{n}@example.com", document=f"20-{n:08d}-1")
        made.append((who, invoice(session, who, f"2026-{n + 1:06d}", f"{10 + n}.00")))
    batch = []
    for n, (_who, _inv) in enumerate(made):
        if n % 3 == 0:
            batch.append(line(f"{10 + n}.00", reference=f"2026-{n + 1:06d}"))
        elif n % 3 == 1:
            batch.append(line(f"{10 + n}.00", email=f"C{n}@example.com"))
        else:
            batch.append(line(f"{10 + n}.00", document=f"20{n:08d}1"))
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        results = match_lines(session, batch)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert [r.invoice_ids for r in results if isinstance(r, Match)] == [(i,) for _w, i in made]
    assert [r.by for r in results if isinstance(r, Match)][:3] == [
        "invoice-number",
        "payer-amount",
        "payer-amount",
    ]
    assert len(statements) == 4  # numbers, emails, documents, the clients' unpaid invoices


def test_candidates_of_a_stored_line(session: Any) -> None:
    ana = client(session, "ana@example.com")
    a = invoice(session, ana, "2026-000001", "10.00")
    stored = StatementLine(
        source="paypal",
        transaction_id="X1",
        format="paypal",
        file_name="f.csv",
        line_date=dt.date(2026, 12, 5),
        amount_minor=1000,
        currency="ARS",
        method="paypal",
        payer_email="ana@example.com",
        reference="2026-000001",
        imported_by="tester",
    )
    assert candidates(session, stored) == ((ana, a),)  # the currency differs: review
    stored.currency = "USD"
    assert candidates(session, stored) == ((ana, a),)  # matched: the invoice it pays
    assert candidates(session, line("10.00", email="ana@example.com")) == ((ana, a),)


def test_a_batch_is_matched_as_if_recorded_line_after_line(session: Any) -> None:
    ana = client(session, "ana@example.com")
    a = invoice(session, ana, "2026-000001", "30.00")
    b = invoice(session, ana, "2026-000002", "8.00", due="2026-12-09")
    results = match_lines(
        session,
        [
            line("10.00", reference="2026-000001"),  # 20.00 left due on A
            line("20.00", email="ana@example.com"),  # A's amount due now
            line("20.00", reference="2026-000001"),  # A is paid by then
            line("8.00", email="ana@example.com"),
            line("8.00", email="ana@example.com"),
        ],
    )
    assert results == [
        Match((a,), "invoice-number"),
        Match((a,), "payer-amount"),
        Review("invoice 2026-000001 is already paid", ((ana, a),)),
        Match((b,), "payer-amount"),
        Review("the payer has no unpaid invoice in USD", ((ana, None),)),
    ]
