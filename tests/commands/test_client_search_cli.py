"""``client list --search`` takes the text literally: ``%`` and ``_`` are not wildcards
(each word is the start of a word: ``%`` alone starts none)."""

from __future__ import annotations


def test_search_for_percent_and_underscore(cli):
    for name, email, company in (
        ("Ana", "ana@example.com", "Radio 100% Sur"),
        ("Beto", "beto_gomez@example.com", "Radio Norte"),
        ("Ciro", "ciro@example.com", "Radio Este"),
    ):
        assert (
            cli("client", "add", "--name", name, "--email", email, "--company", company).exit_code
            == 0
        )
    assert [c["name"] for c in cli.json("client", "list", "--search", "100%")] == ["Ana"]
    assert [c["name"] for c in cli.json("client", "list", "--search", "%")] == []
    assert [c["name"] for c in cli.json("client", "list", "--search", "beto_")] == ["Beto"]
    assert [c["name"] for c in cli.json("client", "list", "--search", "b_to")] == []
    assert [c["name"] for c in cli.json("client", "list", "--search", "radio _")] == []
    assert [c["name"] for c in cli.json("client", "list", "--search", "radio")] == [
        "Ana",
        "Beto",
        "Ciro",
    ]
