"""Peak memory of the imports: N clients and N services through the CLI, each in its own
``hostctl`` process, as an agent migrating from the old panel runs them.

    python bench/import_memory.py                 # 200 000 clients, 200 000 services, SQLite
    python bench/import_memory.py --rows 50000
    python bench/import_memory.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python bench/import_memory.py --json

Steps: the catalogue, the clients, the services, and then the clients file once more,
which refuses every row ("already a client"): the memory of a refused import with its
report of bad rows. Wall time and peak RSS come from ``os.wait4`` (the rusage of that one
child). The files are made by ``bench/daily.py``'s generators (the same shape of data).
It is a report: the exit status is 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import random
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _daily_bench() -> Any:
    """``bench/daily.py`` as a module: its data generators, runner and scratch databases."""
    spec = importlib.util.spec_from_file_location("bench_daily", HERE / "daily.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_daily"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def bench(opts: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    daily = _daily_bench()
    exe = daily.hostctl()
    rng = random.Random(opts.seed)
    start = dt.date.fromisoformat("2027-01-01")
    emails = daily.write_clients(workdir / "clients.csv", opts.rows, rng)
    daily.write_services(workdir / "services.csv", opts.rows, emails, start, rng)
    del emails
    (workdir / "catalogue.toml").write_text(
        daily.CATALOGUE_FILE.read_text(encoding="utf-8"), encoding="utf-8"
    )
    pg_name = None
    if opts.database_url:
        url, pg_name = daily.make_pg(opts.database_url)
    else:
        (workdir / "bench.db").touch()  # hostctl makes no named database that is missing
        url = f"sqlite:///{workdir / 'bench.db'}"
    env = {
        **os.environ,
        "HOSTCTL_DATABASE_URL": url,
        "HOSTCTL_STAFF": "bench",
        "HOSTCTL_TODAY": start.isoformat(),
        "NO_COLOR": "1",
    }
    env.pop("HOSTCTL_NOW", None)
    steps = []
    try:
        for name, args in [
            ("catalogue", [exe, "product", "import", str(workdir / "catalogue.toml")]),
            ("client_import", [exe, "client", "import", str(workdir / "clients.csv")]),
            ("service_import", [exe, "service", "import", str(workdir / "services.csv")]),
            ("client_import_refused", [exe, "client", "import", str(workdir / "clients.csv")]),
        ]:
            step = daily.run(name, args, env, workdir)
            lines = (workdir / f"{name}.out").read_text(encoding="utf-8").splitlines()
            steps.append((step, lines))
    finally:
        if pg_name:
            daily.drop_pg(opts.database_url, pg_name)
    return {
        "database": "sqlite" if "sqlite" in url else "postgresql",
        "rows": opts.rows,
        "python": sys.version.split()[0],
        "steps": [
            {
                "name": s.name,
                "seconds": s.seconds,
                "cpu_seconds": s.cpu_seconds,
                "peak_mb": s.peak_mb,
                "exit_code": s.exit_code,
                "output": lines[0] if lines else "",
                "output_lines": len(lines),
            }
            for s, lines in steps
        ],
    }


def print_table(result: dict[str, Any]) -> None:
    print(
        f"hostctl import memory: {result['rows']:,} client rows, {result['rows']:,} service "
        f"rows, {result['database']}, Python {result['python']}"
    )
    print(f"{'step':<23}{'seconds':>9}{'cpu s':>8}{'peak MB':>9}{'exit':>6}  output")
    for s in result["steps"]:
        more = f" (+{s['output_lines'] - 1} lines)" if s["output_lines"] > 1 else ""
        print(
            f"{s['name']:<23}{s['seconds']:>9.2f}{s['cpu_seconds']:>8.2f}{s['peak_mb']:>9.1f}"
            f"{s['exit_code']:>6}"
            f"  {s['output'][:90]}{more}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="clients, and services")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server URL; a scratch database is made and dropped",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    opts = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="hostctl-import-bench-"))
    try:
        result = bench(opts, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if opts.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
