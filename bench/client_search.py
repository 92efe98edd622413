"""``client list --search`` on a real-sized base: N clients and 3N services imported through
the CLI (``bench/daily.py``'s data), then each search timed in-process (the median of
``--repeat`` runs), next to the search of the previous release (``lower(name) LIKE …`` on
name, email and company) for comparison; one search as a whole ``hostctl`` process; and
the upgrade 0005 → 0006 that fills the search key of every client.

    python bench/client_search.py                 # 20 000 clients, 60 000 services, SQLite
    python bench/client_search.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python bench/client_search.py --json

It is a report: the exit status is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SEARCHES = (
    "cliente 12345",  # a name
    "12345 clie",  # the same, its words in another order, the last one begun
    "CLIENTE 1",  # a name, many matches (shown: the first 50, as staff would --limit)
    "empresa 77",  # a company
    "client0001234@",  # an email
    "+54 911 2",  # a phone, as typed
    "20-00004321",  # a document, as typed
    "site4242.com",  # a service's domain
    "zzz nadie",  # nothing: the whole table read
)


def _daily_bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_daily", HERE / "daily.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_daily"] = module
    spec.loader.exec_module(module)
    return module


def _old_search(session: Any, search: str, limit: int) -> list[Any]:
    """The search of the previous release, for comparison."""
    from sqlalchemy import func, or_
    from sqlmodel import col, select

    from hostctl.models import Client

    part = search.strip().lower()
    stmt = select(Client).where(
        or_(
            func.lower(Client.name).contains(part, autoescape=True),
            col(Client.email_key).contains(part, autoescape=True),
            func.lower(col(Client.company)).contains(part, autoescape=True),
        )
    )
    return list(session.exec(stmt.order_by(col(Client.id)).limit(limit)).all())


def _median_ms(fn: Any, repeat: int) -> tuple[float, int]:
    times, found = [], 0
    for _ in range(repeat):
        began = time.perf_counter()
        found = len(fn())
        times.append(time.perf_counter() - began)
    return round(statistics.median(times) * 1000, 1), found


def bench(opts: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from alembic import command

    from hostctl import db, migrate
    from hostctl.core import clients

    daily = _daily_bench()
    exe = daily.hostctl()
    rng = random.Random(opts.seed)
    start = dt.date.fromisoformat("2027-01-01")
    emails = daily.write_clients(workdir / "clients.csv", opts.clients, rng)
    daily.write_services(workdir / "services.csv", 3 * opts.clients, emails, start, rng)
    (workdir / "catalogue.toml").write_text(
        daily.CATALOGUE_FILE.read_text(encoding="utf-8"), encoding="utf-8"
    )
    pg_name = None
    if opts.database_url:
        url, pg_name = daily.make_pg(opts.database_url)
    else:
        (workdir / "bench.db").touch()  # hostctl makes no named database that is missing
        url = f"sqlite:///{workdir / 'bench.db'}"
    env = {**os.environ, "HOSTCTL_DATABASE_URL": url, "HOSTCTL_STAFF": "bench", "NO_COLOR": "1"}
    env["HOSTCTL_TODAY"] = start.isoformat()
    result: dict[str, Any] = {
        "database": "postgresql" if pg_name else "sqlite",
        "clients": opts.clients,
        "services": 3 * opts.clients,
    }
    try:
        for name, args in [
            ("catalogue", [exe, "product", "import", str(workdir / "catalogue.toml")]),
            ("client_import", [exe, "client", "import", str(workdir / "clients.csv")]),
            ("service_import", [exe, "service", "import", str(workdir / "services.csv")]),
        ]:
            step = daily.run(name, args, env, workdir)
            if step.exit_code:
                sys.exit(f"{name} failed: {step.output}")
            result[f"{name}_s"] = step.seconds
        rows = []
        with db.unit_of_work(url=url) as session:
            for search in SEARCHES:
                new_ms, new_found = _median_ms(
                    lambda s=search: clients.list_clients(session, search=s, limit=50), opts.repeat
                )
                old_ms, old_found = _median_ms(
                    lambda s=search: _old_search(session, s, 50), opts.repeat
                )
                rows.append(
                    {
                        "search": search,
                        "ms": new_ms,
                        "found": new_found,
                        "old_ms": old_ms,
                        "old_found": old_found,
                    }
                )
        result["searches"] = rows
        step = daily.run(
            "cli_search", [exe, "client", "list", "--search", "zzz nadie", "--json"], env, workdir
        )
        result["cli_search_s"] = step.seconds
        db.dispose_all()
        engine = db.get_engine(url)
        # SQLite's later revisions rebuild tables: foreign keys off, as hostctl.migrate does
        with engine.connect() as conn, migrate._foreign_keys_off(conn), conn.begin():
            command.downgrade(migrate._config(conn), "0005_uptime")
        began = time.perf_counter()
        with engine.connect() as conn, migrate._foreign_keys_off(conn), conn.begin():
            command.upgrade(migrate._config(conn), "0006_client_search")
        result["upgrade_0006_s"] = round(time.perf_counter() - began, 3)
        db.dispose_all()
    finally:
        db.dispose_all()
        if pg_name:
            daily.drop_pg(opts.database_url, pg_name)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--json", action="store_true")
    opts = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hostctl-search-") as folder:
        result = bench(opts, Path(folder))
    if opts.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"{result['database']}: {result['clients']} clients, {result['services']} services "
        f"(imported in {result['client_import_s']} s + {result['service_import_s']} s)"
    )
    print(f"{'search':<18} {'ms':>7} {'found':>6} {'old ms':>7} {'old found':>9}")
    for row in result["searches"]:
        print(
            f"{row['search']:<18} {row['ms']:>7} {row['found']:>6} {row['old_ms']:>7} "
            f"{row['old_found']:>9}"
        )
    print(f"hostctl client list --search (a whole process): {result['cli_search_s']} s")
    print(f"upgrade 0005 → 0006 (search key of every client): {result['upgrade_0006_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
