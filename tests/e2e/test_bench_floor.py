"""bench/floor.py writes exactly the rows `hostctl daily` writes: the bench's own comparison,
run small (SQLite only: the floor is a plain-sqlite3 program)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    bool(os.environ.get("HOSTCTL_TEST_DATABASE_URL")), reason="the floor is SQLite's"
)
def test_the_floor_writes_the_rows_daily_writes() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "daily.py"), "--services", "900", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    steps = {s["name"]: s for s in result["steps"]}
    assert not result["failed"]
    assert not [name for name in steps if name.startswith("compare")]
    for name in ("floor_30_days", "floor_one_day"):
        assert steps[name]["exit_code"] == 0
    # there was work to compare: invoices, suspensions
    assert result["work"]["daily_30_days"]["invoices_created"] > 0
    assert result["work"]["daily_30_days"]["suspended"] > 0
    assert set(result["floor"]) == {"daily_30_days", "daily_one_day"}
