"""Mutation testing of the money rules: how many small bugs the fast tests catch.

    pip install -e '.[dev]'
    python bench/mutation.py [money pricing cycles calendar] [--fail-under 90] [--max-children N]

Runs mutmut (configured in ``[tool.mutmut]`` of pyproject.toml: it copies src/ and tests/
into mutants/ and runs the pure tests of tests/core there, never the CLI or a database) on
the named modules of hostctl.core (all four by default) and prints, per module, how many
mutants the tests killed, and the survivors to look at with ``mutmut show NAME``. mutmut
keeps its results in mutants/ and re-runs only the mutants of functions that changed; delete
mutants/ for a clean run. A few minutes: not run in CI.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODULES = ("money", "pricing", "cycles", "calendar")  # those in [tool.mutmut] only_mutate
CAUGHT = ("killed", "timeout")  # a mutant that makes the tests hang is caught too


LOG = ROOT / "mutants" / "run.log"


def _mutmut(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mutmut", *args],
        cwd=ROOT,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )


def _results() -> dict[str, str]:
    """mutant name → status, from ``mutmut results --all true``."""
    out = _mutmut("results", "--all", "true").stdout
    found = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and name.startswith("hostctl."):
            found[name] = status
    return found


def _module(name: str) -> str:
    # hostctl.core.money.xǁMoneyǁparse__mutmut_3 → money
    return name.split(".")[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=", ".join(MODULES))
    parser.add_argument("--fail-under", type=float, help="exit 1 if a module kills less (%%)")
    parser.add_argument("--max-children", type=int, help="parallel mutants (mutmut's default)")
    args = parser.parse_args()
    unknown = sorted(set(args.modules) - set(MODULES))
    if unknown:
        parser.error(f"unknown module {unknown[0]!r}; use some of {', '.join(MODULES)}")
    try:
        import mutmut  # noqa: F401
    except ImportError:
        print("mutmut is not installed; run: pip install -e '.[dev]'", file=sys.stderr)
        return 1
    modules = tuple(args.modules) or MODULES
    run = ["run", *(f"hostctl.core.{m}.*" for m in modules)]
    if args.max_children:
        run += ["--max-children", str(args.max_children)]
    print(f"mutmut on {', '.join(modules)}; its output goes to {LOG.relative_to(ROOT)}", flush=True)
    done = _mutmut(*run)
    LOG.parent.mkdir(exist_ok=True)
    LOG.write_text(done.stdout, encoding="utf-8")
    if done.returncode != 0:
        print(done.stdout[-3000:], file=sys.stderr)
        print(f"mutmut run failed (exit {done.returncode}); see above.", file=sys.stderr)
        return 1

    counts: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: list[str] = []
    for name, status in sorted(_results().items()):
        module = _module(name)
        if module in modules:
            counts[module][status] += 1
            if status not in CAUGHT:
                survivors.append(f"  {status:10} {name}")
    print()
    print(
        f"{'module':10} {'mutants':>8} {'killed':>7} {'timeout':>8} {'survived':>9} "
        f"{'no tests':>9} {'other':>6} {'kill rate':>10}"
    )
    worst = 100.0
    for module in modules:
        c = counts[module]
        n = sum(c.values())
        caught = sum(c[s] for s in CAUGHT)
        other = n - caught - c["survived"] - c["no tests"]
        rate = 100.0 * caught / n if n else 0.0
        worst = min(worst, rate)
        print(
            f"{module:10} {n:8} {c['killed']:7} {c['timeout']:8} {c['survived']:9} "
            f"{c['no tests']:9} {other:6} {rate:9.1f} %"
        )
    if survivors:
        print("\nNot killed (mutmut show NAME for the change):")
        print("\n".join(survivors))
    if args.fail_under is not None and worst < args.fail_under:
        print(f"\nA module kills less than {args.fail_under:g} %.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
