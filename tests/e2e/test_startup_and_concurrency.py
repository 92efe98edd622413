"""Real processes: start-up cost, the default database, migrations and SQLite concurrency."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from hostctl import migrate

# The console script beside this interpreter (not a pyenv shim, which adds its own start-up).
_BESIDE = Path(sys.executable).with_name("hostctl")
HOSTCTL = str(_BESIDE) if _BESIDE.exists() else (shutil.which("hostctl") or "hostctl")
PG_URL = os.environ.get("HOSTCTL_TEST_DATABASE_URL")
HEAVY = ("sqlalchemy", "sqlmodel", "questionary", "tabulate", "babel", "pendulum")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOSTCTL_")}
    env.update({"HOSTCTL_STAFF": "e2e", "HOSTCTL_NO_INPUT": "1"}, **extra)
    return env


def _run(*args: str, env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [HOSTCTL, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_importing_the_cli_loads_no_heavy_module():
    code = (
        "import json, sys, hostctl.cli\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=_env(), capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []


def test_client_show_builds_no_orm_class(tmp_path):
    """One-shot ``client show`` reads through Core tables: no SQLModel class is mapped."""
    env = _env(HOSTCTL_DATABASE_URL=f"sqlite:///{tmp_path / 'h.db'}")
    (tmp_path / "h.db").touch()
    added = _run("client", "add", "--name", "Ana", "--email", "ana@example.com", env=env)
    assert added.returncode == 0, added.stderr
    code = textwrap.dedent(
        """
        import atexit, json, sys
        from hostctl.cli import main
        def report():
            from sqlmodel import SQLModel
            mapped = sorted(m.class_.__name__ for m in SQLModel._sa_registry.mappers)
            loaded = sorted(m for m in sys.modules if m.startswith("hostctl.core."))
            print(json.dumps({"mapped": mapped, "core": loaded}), file=sys.stderr)
        atexit.register(report)
        sys.argv = ["hostctl", "client", "show", "1", "--json"]
        main()
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert json.loads(out.stdout)["email"] == "ana@example.com"
    seen = json.loads(out.stderr.strip().splitlines()[-1])
    assert seen["mapped"] == []
    assert "hostctl.core.clients" not in seen["core"]


def test_help_works_without_a_database(tmp_path):
    env = _env(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"))
    result = _run("--help", env=env)
    assert result.returncode == 0
    assert "client" in result.stdout
    assert not (tmp_path / "data").exists()


def test_default_database_is_created_and_migrated_in_user_data_dir(tmp_path):
    env = _env(HOME=str(tmp_path), XDG_DATA_HOME=str(tmp_path / "data"))
    added = _run("client", "add", "--name", "Ana", "--email", "ana@example.com", "--json", env=env)
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["id"] == 1
    path = tmp_path / "data" / "hostctl" / "hostctl.db"
    assert path.is_file()
    status = json.loads(_run("db", "status", "--json", env=env).stdout)
    assert status["url"] == f"sqlite:///{path}"
    assert (status["current"], status["up_to_date"]) == (migrate.HEAD, True)
    shown = json.loads(_run("client", "show", "1", "--json", env=env).stdout)
    assert shown["email"] == "ana@example.com"


def test_head_matches_alembic_and_models(db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from hostctl.models import metadata

    script = ScriptDirectory.from_config(migrate._config())
    assert script.get_current_head() == migrate.HEAD
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL: set HOSTCTL_TEST_DATABASE_URL")
    from tests.conftest import _drop_pg, _pg_database

    url, name = _pg_database(PG_URL)
    yield url
    _drop_pg(PG_URL, name)


def test_two_processes_migrate_an_empty_database_at_once(empty_url):
    env = _env(HOSTCTL_DATABASE_URL=empty_url)
    procs = [
        subprocess.Popen(
            [HOSTCTL, "db", "upgrade", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert [r[0] for r in results] == [0, 0], [r[2] for r in results]
    assert sorted(json.loads(r[1])["after"] for r in results) == [migrate.HEAD] * 2
    engine = create_engine(empty_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    engine.dispose()


def test_two_first_uses_at_once_migrate_on_demand(tmp_path):
    # the default database (no HOSTCTL_DATABASE_URL) is the one made on first use
    env = _env(XDG_DATA_HOME=str(tmp_path / "data"))
    procs = [
        subprocess.Popen(
            [HOSTCTL, "client", "add", "--name", f"C{i}", "--email", f"c{i}@example.com"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    errors = [(p.wait(timeout=120), p.communicate()[1]) for p in procs]
    assert errors == [(0, "")] * 3


WORKER = textwrap.dedent(
    """
    import sys
    from hostctl import db
    from hostctl.cli import app

    worker = int(sys.argv[1])
    for i in range(int(sys.argv[2])):
        db.dispose_all()  # connect afresh each time, as a new process would
        try:
            app(["client", "add", "--name", f"W{worker} C{i}",
                 "--email", f"w{worker}.c{i}@example.com"], standalone_mode=False)
        except SystemExit as exc:
            if exc.code:
                raise
    """
)


@pytest.mark.slow
def test_concurrent_client_adds_never_fail(db_url, tmp_path):
    """4 processes × 20 `client add` at once: every add succeeds (no "database is locked")."""
    env = _env(HOSTCTL_DATABASE_URL=db_url)
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(w), "20"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(4)
    ]
    results = [(p.wait(timeout=300), p.communicate()[1]) for p in procs]
    assert [code for code, _ in results] == [0, 0, 0, 0], [err[-2000:] for _, err in results]
    assert all("locked" not in err for _, err in results)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM clients")).scalar() == 80
        assert conn.execute(text("SELECT count(*) FROM outbox")).scalar() == 80
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 80
    engine.dispose()


@pytest.mark.slow
def test_concurrent_real_hostctl_processes(db_url):
    """Whole `hostctl client add` processes, 4 at a time, 3 each."""

    def worker(w: int) -> list[tuple[int, str]]:
        env = _env(HOSTCTL_DATABASE_URL=db_url)
        out = []
        for i in range(3):
            r = _run("client", "add", "--name", f"P{w}", "--email", f"p{w}.{i}@e.com", env=env)
            out.append((r.returncode, r.stderr))
        return out

    with ThreadPoolExecutor(4) as pool:
        results = [r for rs in pool.map(worker, range(4)) for r in rs]
    assert results == [(0, "")] * 12
