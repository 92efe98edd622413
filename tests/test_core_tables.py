"""``models/core_tables.py`` is generated from the models (``tools/core_tables.py``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from hostctl import models
from hostctl.models import core_tables

TOOL = Path(__file__).resolve().parent.parent / "tools" / "core_tables.py"


def _tool():
    spec = importlib.util.spec_from_file_location("core_tables_tool", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_core_tables_are_current():
    tool = _tool()
    assert tool.TARGET.read_text(encoding="utf-8") == tool.render(), (
        "models/core_tables.py is stale: run python tools/core_tables.py"
    )


def test_each_core_table_has_the_models_columns():
    metadata = models.load_all()
    for name, table in core_tables.metadata.tables.items():
        assert [c.name for c in table.columns] == [c.name for c in metadata.tables[name].columns]
