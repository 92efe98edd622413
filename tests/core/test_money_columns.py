"""Money columns are 64-bit (issue #21): BIGINT on PostgreSQL, an integer and never a real on
SQLite (``CHECK (typeof(col) = 'integer')``), the models and the migrations alike; a balance
or a sum beyond 64 bits is refused in one sentence before it reaches the database."""

from __future__ import annotations

import pytest
from billing_setup import add_catalogue, add_client
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError, StatementError

from conftest import PG_URL, make_ctx
from hostctl import db, migrate
from hostctl.core.invoices import add_credit
from hostctl.core.money import Money
from hostctl.errors import BusinessRuleError, ValidationError
from hostctl.models import Client, CreditEntry, load_all

LARGEST = 2**63 - 1


def _money_columns() -> list[tuple[str, str]]:
    return [
        (table.name, column.name)
        for table in load_all().sorted_tables
        for column in table.columns
        if column.name.endswith("_minor")
    ]


def test_every_money_column_is_64_bit_and_the_models_match_the_migrations(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    columns = _money_columns()
    assert len(columns) == 20  # with the statement lines' amount and fee
    engine = db.get_engine(db_url)
    with engine.connect() as conn:
        # what `alembic revision --autogenerate` would write: nothing
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, load_all()) == []
        if PG_URL:
            found = conn.execute(
                text(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE column_name LIKE '%\\_minor' AND table_schema = current_schema()"
                )
            ).all()
            assert sorted(found) == sorted((t, c, "bigint") for t, c in columns)
        else:
            schema = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master").all())
            for table, column in columns:
                assert (
                    f"CONSTRAINT ck_{table}_{column}_integer CHECK (typeof({column})"
                    in (schema[table])
                )


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's own: PostgreSQL's BIGINT takes no real")
def test_sqlite_refuses_a_real_in_a_money_column(session):
    add_catalogue(session)
    ana = add_client(session, "ana@example.com", currency="ARS")
    session.commit()
    engine = db.get_engine()
    statements = [
        ("UPDATE clients SET credit_minor = 1.5 WHERE id = :id", "clients_credit_minor"),
        # an integer overflow in SQLite arithmetic gives a real
        (f"UPDATE clients SET credit_minor = {LARGEST} + 1 WHERE id = :id", "clients_credit_minor"),
        (
            "INSERT INTO credit_ledger (client_id, currency, amount_minor, reason, "
            "effective_date, created_at) VALUES (:id, 'ARS', 0.5, 'x', '2026-01-10', "
            "'2026-01-10 12:00:00')",
            "credit_ledger_amount_minor",
        ),
        ("UPDATE product_prices SET monthly_minor = 2.5", "product_prices_monthly_minor"),
    ]
    for sql, check in statements:
        with pytest.raises(IntegrityError) as err, engine.begin() as conn:
            conn.execute(text(sql), {"id": ana.id})
        assert f"CHECK constraint failed: ck_{check}_integer" in str(err.value)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT typeof(credit_minor) FROM clients").all() == [
            ("integer",)
        ]


def test_a_credit_balance_beyond_64_bits_is_refused_in_one_sentence(session):
    """Two payments of 92 233 720 368 547 758.07: the second is refused, the balance stays
    an integer and every client can still be listed."""
    ctx = make_ctx()
    ana = add_client(session, "ana@example.com", currency="ARS")
    most = Money(LARGEST, "ARS")
    add_credit(session, ctx, ana.id, most, "payment excess")
    with pytest.raises(BusinessRuleError) as err:
        add_credit(session, ctx, ana.id, Money(1, "ARS"), "payment excess")
    assert err.value.message == (
        f"The credit of client {ana.id} would go beyond the largest balance hostctl keeps "
        "(92233720368547758.07); nothing was changed."
    )
    add_credit(session, ctx, ana.id, -most, "used")
    add_credit(session, ctx, ana.id, -most, "used")
    with pytest.raises(BusinessRuleError):
        add_credit(session, ctx, ana.id, Money(-2, "ARS"), "used")
    session.refresh(ana)
    assert ana.credit_minor == -LARGEST


def test_a_sum_beyond_64_bits_is_refused_before_the_database(session):
    """A sum Python makes (no overflow there) that no column keeps: one sentence, raised as
    the value is bound, which the CLI shows as such (``db.refusal_inside``)."""
    ctx = make_ctx()
    ana = add_client(session, "ana@example.com", currency="ARS")
    total = Money(LARGEST, "ARS") + Money(1, "ARS")
    session.add(
        CreditEntry(
            client_id=ana.id or 0,
            currency="ARS",
            amount_minor=total.minor,
            reason="sum",
            effective_date=ctx.today,
            created_at=ctx.now,
        )
    )
    with pytest.raises(StatementError) as err:
        session.flush()
    refused = db.refusal_inside(err.value)
    assert isinstance(refused, ValidationError)
    assert refused.message == (
        "An amount of 9223372036854775808 minor units is too large to keep (the largest is "
        "9223372036854775807); nothing was changed."
    )
    session.rollback()


def test_a_database_of_the_previous_release_is_widened_with_its_data(db_url):
    with db.unit_of_work(url=db_url) as s:
        add_catalogue(s)
        ana = add_client(s, "ana@example.com", currency="ARS", credit="21474836.47")
        bea = add_client(s, "bea@example.com", currency="ARS")
        bea.referrer_id = ana.id
    db.dispose_all()
    from alembic import command

    plain = create_engine(db_url)  # as hostctl 0006 left it
    with plain.begin() as conn:
        command.downgrade(migrate._config(conn), "0006_client_search")
    with plain.connect() as conn:
        if PG_URL:
            kind = "SELECT data_type FROM information_schema.columns WHERE column_name = "
            kind += "'credit_minor' AND table_schema = current_schema()"
            assert conn.execute(text(kind)).scalar() == "integer"
        else:
            sql = "SELECT sql FROM sqlite_master WHERE name = 'clients'"
            assert "typeof" not in conn.exec_driver_sql(sql).scalar()
    plain.dispose()
    engine = db.get_engine(db_url)  # first use: upgraded, foreign keys on
    with db.unit_of_work(url=db_url) as s:
        rows = s.execute(text("SELECT id, credit_minor, referrer_id FROM clients ORDER BY id"))
        assert [tuple(r) for r in rows] == [(1, 2147483647, None), (2, 0, 1)]
        add_credit(s, make_ctx(), 2, Money.parse("23040000.00", "ARS"), "excess")
        assert s.get(Client, 2).credit_minor == 2_304_000_000
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD
        if not PG_URL:
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_bulk_write_of_an_amount_beyond_64_bits_is_refused_in_one_sentence(session):
    """``bulk.insert_rows`` (daily's invoices, the imports) skips SQLAlchemy's processing;
    its money values are checked all the same, before the driver sees them."""
    from hostctl.core.bulk import db_value, insert_rows

    ctx = make_ctx()
    ana = add_client(session, "ana@example.com", currency="ARS")
    convert = db_value(session)
    columns = ("client_id", "currency", "amount_minor", "reason", "effective_date", "created_at")
    row = (ana.id, "ARS", LARGEST, "sum", convert(ctx.today), convert(ctx.now))
    table = CreditEntry.__table__  # type: ignore[attr-defined]
    assert insert_rows(session, table, columns, [row]) == 1
    with pytest.raises(ValidationError) as err:
        insert_rows(session, table, columns, [row, (*row[:2], -LARGEST - 2, *row[3:])])
    assert err.value.message == (
        "An amount of -9223372036854775809 minor units is too large to keep (the largest is "
        "9223372036854775807); nothing was changed."
    )
