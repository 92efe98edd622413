"""Start-up benchmark: how much hostctl costs over the libraries it cannot avoid.

    python bench/startup.py [--runs 15]

Compares, as whole processes (median wall time of N runs after a warm-up):

* ``hostctl --help``                 with ``python -c "import typer"``    (target ≤ 2.5×)
* ``hostctl client show 1 --json``   with ``python -c "import sqlmodel"`` (target ≤ 1.3×)

against a temporary SQLite database holding one client. It is a report, not a test:
it always exits 0.

hostctl runs twice over: as an installed copy is (``pip install .`` compiles the package:
a copy of ``src/hostctl`` compiled to bytecode in a temporary folder, first on
``PYTHONPATH``) and from source as an editable install runs where
``PYTHONDONTWRITEBYTECODE=1`` (every module of hostctl compiled in every process, while
the libraries' bytecode was written by pip). The ratios against the target are the
installed copy's; the source rows show what compiling costs. The three commands of a
comparison run in turn, so that a change of the machine's load falls on all three.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _hostctl() -> str:
    beside = Path(sys.executable).with_name("hostctl")
    return str(beside) if beside.exists() else "hostctl"


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _medians(cmds: list[tuple[list[str], dict[str, str]]], runs: int) -> list[tuple[float, float]]:
    """Median wall time and median CPU time (user + sys; steadier on a busy machine) of
    each command, the commands run in turn."""
    for cmd, env in cmds:  # warm-up (page cache)
        subprocess.run(cmd, env=env, capture_output=True, check=True)
    walls: list[list[float]] = [[] for _ in cmds]
    cpus: list[list[float]] = [[] for _ in cmds]
    for _ in range(runs):
        for i, (cmd, env) in enumerate(cmds):
            cpu, start = _cpu(), time.perf_counter()
            subprocess.run(cmd, env=env, capture_output=True, check=True)
            walls[i].append(time.perf_counter() - start)
            cpus[i].append(_cpu() - cpu)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus, strict=True)]


def _installed_copy(tmp: str) -> str:
    """A copy of the hostctl package compiled to bytecode, as ``pip install .`` leaves it."""
    import compileall
    import shutil

    import hostctl

    site = Path(tmp) / "installed"
    shutil.copytree(Path(hostctl.__file__).parent, site / "hostctl")
    compileall.compile_dir(site / "hostctl", quiet=1)
    return str(site)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command")
    args = parser.parse_args()

    hostctl = _hostctl()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bench.db").touch()  # hostctl makes no named database that is missing
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOSTCTL_")}
        env.update(
            HOSTCTL_DATABASE_URL=f"sqlite:///{Path(tmp) / 'bench.db'}",
            HOSTCTL_STAFF="bench",
            HOSTCTL_NO_INPUT="1",
        )
        subprocess.run(
            [hostctl, "client", "add", "--name", "Ana Pérez", "--email", "ana@example.com",
             "--phone", "+5491123456789", "--country", "AR"],
            env=env, capture_output=True, check=True,
        )  # fmt: skip
        pairs = [
            ("hostctl --help", [hostctl, "--help"],
             'python -c "import typer"', [sys.executable, "-c", "import typer"], 2.5),
            ("hostctl client show 1 --json", [hostctl, "client", "show", "1", "--json"],
             'python -c "import sqlmodel"', [sys.executable, "-c", "import sqlmodel"], 1.3),
        ]  # fmt: skip
        site = _installed_copy(tmp)
        installed = dict(
            env, PYTHONPATH=os.pathsep.join(filter(None, [site, env.get("PYTHONPATH")]))
        )
        source = dict(env, PYTHONDONTWRITEBYTECODE="1")
        rows = []
        for name, cmd, base_name, base_cmd, target in pairs:
            ours, raw, base = _medians(
                [(cmd, installed), (cmd, source), (base_cmd, env)], args.runs
            )
            rows.append((name, ours, base_name, base, None, target))
            rows.append(("  the same, from source", raw, base_name, base, None, target))

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"median of {args.runs} runs after a warm-up; Python {sys.version.split()[0]}, "
        f"load {load:.1f} on {os.cpu_count()} CPUs\n"
    )
    print(
        f"{'command':<30} {'wall ms':>8} {'cpu ms':>7}   {'baseline':<28} {'wall ms':>8} "
        f"{'cpu ms':>7}   {'wall ×':>6} {'cpu ×':>6}  target"
    )
    for name, ours, base_name, base, _, target in rows:
        wall, cpu = ours[0] / base[0], ours[1] / base[1]
        verdict = "ok" if wall <= target else "MISSED"
        if name.startswith("  "):
            verdict = "(not the target's)"
        print(
            f"{name:<30} {ours[0] * 1000:8.0f} {ours[1] * 1000:7.0f}   {base_name:<28} "
            f"{base[0] * 1000:8.0f} {base[1] * 1000:7.0f}   {wall:5.2f}× {cpu:5.2f}×  "
            f"≤ {target}× (wall) {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
