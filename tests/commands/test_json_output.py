"""``output.print_json``: orjson writes every ``--json`` document exactly as the standard
library's ``json.dumps(indent=2, ensure_ascii=False)`` would (scripts and people diffing
outputs see no change), and what orjson refuses (an integer beyond 64 bits) is still written."""

from __future__ import annotations

import datetime as dt
import json

from hostctl import output
from hostctl.core.money import Money


def _printed(capsys, data) -> str:
    output.print_json(data)
    return capsys.readouterr().out


def _standard(data) -> str:
    return json.dumps(data, default=output._default, ensure_ascii=False, indent=2) + "\n"


def test_the_same_text_as_the_standard_library(capsys):
    ba = dt.timezone(dt.timedelta(hours=-3))
    data = {
        "empty_list": [],
        "empty_object": {},
        "nested": [1, [2, {"ñandú": "Pérez \u201cAna\u201d \x1b"}], None, True, False],
        "date": dt.date(2026, 12, 5),
        "at": dt.datetime(2026, 12, 5, 9, 30, tzinfo=ba),
        "at_utc": dt.datetime(2026, 12, 5, 12, 30, 0, 250, tzinfo=dt.UTC),
        "money": Money.parse("1234.56", "USD"),
        "tuple": (1, "dos"),
        "counts": {7: "client", 12: "service"},
        "big": 2**62,
    }
    assert _printed(capsys, data) == _standard(data)


def test_what_orjson_refuses_is_written_by_the_standard_library(capsys):
    data = {"beyond_64_bits": 2**70, "list": [1, 2]}
    assert _printed(capsys, data) == _standard(data)
