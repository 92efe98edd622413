"""Shell benchmark: how long a desk line takes in ``hostctl shell`` against one-shot.

    python bench/shell.py [--lines 50]

A temporary SQLite database with a catalogue and 20 clients, each with an ordered service.
The same N lines of desk work (shows, searches, listings, ``why``, statements, payments,
orders, tickets, new clients) run twice, each in a real pseudo-terminal (pexpect):

* in one ``hostctl shell``: the time from Enter to the end of the answer (the next prompt
  drawn);
* one-shot, ``hostctl LINE`` on a copy of the same database: the time from the start of the
  process to its end.

Prints the median of each, the ratio and the targets (shell median ≤ 80 ms, ≥ 10× faster
than one-shot), and the shell's first line apart (it imports what the later lines reuse).
It is a report, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "e2e"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import pexpect
from shell_terminal import DIMENSIONS, HOSTCTL, Shell, environment

from billing_helpers import CATALOGUE

TARGET_MS, TARGET_RATIO = 80.0, 10.0
CLIENTS = 20
NAMES = ["Ana Pérez", "Bruno Díaz", "Carla Gómez", "Diego Ruiz", "Elena Sosa"]


def _setup(env: dict[str, str], tmp: Path) -> None:
    def run(*args: str) -> None:
        subprocess.run([HOSTCTL, *args], env=env, capture_output=True, check=True)

    catalogue = tmp / "catalogue.toml"
    catalogue.write_text(CATALOGUE, encoding="utf-8")
    run("db", "upgrade")
    run("product", "import", str(catalogue))
    for n in range(1, CLIENTS + 1):
        name = f"{NAMES[n % len(NAMES)]} {n}"
        run("client", "add", "--name", name, "--email", f"c{n}@example.com", "--currency", "USD")
        run("service", "order", "--client", str(n), "--product", "hosting-basic", "--cycle",
            "annual")  # fmt: skip


def desk_lines(count: int) -> list[str]:
    """``count`` lines of an agent's day, in turn: mostly reading, some writing."""
    kinds = [
        "client show {n}",
        "client list --search {word}",
        "invoice list --client {n}",
        "why service {n}",
        "service show {n} --json",
        "client statement {n}",
        "payment add --invoice {n} --amount 10 --method card",
        "invoice show {n}",
        "ticket open --client {n} --subject 'Sin correo' --category sla2",
        "client add --name 'Nuevo {n}' --email nuevo{n}@example.com --currency USD",
        "service order --client {n} --product radio --cycle monthly",
        "client show 9999",
    ]
    words = ["perez", "diaz", "gomez", "ruiz", "sosa"]
    lines = []
    for i in range(count):
        n = i % CLIENTS + 1
        lines.append(kinds[i % len(kinds)].format(n=n, word=words[i % len(words)]))
    return lines


def _shell_times(lines: list[str], env: dict[str, str]) -> tuple[list[float], list[int]]:
    shell = Shell(**env)
    times, statuses = [], []
    for line in lines:
        start = time.perf_counter()
        status, _answer = shell.run(line)
        times.append(time.perf_counter() - start)
        statuses.append(status)
    shell.leave()
    return times, statuses


def _one_shot_times(lines: list[str], env: dict[str, str]) -> tuple[list[float], list[int]]:
    from hostctl.commands.shell import words

    times, statuses = [], []
    for line in lines:
        start = time.perf_counter()
        child = pexpect.spawn(
            HOSTCTL, words(line) or [], env=env, encoding="utf-8", dimensions=DIMENSIONS
        )
        child.expect(pexpect.EOF, timeout=120)
        child.close()
        times.append(time.perf_counter() - start)
        statuses.append(int(child.exitstatus or 0))
    return times, statuses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50, help="desk lines to time")
    args = parser.parse_args()

    lines = desk_lines(args.lines)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        (tmp / "desk.db").touch()
        base = {k: v for k, v in os.environ.items() if not k.startswith("HOSTCTL_")}
        base.update(
            HOSTCTL_DATABASE_URL=f"sqlite:///{tmp / 'desk.db'}",
            HOSTCTL_STAFF="bench",
            HOSTCTL_TODAY="2026-01-10",
            XDG_DATA_HOME=str(tmp / "data"),
        )
        _setup(base, tmp)
        shutil.copy(tmp / "desk.db", tmp / "one-shot.db")
        one_env = environment(**base)
        one_env["HOSTCTL_DATABASE_URL"] = f"sqlite:///{tmp / 'one-shot.db'}"
        one_shot, one_statuses = _one_shot_times(lines, one_env)
        ours = {k: v for k, v in base.items() if k.startswith(("HOSTCTL_", "XDG_"))}
        in_shell, shell_statuses = _shell_times(lines, ours)

    shell_ms = statistics.median(in_shell) * 1000
    one_ms = statistics.median(one_shot) * 1000
    ratio = one_ms / shell_ms
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{len(lines)} desk lines, SQLite, load {load:.1f}, pseudo-terminal {DIMENSIONS}")
    print(f"one-shot  median {one_ms:7.1f} ms  (hostctl LINE, whole process)")
    print(
        f"shell     median {shell_ms:7.1f} ms  (Enter to the next prompt; first line "
        f"{in_shell[0] * 1000:.0f} ms)  target ≤ {TARGET_MS:.0f} ms — "
        f"{'met' if shell_ms <= TARGET_MS else 'MISSED'}"
    )
    print(
        f"ratio     {ratio:7.1f}×  target ≥ {TARGET_RATIO:.0f}× — "
        f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}"
    )
    same = "the same" if shell_statuses == one_statuses else "DIFFERENT"
    print(
        f"exit statuses: {same} both ways; {shell_statuses.count(0)} lines 0, "
        f"{len(lines) - shell_statuses.count(0)} refused or not found on purpose"
    )
    slowest = sorted(zip(in_shell, lines, strict=True), reverse=True)[:3]
    print("slowest shell lines: " + "; ".join(f"{t * 1000:.0f} ms {line}" for t, line in slowest))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
