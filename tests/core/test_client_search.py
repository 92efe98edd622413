"""``list_clients(search=…)`` takes the text literally: ``%``, ``_`` and the escape
character are themselves (each word the start of a word), not LIKE wildcards (SQLite and
PostgreSQL)."""

from __future__ import annotations

import pytest

from hostctl.core import clients


@pytest.fixture
def people(session, ctx):
    for name, email, company in (
        ("Ana Pérez", "ana@example.com", "Radio 100% Sur"),
        ("Beto", "beto_gomez@example.com", None),
        ("Ciro", "ciro@example.com", "A/B Hosting"),
        ("Dora", "dora@example.com", "C:\\Temp SRL"),
        ("Eva", "evax@example.com", "Radio 1000 Sur"),
    ):
        clients.add_client(session, ctx, name=name, email=email, company=company)
    return session


@pytest.mark.parametrize(
    ("search", "names"),
    [
        ("%", []),  # the start of no word
        ("100%", ["Ana Pérez"]),  # not "Radio 1000 Sur"
        ("beto_", ["Beto"]),
        ("beto_g", ["Beto"]),
        ("bet_", []),  # not "bet, any character"
        ("evax@", ["Eva"]),
        ("eva_@", []),
        ("a/b", ["Ciro"]),
        ("c:\\temp", ["Dora"]),
        ("c:\\", ["Dora"]),
        ("radio 1", ["Ana Pérez", "Eva"]),
        ("RADIO", ["Ana Pérez", "Eva"]),
        ("pérez", ["Ana Pérez"]),
    ],
)
def test_search_is_literal_text(people, search, names):
    assert [c.name for c in clients.list_clients(people, search=search)] == names
