"""Benchmark of the import and the daily run at the size of a real customer base.

Builds a fresh database, imports a catalogue, N clients and 3N services through the CLI
(as an agent migrating from the old panel would), then times ``hostctl daily``, each step
in its own ``hostctl`` process as cron runs it:

* ``daily_first_day``: the first run after the import, which issues the renewal invoices
  of the whole 15-day notice window and suspends every imported overdue service at once
  (a migration's one-off backlog, reported without a target);
* ``daily_rerun``: the same day again (nothing to do: start-up, lock, checks);
* ``daily_30_days``: a 30-day catch-up (cron was off for a month);
* ``daily_one_day``: the next ordinary day — what cron runs every morning.

Beside the 30-day catch-up and the ordinary day runs ``bench/floor.py`` (SQLite): a
plain-``sqlite3`` program that writes the same rows, on a copy of the same database, in
the same run; every row of the tables ``daily`` writes is then compared between the two
copies (ids included; only real-time stamps are left out, ``NOT_COMPARED``) and a
difference fails the step loudly. Targets (issue #25): catch-up ≤ 1.3× the floor, an
ordinary day ≤ 1.5× the floor's plus hostctl's start-up (``daily`` with nothing to do).

hostctl runs as an installed copy does: the package compiled to bytecode once, first on
``PYTHONPATH`` (this machine sets ``PYTHONDONTWRITEBYTECODE=1``, under which an editable
install compiles every module in every process).

Wall time and peak RSS are measured per process (``os.wait4`` gives the rusage of that
one child). Nobody pays in this company, so every rule has the most work it can have.
On a shared machine the figures move by ±20 % from run to run: ``--repeat N`` runs the
daily steps N times on copies of the imported database (SQLite) and reports the median.

    python bench/daily.py                      # 20 000 clients, 60 000 services, SQLite
    python bench/daily.py --services 300000    # growth: ratios against 60 000, same run
    python bench/daily.py --postgres URL       # the catch-up on PostgreSQL too, its ratio
    python bench/daily.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres
    python bench/daily.py --json               # machine-readable figures
    python bench/daily.py --repeat 3           # medians of three runs of the daily steps

``--services N`` above 60 000 runs the 60 000 bench too and reports an ordinary day
(≤ 2×) and the catch-up (≤ 6×) as ratios to it, and the peak memory (≤ 150 MB).
``--postgres URL`` runs the whole bench again on a scratch PostgreSQL database of that
server and reports its 30-day catch-up ÷ SQLite's (≤ 1.5×). With ``--database-url`` a
scratch database ``hostctl_bench_<pid>`` is created on that server and dropped at the
end. It is a report: the exit status is 0 whatever the figures, 1 only when the floor's
rows differ from hostctl's.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FLOOR_TARGETS = {  # hostctl ÷ bench/floor.py (issue #25)
    "daily_30_days": 1.3,
    "daily_one_day": 1.5,  # (hostctl − its start-up) ÷ floor
}
TARGETS = {  # seconds, or MB for memory
    "import": 5.0,
    "daily_one_day": 1.0,  # an ordinary day
    "daily_30_days": 5.0,
    "daily_peak_mb": 100.0,
}

# The company's catalogue (examples/catalogue.toml), as shipped inside the package.
CATALOGUE_FILE = Path(__file__).resolve().parents[1] / "examples" / "catalogue.toml"

# (product, cycle, weight): hosting semiannual/annual/biennial, radio monthly/quarterly,
# domains annual.
MIX = (
    ("hosting-basic", "semiannual", 8),
    ("hosting-basic", "annual", 14),
    ("hosting-basic", "biennial", 4),
    ("hosting-pro", "semiannual", 3),
    ("hosting-pro", "annual", 6),
    ("hosting-pro", "biennial", 2),
    ("radio-streaming", "monthly", 10),
    ("radio-streaming", "quarterly", 8),
    ("domain-com", "annual", 45),
)
SPREAD_DAYS = 400  # due dates spread uniformly over this many days from the start
OVERDUE_SHARE = 0.03  # active, due in the 30 days before the start
SUSPENDED_SHARE = 0.02  # suspended for non-payment, due 3 to 20 days before the start


@dataclass
class Step:
    name: str
    command: str
    seconds: float
    cpu_seconds: float
    peak_mb: float
    exit_code: int
    output: str = ""


# --------------------------------------------------------------------------- data
def write_clients(path: Path, count: int, rng: random.Random) -> list[str]:
    emails = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            ["name", "email", "phone", "country", "currency", "document", "company", "support_plan"]
        )
        for i in range(1, count + 1):
            email = f"client{i:07d}@example.com"
            emails.append(email)
            country = rng.choice(("AR", "AR", "UY", "CL", "MX", "ES"))
            phone = f"+54911{rng.randrange(2 * 10**7, 9 * 10**7)}" if rng.random() < 0.8 else ""
            document = f"20-{i:08d}-{i % 10}" if rng.random() < 0.5 else ""
            company = f"Empresa {i} SRL" if rng.random() < 0.3 else ""
            plan = rng.choice(("standard", "standard", "standard", "professional", "full"))
            out.writerow([f"Cliente {i}", email, phone, country, "USD", document, company, plan])
    return emails


def write_services(
    path: Path, count: int, emails: list[str], start: dt.date, rng: random.Random
) -> None:
    choices = [(p, c) for p, c, w in MIX for _ in range(w)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["client_email", "product", "cycle", "status", "next_due_date", "domain"])
        for i in range(count):
            email = emails[i % len(emails)] if i < len(emails) else rng.choice(emails)
            product, cycle = rng.choice(choices)
            roll = rng.random()
            if roll < SUSPENDED_SHARE:
                status, due = "suspended", start - dt.timedelta(days=rng.randint(3, 20))
            elif roll < SUSPENDED_SHARE + OVERDUE_SHARE:
                status, due = "active", start - dt.timedelta(days=rng.randint(1, 30))
            else:
                status, due = "active", start + dt.timedelta(days=rng.randrange(SPREAD_DAYS))
            domain = f"site{i}.com" if product == "domain-com" or rng.random() < 0.5 else ""
            out.writerow([email, product, cycle, status, due.isoformat(), domain])


# --------------------------------------------------------------------------- running
def run(name: str, args: list[str], env: dict[str, str], workdir: Path) -> Step:
    """Run one command in its own process; wall time and that process's peak RSS."""
    log = workdir / f"{name}.out"
    with log.open("wb") as out:
        began = time.perf_counter()
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - began
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(encoding="utf-8", errors="replace").strip()
    return Step(
        name,
        " ".join(args[1:]) if args[0].endswith("hostctl") else " ".join(args),
        round(seconds, 3),
        round(usage.ru_utime + usage.ru_stime, 3),
        round(usage.ru_maxrss / 1024, 1),
        proc.returncode,
        text[-2000:],
    )


