"""The first use of a new SQLite file waits for another process's first use under way.

The other process is played by this test at the moment that made
``test_two_processes_migrate_an_empty_database_at_once`` fail now and then: it holds the
folder's first-use lock and the write lock of the still empty file (as SQLite's switch of
a new file to WAL does). hostctl must wait for it rather than fail at once with
"database is locked" (SQLite does not wait out the busy timeout for that write).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from hostctl import migrate

fcntl = pytest.importorskip("fcntl")
pytestmark = pytest.mark.skipif(
    not Path("/proc/locks").exists(), reason="needs /proc/locks to see a waiting process"
)

_BESIDE = Path(sys.executable).with_name("hostctl")
HOSTCTL = str(_BESIDE) if _BESIDE.exists() else "hostctl"


def _waits_on_flock(pid: int, folder: Path) -> bool:
    """Whether process ``pid`` is blocked on a flock of ``folder`` (Linux /proc/locks)."""
    inode = str(os.stat(folder).st_ino)
    for line in Path("/proc/locks").read_text().splitlines():
        parts = line.split()
        if "->" in parts:
            kind, _, _, who, where = parts[parts.index("->") + 1 :][:5]
            if kind == "FLOCK" and who == str(pid) and where.rsplit(":", 1)[-1] == inode:
                return True
    return False


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("db", "upgrade", "--json"), {"before": None, "after": migrate.HEAD}),
        (("client", "add", "--name", "Ana", "--email", "ana@example.com", "--json"), None),
    ],
    ids=["db-upgrade", "first-command"],
)
def test_a_first_use_waits_for_the_one_under_way(tmp_path, args, expected):
    path = tmp_path / "fresh.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSTCTL_")}
    env.update(HOSTCTL_DATABASE_URL=f"sqlite:///{path}", HOSTCTL_STAFF="e2e", HOSTCTL_NO_INPUT="1")

    folder = os.open(tmp_path, os.O_RDONLY)
    fcntl.flock(folder, fcntl.LOCK_EX)
    peer = sqlite3.connect(path, isolation_level=None)
    peer.execute("BEGIN IMMEDIATE")
    proc = subprocess.Popen(
        [HOSTCTL, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if _waits_on_flock(proc.pid, tmp_path):
                break
            time.sleep(0.05)
        waited = proc.poll() is None and _waits_on_flock(proc.pid, tmp_path)
    finally:
        peer.execute("COMMIT")
        peer.close()
        os.close(folder)
    out, err = proc.communicate(timeout=120)

    assert (proc.returncode, err, waited) == (0, "", True)
    result = json.loads(out)
    if expected is None:
        assert (result["id"], result["email"]) == (1, "ana@example.com")
    else:
        assert result == expected
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [
            (migrate.HEAD,)
        ]
    engine.dispose()
