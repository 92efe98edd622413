"""A control character in an import cell (a NUL PostgreSQL cannot store, a form feed) is a
bad row with its line and column, not a traceback, wherever it is in the file."""

from __future__ import annotations

import pytest

from hostctl.core import clients
from hostctl.errors import ImportFileError


def _file(tmp_path, rows: list[str]):
    path = tmp_path / "clients.csv"
    path.write_bytes(("name,email,company\n" + "\n".join(rows) + "\n").encode("utf-8"))
    return path


def test_a_form_feed_in_a_cell_is_a_bad_row(session, ctx, tmp_path):
    path = _file(tmp_path, ["Ana,ana@example.com,Acme", "Beto,beto@example.com,Mal\x0cSA"])
    with pytest.raises(ImportFileError) as refused:
        clients.import_clients(session, ctx, path)
    assert refused.value.details == [
        "line 3, column company: the value contains the control character U+000C; only tab "
        "and line breaks are allowed in text."
    ]


def test_a_nul_after_the_first_64_kb_is_a_bad_row(session, ctx, tmp_path):
    rows = [
        f"Cliente {i},c{i}@example.com,Empresa {i:05d} con un nombre largo" for i in range(2000)
    ]
    rows.append("Nulo,nulo@example.com,Empresa\x00SA")
    path = _file(tmp_path, rows)
    assert path.stat().st_size > 64 * 1024
    with pytest.raises(ImportFileError) as refused:
        clients.import_clients(session, ctx, path)
    assert refused.value.details[0].startswith("line 2002, column company: the value contains")
