"""Real processes: the files hostctl creates are its owner's only, whatever the umask, and
bytes that are not UTF-8 on the command line are refused in one sentence."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from sqlalchemy import text
from tests.e2e.test_startup_and_concurrency import HOSTCTL, _env

from hostctl import db


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _run_with_umask(args: list[str | bytes], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [HOSTCTL, *args],
        env=env,
        capture_output=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0),  # the most permissive umask there is
    )


def test_the_default_data_folder_and_database_are_private(tmp_path):
    env = _env(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"))
    added = _run_with_umask(["client", "add", "--name", "Ana", "--email", "ana@example.com"], env)
    assert added.returncode == 0, added.stderr
    folder = tmp_path / "data" / "hostctl"
    assert (_mode(folder), _mode(folder / "hostctl.db")) == (0o700, 0o600)
    assert sorted(p.name for p in folder.iterdir()) == ["hostctl.db"]


def test_a_new_sqlite_file_and_its_wal_and_shm_are_private(tmp_path):
    path = tmp_path / "new" / "hostctl.db"
    old = os.umask(0)
    try:
        engine = db.get_engine(f"sqlite:///{path}", create=True)
        with engine.connect() as conn:  # WAL mode: -wal and -shm exist while it is open
            conn.execute(text("SELECT count(*) FROM clients")).scalar()
            modes = {p.name: _mode(p) for p in path.parent.iterdir()}
    finally:
        os.umask(old)
        db.dispose_all()
    assert modes == {"hostctl.db": 0o600, "hostctl.db-wal": 0o600, "hostctl.db-shm": 0o600}
    assert _mode(path.parent) == 0o700
    path.chmod(0o640)  # someone gave the group read access on purpose: kept
    db.get_engine(f"sqlite:///{path}")
    db.dispose_all()
    assert _mode(path) == 0o640


def test_an_argument_that_is_not_utf8_is_refused_in_one_sentence(tmp_path):
    env = _env(HOSTCTL_DATABASE_URL=f"sqlite:///{tmp_path / 'h.db'}")
    result = _run_with_umask(
        ["client", "add", "--name", b"Jos\xe9", "--email", "jose@example.com"], env
    )
    assert (result.returncode, result.stdout, result.stderr.decode()) == (
        1,
        b"",
        "error: The argument 'Jos\\xe9' is not valid UTF-8 text.\n",
    )
    assert not (tmp_path / "h.db").exists()  # refused before any database was opened
