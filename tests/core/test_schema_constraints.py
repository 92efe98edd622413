import datetime as dt

import pytest
from sqlalchemy.exc import IntegrityError

from hostctl import db
from hostctl.models import Client, Product, Service, Transfer

NOW = dt.datetime(2026, 5, 4, 12, tzinfo=dt.UTC)
DAY = dt.date(2026, 5, 4)


def _transfer(service_id: int, status: str) -> Transfer:
    return Transfer(
        service_id=service_id,
        from_client_id=1,
        to_client_id=2,
        status=status,
        message="Hola",
        requested_by="t",
        requested_on=DAY,
        expires_on=DAY,
        created_at=NOW,
    )


def test_only_one_pending_transfer_per_service(db_url):
    with db.unit_of_work(url=db_url) as s:
        for n in (1, 2):
            s.add(
                Client(
                    name=f"C{n}",
                    email=f"c{n}@x.com",
                    email_key=f"c{n}@x.com",
                    created_on=DAY,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
        s.add(
            Product(
                code="p",
                name="P",
                category="other",
                cycles="annual",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        s.flush()
        s.add(
            Service(
                client_id=1,
                product_code="p",
                cycle="annual",
                status="active",
                created_on=DAY,
                created_at=NOW,
                updated_at=NOW,
            )
        )
        s.flush()
        s.add(_transfer(1, "expired"))
        s.add(_transfer(1, "pending"))
    with pytest.raises(IntegrityError), db.unit_of_work(url=db_url) as s:
        s.add(_transfer(1, "pending"))
        s.flush()
