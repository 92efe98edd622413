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


def test_model_modules_sort_after_the_modules_their_foreign_keys_name():
    """The ORM inserts unrelated tables in the order of module and class name; a table's
    module must sort after the modules of the tables it references (models/__init__.py)."""
    import hostctl.models as models

    models.load_all()
    module_of = {}
    for name, module in models.WHERE.items():
        table = getattr(getattr(models, name), "__table__", None)
        if table is not None:
            module_of[table.name] = module
    for table in models.metadata.tables.values():
        for fk in table.foreign_keys:
            own, other = module_of[table.name], module_of[fk.column.table.name]
            assert own >= other, f"{table.name} ({own}) references {fk.column.table.name} ({other})"


def test_client_commands_load_only_the_tables_they_need():
    import subprocess
    import sys

    code = (
        "import sys, hostctl.core.clients, hostctl.views, hostctl.commands.client;"
        "print(sorted(m for m in sys.modules if m.startswith('hostctl.models.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == (
        "['hostctl.models.audit', 'hostctl.models.base', 'hostctl.models.clients', "
        "'hostctl.models.outbox', 'hostctl.models.types']"
    )