def hostctl() -> str:
    # The script beside this interpreter first: a version manager's shim (pyenv) on PATH
    # would add its own start-up to every figure.
    candidate = Path(sys.executable).with_name("hostctl")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("hostctl")
    if found:
        return found
    sys.exit("hostctl is not installed (pip install -e .)")


def make_pg(base_url: str) -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"hostctl_bench_{os.getpid()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False), name


def drop_pg(base_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(make_url(base_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def bench(opts: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    exe = hostctl()
    start = dt.date.fromisoformat(opts.start)
    services = opts.services or 3 * opts.clients
    rng = random.Random(opts.seed)
    began = time.perf_counter()
    emails = write_clients(workdir / "clients.csv", opts.clients, rng)
    write_services(workdir / "services.csv", services, emails, start, rng)
    (workdir / "catalogue.toml").write_text(
        CATALOGUE_FILE.read_text(encoding="utf-8"), encoding="utf-8"
    )
    generated = time.perf_counter() - began

    pg_name = None
    if opts.database_url:
        url, pg_name = make_pg(opts.database_url)
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
    # hostctl as an installed copy runs it: its modules compiled to bytecode once, as
    # ``pip install .`` leaves them (an editable install under PYTHONDONTWRITEBYTECODE=1
    # would compile every module in every process: ~50 ms of each step that is not daily's)
    site = installed_copy(str(workdir))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [site, env.get("PYTHONPATH")]))
    first_day = start.isoformat()
    catch_up = (start + dt.timedelta(days=30)).isoformat()
    next_day = (start + dt.timedelta(days=31)).isoformat()
    daily_plan = [
        ("daily_first_day", first_day),
        ("daily_rerun", first_day),
        ("daily_30_days", catch_up),
        ("daily_one_day", next_day),
    ]
    steps: list[Step] = []
    try:
        for name, args in [
            ("startup", [exe, "--help"]),
            ("catalogue", [exe, "product", "import", str(workdir / "catalogue.toml")]),
            ("client_import", [exe, "client", "import", str(workdir / "clients.csv")]),
            ("service_import", [exe, "service", "import", str(workdir / "services.csv")]),
        ]:
            steps.append(run(name, args, env, workdir))
            if steps[-1].exit_code != 0:
                return report(opts, services, generated, steps, url)
        db_file = workdir / "bench.db"
        snapshot = workdir / "imported.db"
        repeat = opts.repeat if not opts.database_url else 1
        with_floor = not opts.database_url and not opts.no_floor
        if repeat > 1:
            _checkpoint(db_file)
            shutil.copy(db_file, snapshot)
        rounds: list[list[Step]] = []
        for number in range(repeat):
            if number:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db_file}{suffix}").unlink(missing_ok=True)
                shutil.copy(snapshot, db_file)
            taken: list[Step] = []
            floor_db = workdir / "floor.db"
            for name, day in daily_plan:
                args = [exe, "daily", "--date", day, "--no-send", "--json"]
                floored = with_floor and name in FLOORED
                if floored and name == FLOORED[0]:  # the floor starts from the same state
                    _copy_db(db_file, floor_db)
                pair = [
                    lambda name=name, args=args, day=day: run(
                        name, args, {**env, "HOSTCTL_TODAY": day}, workdir
                    )
                ]
                if floored:  # alternately first and second, so neither always runs warm
                    floor_args = [sys.executable, str(FLOOR), str(floor_db), "--until", day]
                    pair.append(
                        lambda name=name, floor_args=floor_args: run(
                            name.replace("daily", "floor"), floor_args, env, workdir
                        )
                    )
                    if number % 2:
                        pair.reverse()
                for runner in pair:
                    taken.append(runner())
                if any(step.exit_code for step in taken):
                    break
                if floored:
                    differences = compare_databases(db_file, floor_db)
                    if differences:
                        taken.append(
                            Step(name.replace("daily", "compare"), "rows", 0, 0, 0, 1, differences)
                        )
                        break
            rounds.append(taken)
            if any(step.exit_code for step in taken):
                break
        steps += _medians(rounds)
    finally:
        if pg_name and opts.database_url:
            drop_pg(opts.database_url, pg_name)
    return report(opts, services, generated, steps, url)


def installed_copy(folder: str) -> str:
    """A copy of the hostctl package compiled to bytecode, as ``pip install .`` leaves it
    (bench/startup.py's); the folder to put first on ``PYTHONPATH``."""
    from startup import _installed_copy

    return _installed_copy(folder)


# --------------------------------------------------------------------------- the floor
FLOOR = HERE / "floor.py"
FLOORED = ("daily_30_days", "daily_one_day")  # the steps the floor runs beside hostctl
# What cannot be equal between hostctl's copy and the floor's: the real time a row was
# written (the audit's "when it was done", a run's start and end, the lease's times).
# Everything else — ids included, so the order of the writes too — must be the same bytes.
NOT_COMPARED = {
    "audit_log": {"at"},
    "daily_runs": {"started_at", "finished_at"},
    "locks": {"acquired_at", "heartbeat_at"},
}
COMPARED_TABLES = (
    "services",
    "clients",
    "invoices",
    "invoice_lines",
    "invoice_counters",
    "credit_ledger",
    "outbox",
    "audit_log",
    "daily_runs",
    "quotes",
    "transfers",
    "locks",
)


def _copy_db(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database (its WAL folded in first)."""
    _checkpoint(source)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(source, target)


def compare_databases(one: Path, other: Path) -> str:
    """Every row of the tables ``daily`` writes, sorted by primary key, compared column by
    column (but ``NOT_COMPARED``); a description of the first differences, or ""."""
    import itertools
    import sqlite3

    problems = []
    a, b = sqlite3.connect(one), sqlite3.connect(other)
    try:
        for table in COMPARED_TABLES:
            info = a.execute(f"PRAGMA table_info({table})").fetchall()
            columns = [row[1] for row in info if row[1] not in NOT_COMPARED.get(table, ())]
            keys = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]] or columns
            sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(keys)}"
            for mine, theirs in itertools.zip_longest(a.execute(sql), b.execute(sql)):
                if mine != theirs:
                    problems.append(f"{table}: hostctl {mine!r}, floor {theirs!r}")
                    if len(problems) >= 5:
                        return "\n".join(problems)
    finally:
        a.close()
        b.close()
    return "\n".join(problems)


def _checkpoint(path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _medians(rounds: list[list[Step]]) -> list[Step]:
    """Each daily step (by name) with the median wall and CPU time (and the highest peak
    memory) of the rounds that ran it; the output of the last round."""
    if len(rounds) == 1:
        return rounds[0]
    merged = []
    for last in rounds[-1]:
        same = [s for r in rounds for s in r if s.name == last.name]
        merged.append(
            replace(
                last,
                seconds=round(statistics.median(s.seconds for s in same), 3),
                cpu_seconds=round(statistics.median(s.cpu_seconds for s in same), 3),
                peak_mb=max(s.peak_mb for s in same),
                exit_code=max(s.exit_code for s in same),
            )
        )
    return merged


def _summary(step: Step | None) -> dict[str, Any]:
    if step is None or step.exit_code != 0:
        return {}
    try:
        data = json.loads(step.output[step.output.index("{") :])
    except ValueError:
        return {}
    return {
        k: data[k]
        for k in ("invoices_created", "reminders", "suspended", "terminated", "ended")
        if k in data
    } | {"days": len(data.get("days", []))}


def report(
    opts: argparse.Namespace, services: int, generated: float, steps: list[Step], url: str
) -> dict[str, Any]:
    by = {s.name: s for s in steps}

    def seconds(*names: str) -> float | None:
        if not all(n in by and by[n].exit_code == 0 for n in names):
            return None
        return round(sum(by[n].seconds for n in names), 3)

    def cpu(name: str) -> float:
        return by[name].cpu_seconds

    daily_peak = max((s.peak_mb for s in steps if s.name.startswith("daily")), default=None)
    figures = {
        "import": seconds("client_import", "service_import"),
        "daily_one_day": seconds("daily_one_day"),
        "daily_30_days": seconds("daily_30_days"),
        "daily_peak_mb": daily_peak,
    }
    targets = {
        k: {"value": v, "target": TARGETS[k], "met": v is not None and v <= TARGETS[k]}
        for k, v in figures.items()
    }
    floor: dict[str, Any] = {}
    catch_up, catch_up_floor = seconds("daily_30_days"), seconds("floor_30_days")
    if catch_up and catch_up_floor:
        ratio = catch_up / catch_up_floor
        floor["daily_30_days"] = {
            "hostctl": catch_up,
            "floor": catch_up_floor,
            "ratio": round(ratio, 2),
            "target": FLOOR_TARGETS["daily_30_days"],
            "met": ratio <= FLOOR_TARGETS["daily_30_days"],
            # CPU seconds move less than wall time on a shared machine: the same ratio in them
            "cpu_ratio": round(cpu("daily_30_days") / max(cpu("floor_30_days"), 0.001), 2),
        }
    one_day, one_day_floor = seconds("daily_one_day"), seconds("floor_one_day")
    startup = seconds("daily_rerun")
    if one_day and one_day_floor and startup is not None:
        # an ordinary day ≤ 1.5 × the floor's ordinary day + hostctl's start-up, the start-up
        # being `daily` with nothing to do (imports, lock, checks: what any day pays)
        ratio = (one_day - startup) / one_day_floor
        floor["daily_one_day"] = {
            "hostctl": one_day,
            "floor": one_day_floor,
            "startup": startup,
            "limit": round(FLOOR_TARGETS["daily_one_day"] * one_day_floor + startup, 3),
            "ratio": round(ratio, 2),
            "plain_ratio": round(one_day / one_day_floor, 2),
            "cpu_ratio": round(
                (cpu("daily_one_day") - cpu("daily_rerun")) / max(cpu("floor_one_day"), 0.001), 2
            ),
            "target": FLOOR_TARGETS["daily_one_day"],
            "met": ratio <= FLOOR_TARGETS["daily_one_day"],
        }
    return {
        "database": url.split(":", 1)[0] if "sqlite" in url else "postgresql",
        "clients": opts.clients,
        "services": services,
        "start": opts.start,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "data_generation_seconds": round(generated, 2),
        "steps": [asdict(s) | {"output": s.output if s.exit_code else ""} for s in steps],
        "work": {
            name: _summary(by.get(name))
            for name in ("daily_first_day", "daily_30_days", "daily_one_day")
        },
        "targets": targets,
        "floor": floor,
        "failed": [s.name for s in steps if s.exit_code != 0],
    }


def print_table(result: dict[str, Any]) -> None:
    print(
        f"hostctl daily bench: {result['clients']:,} clients, {result['services']:,} services, "
        f"{result['database']}, {result['cpus']} CPUs, Python {result['python']}"
    )
    print(f"{'step':<16}{'seconds':>9}{'cpu s':>8}{'peak MB':>9}  command")
    for s in result["steps"]:
        status = "" if s["exit_code"] == 0 else f"  [exit {s['exit_code']}]"
        print(
            f"{s['name']:<16}{s['seconds']:>9.2f}{s['cpu_seconds']:>8.2f}{s['peak_mb']:>9.1f}"
            f"  {s['command']}{status}"
        )
    for name, work in result["work"].items():
        if work:
            print(f"{name}: " + ", ".join(f"{k} {v:,}" for k, v in work.items()))
    print()
    print(f"{'target':<16}{'value':>9}{'limit':>9}  met")
    for name, t in result["targets"].items():
        value = "-" if t["value"] is None else f"{t['value']:.2f}"
        unit = " MB" if name.endswith("_mb") else " s"
        print(f"{name:<16}{value:>9}{t['target']:>9.1f}{unit}  {'yes' if t['met'] else 'NO'}")
    if result.get("floor"):
        print()
        print(
            f"{'against the floor':<20}{'hostctl':>9}{'floor':>9}{'ratio':>8}{'target':>8}  met"
            f"{'cpu ratio':>12}"
        )
        for name, f in result["floor"].items():
            print(
                f"{name:<20}{f['hostctl']:>9.2f}{f['floor']:>9.2f}{f['ratio']:>7.2f}×"
                f"{f['target']:>7.1f}×  {'yes' if f['met'] else 'NO ':<3}{f['cpu_ratio']:>11.2f}×"
            )
        if "daily_one_day" in result["floor"]:
            f = result["floor"]["daily_one_day"]
            print(
                f"  ordinary day: ratio is (hostctl − start-up {f['startup']:.2f} s) ÷ floor; "
                f"limit {f['limit']:.2f} s; plain ratio {f['plain_ratio']:.2f}×"
            )
        print("  cpu ratio: the same ratio in CPU seconds (they move less on a shared machine)")
        if not any(s["name"].startswith("compare") for s in result["steps"]):
            print("  rows written by hostctl and by the floor: identical")
    for s in result["steps"]:
        if s["exit_code"]:
            print(f"\n{s['name']} failed:\n{s['output']}")


def run_bench(
    opts: Any,
    prefix: str,
    bench: Callable[[Any, Path], dict[str, Any]],
    print_table: Callable[[dict[str, Any]], None],
) -> int:
    """Run ``bench(opts, workdir)`` in a fresh work directory (removed unless ``--keep``),
    then print its figures: JSON with ``--json``, else ``print_table``. Always 0: a report."""
    result = in_workdir(opts, prefix, bench)
    if opts.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print_table(result)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--clients", type=int, default=None, help="default 20 000, or services / 3 if given"
    )
    parser.add_argument("--services", type=int, default=None, help="default: 3 × clients")
    parser.add_argument("--start", default="2027-01-01", help="first daily day (YYYY-MM-DD)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server URL; a scratch database is made and dropped",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run the daily steps N times, report medians"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--no-floor", action="store_true", help="do not run bench/floor.py beside hostctl"
    )
    parser.add_argument(
        "--postgres",
        default=None,
        metavar="URL",
        help="also run the daily steps on a scratch PostgreSQL database of this server and "
        "report its 30-day catch-up against SQLite's",
    )
    opts = parser.parse_args(argv)
    if opts.clients is None:  # --services alone scales the base: three services a client
        opts.clients = opts.services // 3 if opts.services else 20_000
    result = measure(opts)
    services = result["services"]
    if services > BASE_SERVICES and not opts.database_url:
        # growth: the same bench at 60 000 services, in the same run, as the base
        base = measure(opts, clients=BASE_SERVICES // 3, services=BASE_SERVICES, keep=False)
        result["base"] = base
        result["growth"] = growth(result, base)
    if opts.postgres and not opts.database_url:
        pg = measure(opts, database_url=opts.postgres, keep=False)
        result["postgres"] = pg
        result["postgres_ratio"] = postgres_ratio(pg, result)
    if opts.json:
        print(json.dumps(result, indent=2))
    else:
        print_table(result)
        for extra in ("base", "postgres"):
            if extra in result:
                print()
                print_table(result[extra])
        print_ratios(result)
    # the one failure that is not a figure: the floor did not write what hostctl wrote
    mismatched = [
        s["name"]
        for r in (result, result.get("base") or {})
        for s in r.get("steps", [])
        if s["name"].startswith("compare")
    ]
    if mismatched:
        print(
            f"rows differ between hostctl and the floor: {', '.join(mismatched)}", file=sys.stderr
        )
        return 1
    return 0


BASE_SERVICES = 60_000
GROWTH_TARGETS = {  # at --services N (300 000) against 60 000 services, same run
    "daily_one_day": 2.0,  # the work of a day is the services due that day
    "daily_30_days": 6.0,
}
GROWTH_PEAK_MB = 150.0
POSTGRES_TARGET = 1.5  # PostgreSQL's 30-day catch-up ÷ SQLite's, same run


def measure(opts: argparse.Namespace, **overrides: Any) -> dict[str, Any]:
    """One whole bench (generate, import, the daily steps) in its own work directory."""
    return in_workdir(argparse.Namespace(**(vars(opts) | overrides)), "hostctl-bench-", bench)


def in_workdir(
    opts: Any, prefix: str, bench: Callable[[Any, Path], dict[str, Any]]
) -> dict[str, Any]:
    """``bench(opts, workdir)`` in a fresh work directory, removed unless ``--keep`` (then
    named in the result)."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        result = bench(opts, workdir)
    finally:
        if not opts.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if opts.keep:
        result["workdir"] = str(workdir)
    return result


def _step_seconds(result: dict[str, Any], name: str) -> float | None:
    for step in result["steps"]:
        if step["name"] == name and step["exit_code"] == 0:
            return float(step["seconds"])
    return None


def growth(big: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The daily steps at ``big``'s size ÷ the same at 60 000 services, and the peak."""
    figures: dict[str, Any] = {}
    for name, target in GROWTH_TARGETS.items():
        now, then = _step_seconds(big, name), _step_seconds(base, name)
        if now is None or then is None:
            continue
        ratio = now / then
        figures[name] = {
            "value": now,
            "base": then,
            "ratio": round(ratio, 2),
            "target": target,
            "met": ratio <= target,
        }
    peak = big["targets"]["daily_peak_mb"]["value"]
    if peak is not None:
        figures["daily_peak_mb"] = {
            "value": peak,
            "base": base["targets"]["daily_peak_mb"]["value"],
            "ratio": round(peak / GROWTH_PEAK_MB, 2),  # of the limit
            "target": GROWTH_PEAK_MB,
            "met": peak <= GROWTH_PEAK_MB,
        }
    return figures


def postgres_ratio(pg: dict[str, Any], sqlite: dict[str, Any]) -> dict[str, Any]:
    now, then = _step_seconds(pg, "daily_30_days"), _step_seconds(sqlite, "daily_30_days")
    if now is None or then is None:
        return {}
    counts_equal = pg["work"] == sqlite["work"]
    return {
        "postgresql": now,
        "sqlite": then,
        "ratio": round(now / then, 2),
        "target": POSTGRES_TARGET,
        "met": now / then <= POSTGRES_TARGET,
        "same_counts": counts_equal,
    }


def print_ratios(result: dict[str, Any]) -> None:
    if result.get("growth"):
        print()
        print(f"growth: {result['services']:,} services against {BASE_SERVICES:,} (same run)")
        print(f"{'':<16}{'now':>9}{'60 000':>9}{'ratio':>8}{'target':>9}  met")
        for name, g in result["growth"].items():
            if name.endswith("_mb"):
                print(
                    f"{name:<16}{g['value']:>9.1f}{g['base']:>9.1f}{'':>8}"
                    f"{g['target']:>6.0f} MB  {'yes' if g['met'] else 'NO'}"
                )
            else:
                print(
                    f"{name:<16}{g['value']:>9.2f}{g['base']:>9.2f}{g['ratio']:>7.2f}×"
                    f"{g['target']:>8.1f}×  {'yes' if g['met'] else 'NO'}"
                )
    pg = result.get("postgres_ratio")
    if pg:
        print()
        print(
            f"PostgreSQL 30-day catch-up {pg['postgresql']:.2f} s ÷ SQLite {pg['sqlite']:.2f} s"
            f" = {pg['ratio']:.2f}× (target ≤ {pg['target']}×: {'met' if pg['met'] else 'NO'});"
            f" counts {'identical' if pg['same_counts'] else 'DIFFERENT'}"
        )


if __name__ == "__main__":
    sys.exit(main())
