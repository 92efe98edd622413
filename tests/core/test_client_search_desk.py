"""``list_clients(search=…)`` as staff at the support desk type: without case or accents,
by name, company, email, phone digits, document number or a service's domain, on SQLite
and PostgreSQL alike; the search key is kept on add, edit and import."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select
from tests.conftest import make_ctx

from hostctl.core import clients, services
from hostctl.models import Client, Product


@pytest.fixture
def desk(session, ctx, tmp_path):
    for name, email, phone, document, company in (
        ("María Inés Güemes", "mig@correo.com.uy", "+59899123456", "4.567.890-1", None),
        ("Ana Pérez", "ana.perez@example.com", "+5491123456789", "20-12345678-3", "Radio Sur"),
        ("José Muñoz", "JMunoz@Example.com", "+5491110012345", None, "Ñandú Hosting"),
        ("Ciro", "ciro@example.com", None, "AB-123.456", "100% Radio"),
    ):
        clients.add_client(
            session,
            ctx,
            name=name,
            email=email,
            phone=phone,
            document=document,
            company=company,
        )
    for code, category in (("hosting-basic", "hosting"), ("domain-com", "domain")):
        session.add(
            Product(
                code=code,
                name=code,
                category=category,
                cycles="annual",
                created_at=ctx.now,
                updated_at=ctx.now,
            )
        )
    session.flush()
    path = tmp_path / "services.csv"
    path.write_text(
        "client_email,product,cycle,status,next_due_date,domain\n"
        "ana.perez@example.com,domain-com,annual,active,2026-06-30,radiosur.com\n"
        "ciro@example.com,domain-com,annual,active,2026-06-30,Ciro.com.AR\n"
        "ciro@example.com,hosting-basic,annual,pending,,peñarol.uy\n",
        encoding="utf-8",
    )
    assert services.import_services(session, ctx, path) == 3
    return session


MARIA, ANA, JOSE, CIRO = "María Inés Güemes", "Ana Pérez", "José Muñoz", "Ciro"


@pytest.mark.parametrize(
    ("search", "names"),
    [
        # name, company, email: any case, with or without accents, spaces as typed
        ("maria ines", [MARIA]),
        ("GUEMES", [MARIA]),
        ("Güemes", [MARIA]),
        ("  maría   INÉS ", [MARIA]),
        ("munoz", [JOSE]),
        ("MUÑOZ", [JOSE]),
        ("nandu", [JOSE]),
        ("ÑANDÚ HOST", [JOSE]),
        ("radio", [ANA, CIRO]),
        ("jmunoz@example", [JOSE]),
        ("MIG@CORREO.COM.UY", [MARIA]),
        ("perez", [ANA]),
        # phone: its digits, however they are written
        ("99123456", [MARIA]),
        ("+598 99 123 456", [MARIA]),
        ("+598-99-123-456", [MARIA]),
        ("(11) 2345-6789", [ANA]),
        ("+54 9", [ANA, JOSE]),
        ("099 123 456", [MARIA]),  # national, with the trunk prefix 0
        ("(011) 2345-6789", [ANA]),
        # document: without its dots and dashes, letters in any case
        ("4.567.890", [MARIA]),
        ("45678901", [MARIA]),
        ("20-12345678-3", [ANA]),
        ("12345678", [ANA]),
        ("ab-123", [CIRO]),
        ("ab 123.456", [CIRO]),
        ("AB123456", [CIRO]),
        # a domain of one of the client's services, as typed
        ("radiosur", [ANA]),
        ("ciro.com.ar", [CIRO]),
        ("CIRO.COM", [CIRO]),
        ("peñarol.uy", [CIRO]),
        # literal, and never from one field into the next
        ("100%", [CIRO]),  # not the phone +5491110012345 (1 0 0)
        ("%", []),  # the start of no word
        ("_", []),
        ("3456 4567", []),  # the end of the phone, then the document
        # every word, in any order, each the start of a word of any field
        ("perez ana", [ANA]),
        ("PÉR AN", [ANA]),
        ("ines maria", [MARIA]),
        ("güemes mig", [MARIA]),  # the name and the email
        ("ana radio", [ANA]),  # the name and the company
        ("radio cir", [CIRO]),
        ("radio 100", [CIRO]),
        ("ciro peñarol", [CIRO]),  # the name and a domain
        ("ana 549", [ANA]),  # the name and the start of the phone
        ("ana 20-123", [ANA]),  # the name and the start of the document
        ("ana 123", []),  # not the start of the phone or document
        ("perez example", [ANA]),  # words of the email
        ("rez", []),  # inside a word
        ("com.ar", [CIRO]),  # labels of a domain
        ("sur.com", []),  # not the start of a label
        ("345645678", []),
        ("maria ines x", []),
        ("zzz", []),
    ],
)
def test_search_as_staff_type_it(desk, search, names):
    assert [c.name for c in clients.list_clients(desk, search=search)] == names


def test_empty_search_lists_everyone_and_limit_applies(desk):
    assert [c.name for c in clients.list_clients(desk, search="   ")] == [MARIA, ANA, JOSE, CIRO]
    assert [c.name for c in clients.list_clients(desk, search="+54", limit=1)] == [ANA]


def test_search_key_is_made_on_add(desk):
    keys = dict(desk.exec(select(Client.name, Client.search_key)).all())
    assert keys == {
        MARIA: "maria ines guemes\n\nmig@correo.com.uy\n59899123456\n45678901",
        ANA: "ana perez\nradio sur\nana.perez@example.com\n5491123456789\n20123456783",
        JOSE: "jose munoz\nnandu hosting\njmunoz@example.com\n5491110012345\n",
        CIRO: "ciro\n100% radio\nciro@example.com\n\nab123456",
    }


def test_edit_keeps_the_search_key(desk):
    maria = clients.list_clients(desk, search="guemes")[0]
    later = make_ctx("2026-02-01")
    clients.edit_client(
        desk,
        later,
        maria.id,
        name="María Inés Güemes de Sosa",
        phone="+59899100200",
        company="Sosa Web",
        document="5.555.555-5",
    )
    assert maria.search_key == (
        "maria ines guemes de sosa\nsosa web\nmig@correo.com.uy\n59899100200\n55555555"
    )
    assert [c.name for c in clients.list_clients(desk, search="de sosa")] == [
        "María Inés Güemes de Sosa"
    ]
    assert [c.id for c in clients.list_clients(desk, search="099 100 200")] == [maria.id]
    assert [c.id for c in clients.list_clients(desk, search="SOSA WEB")] == [maria.id]
    # the old phone and document no longer find her
    assert clients.list_clients(desk, search="99123456") == []
    assert clients.list_clients(desk, search="4.567.890") == []


def test_import_makes_the_search_key(session, ctx, tmp_path: Path):
    path = tmp_path / "clients.csv"
    path.write_text(
        "name,email,phone,document,company\n"
        "Ñoño Ibáñez,NONO@Example.com,+598 99 123 456,3.333.333-3,Lácteos Ñuble\n"
        "Zoë Brontë,zoe@example.com,,,\n",
        encoding="utf-8",
    )
    assert clients.import_clients(session, ctx, path) == 2
    keys = dict(session.exec(select(Client.name, Client.search_key)).all())
    assert keys == {
        "Ñoño Ibáñez": "nono ibanez\nlacteos nuble\nnono@example.com\n59899123456\n33333333",
        "Zoë Brontë": "zoe bronte\n\nzoe@example.com\n\n",
    }
    assert [c.name for c in clients.list_clients(session, search="IBANEZ")] == ["Ñoño Ibáñez"]
    assert [c.name for c in clients.list_clients(session, search="lacteos")] == ["Ñoño Ibáñez"]
    assert [c.name for c in clients.list_clients(session, search="3.333.333")] == ["Ñoño Ibáñez"]
    assert [c.name for c in clients.list_clients(session, search="zoe bronte")] == ["Zoë Brontë"]


def test_search_key_function():
    assert clients.fold("  María\tInés  GÜEMES ") == "maria ines guemes"
    assert clients.fold("Straße İzmir") == "strasse izmir"
    assert clients.fold(None) == ""
    assert clients.search_key("Ana", None, "A@B.com", "+54 9 11", "AB12") == (
        "ana\n\na@b.com\n54911\nab12"
    )
