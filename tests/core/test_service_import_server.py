"""``service import`` takes an optional ``server`` column: the server each service runs on
(SPEC §11), checked as ``service set-server`` checks it; a bad one refuses the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from tests.conftest import make_ctx

from hostctl.core import clients, services
from hostctl.errors import ImportFileError
from hostctl.models import Product, Service

HEADER = "client_email,product,cycle,status,next_due_date,domain,server\n"


@pytest.fixture
def base(session):
    ctx = make_ctx("2026-12-01")
    clients.add_client(session, ctx, name="Ana", email="ana@example.com")
    session.add(
        Product(
            code="hosting-basic",
            name="Hosting",
            category="hosting",
            cycles="monthly,annual",
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )
    session.flush()
    return session


def _csv(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    path = tmp_path / "services.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_the_server_of_each_service_is_kept(base, tmp_path):
    path = _csv(
        tmp_path,
        "ana@example.com,hosting-basic,annual,active,2027-03-31,a.com,web3\n"
        "ana@example.com,hosting-basic,annual,active,2027-03-31,b.com, WEB-07.uy \n"
        "ana@example.com,hosting-basic,annual,pending,,c.com,\n"
        "ana@example.com,hosting-basic,annual,active,2027-03-31,d.com,db_2\n",
    )
    assert services.import_services(base, make_ctx("2027-01-10"), path) == 4
    rows = base.exec(select(Service.domain, Service.server).order_by(Service.id)).all()
    assert rows == [("a.com", "web3"), ("b.com", "web-07.uy"), ("c.com", None), ("d.com", "db_2")]


def test_the_column_may_come_anywhere_or_not_at_all(base, tmp_path):
    path = _csv(
        tmp_path,
        "web3,ana@example.com,hosting-basic,annual,active,2027-03-31\n",
        header="server,client_email,product,cycle,status,next_due_date\n",
    )
    assert services.import_services(base, make_ctx("2027-01-10"), path) == 1
    path = _csv(
        tmp_path,
        "ana@example.com,hosting-basic,annual,active,2027-03-31\n",
        header="client_email,product,cycle,status,next_due_date\n",
    )
    assert services.import_services(base, make_ctx("2027-01-10"), path) == 1
    assert base.exec(select(Service.server).order_by(Service.id)).all() == ["web3", None]


def test_a_bad_server_name_refuses_the_file(base, tmp_path):
    long_name = "w" * 81
    path = _csv(
        tmp_path,
        "ana@example.com,hosting-basic,annual,active,2027-03-31,a.com,web3\n"
        "ana@example.com,hosting-basic,annual,active,2027-03-31,b.com,web 3\n"
        f"ana@example.com,hosting-basic,annual,active,2027-03-31,c.com,{long_name}\n"
        "ana@example.com,hosting-basic,annual,active,2027-03-31,d.com,web3/a\n"
        "ana@example.com,hosting-basic,weekly,active,2027-03-31,e.com,web 3\n",
    )
    with pytest.raises(ImportFileError) as err:
        services.import_services(base, make_ctx("2027-01-10"), path)
    assert err.value.message == "services.csv was not imported: 4 bad row(s)."
    rule = "may use letters, digits, '-', '_' and '.' (80 at most)."
    assert err.value.details == [
        f"line 3, column server: the server name 'web 3' {rule}",
        f"line 4, column server: the server name '{long_name}' {rule}",
        f"line 5, column server: the server name 'web3/a' {rule}",
        "line 6, column cycle: hosting-basic cannot be billed 'weekly' (monthly,annual).",
    ]
    assert base.exec(select(Service)).all() == []
