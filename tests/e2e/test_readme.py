"""The README's examples run as written: its shell blocks, in order, on an empty SQLite
database, each `hostctl` line a real process exiting as the README says.

The convention (also told in the README, at the top of "Commands"):

* Fenced blocks marked ``sh``, ``bash``, ``shell`` or ``console`` are run; other fences
  (``cron``, ``text`` …) and indented blocks are illustrations and are not.
* A runnable block is skipped when the line just before its fence is
  ``<!-- not run: why -->`` (installs, files written into your home …); the reason is required.
* In ``sh``/``bash``/``shell`` blocks every line that is not blank or a ``#`` comment is a
  command; in ``console`` blocks only the lines after a ``$ `` prompt are (the rest is output).
  A line ending in ``\\`` continues on the next.
* ``export NAME=VALUE`` sets NAME for the commands after it; ``NAME=$(…)`` runs the command
  and keeps its output (stripped) as NAME, so later lines can say ``"$NAME"``; any other line
  runs in ``bash -o pipefail -c`` and must call ``hostctl``.
* A command exits 0 unless its trailing comment says ``# exits N`` (a refusal the README
  shows on purpose).

The commands run in a temporary directory holding a copy of ``examples/``, with ``HOME`` and
the config directory there too, no channel configured (nothing is sent), and the clock and the
database the README's own ``export`` lines set.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.e2e.test_startup_and_concurrency import HOSTCTL, PG_URL

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
RUNNABLE = {"sh", "bash", "shell", "console"}
FENCE = re.compile(r"^```(\S*)\s*$")
NOT_RUN = re.compile(r"^<!--\s*not run:\s*(\S.*?)\s*-->$")
NOT_RUN_LOOSE = re.compile(r"^<!--\s*not run\b")
EXITS = re.compile(r"\s#.*\bexits (\d+)\b")
EXPORT = re.compile(r"^export ([A-Z_][A-Z0-9_]*)=(.*)$")
CAPTURE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=\$\((.*)\)(\s+#.*)?$")


@dataclass(frozen=True)
class Step:
    line: int  # 1-based line of README.md
    command: str
    expected: int


def steps(text: str) -> list[Step]:
    """The commands of the runnable blocks of ``text`` (a README), in order."""
    found: list[Step] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        info, start = match.group(1), index
        end = start + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        before = next((lines[i].strip() for i in range(start - 1, -1, -1) if lines[i].strip()), "")
        if NOT_RUN_LOOSE.match(before) and not NOT_RUN.match(before):
            raise ValueError(f"README line {start}: `<!-- not run: … -->` needs a reason")
        if info in RUNNABLE and not NOT_RUN.match(before):
            found.extend(_block_steps(lines, start + 1, end, console=info == "console"))
        index = end + 1
    return found


def _block_steps(lines: list[str], first: int, end: int, *, console: bool) -> list[Step]:
    found: list[Step] = []
    pending: list[str] = []
    pending_line = 0
    for number in range(first, end):
        raw = lines[number]
        if not pending:
            if console:
                if not raw.startswith("$ "):
                    continue
                raw = raw[2:]
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            pending_line = number + 1
        if raw.endswith("\\"):
            pending.append(raw[:-1])
            continue
        pending.append(raw)
        command = " ".join(part.strip() for part in pending)
        pending = []
        exits = EXITS.search(command)
        found.append(Step(pending_line, command, int(exits.group(1)) if exits else 0))
    return found


def test_the_convention_reads_blocks_markers_prompts_and_exit_statuses():
    text = "\n".join(
        [
            "```sh",
            "# a comment",
            "hostctl client add --name A   # exits 1",
            "hostctl client list \\",
            "  --json",
            "```",
            "<!-- not run: installs -->",
            "",
            "```sh",
            "pip install .",
            "```",
            "```cron",
            "15 6 * * * hostctl daily",
            "```",
            "```console",
            "$ hostctl product list",
            "code  name",
            "```",
        ]
    )
    assert steps(text) == [
        Step(3, "hostctl client add --name A   # exits 1", 1),
        Step(4, "hostctl client list --json", 0),
        Step(16, "hostctl product list", 0),
    ]
    with pytest.raises(ValueError, match="needs a reason"):
        steps("<!-- not run -->\n```sh\npip install .\n```\n")


def _environment(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOSTCTL_", "_HOSTCTL_"))}
    env.update(
        {
            "PATH": f"{Path(HOSTCTL).parent}{os.pathsep}{env.get('PATH', '')}",
            "HOME": str(work / "home"),
            "XDG_DATA_HOME": str(work / "home" / "data"),
            "XDG_CONFIG_HOME": str(work / "home" / "config"),
            "HOSTCTL_CONFIG_DIR": str(work / "config"),
            "HOSTCTL_CACHE_DIR": os.environ.get("HOSTCTL_CACHE_DIR", str(work / "cache")),
            "HOSTCTL_DATABASE_URL": f"sqlite:///{work / 'readme.db'}",
            "HOSTCTL_STAFF": "readme",
            "HOSTCTL_NO_INPUT": "1",
            "HOSTCTL_LANG": "en",
            "NO_COLOR": "1",
        }
    )
    return env


def _bash(command: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def _apply_export(step: Step, env: dict[str, str]) -> None:
    match = EXPORT.match(step.command.split(" #")[0].strip())
    assert match, f"README line {step.line}: not an `export NAME=VALUE`: {step.command}"
    name, value = match.group(1), " ".join(shlex.split(match.group(2)))
    if name == "HOSTCTL_DATABASE_URL":  # the examples' database stays in the scratch folder
        assert value.startswith("sqlite:///") and not value.startswith("sqlite:////"), (
            f"README line {step.line}: the examples' database must be a relative SQLite file"
        )
    env[name] = value


def run_readme(
    text: str, work: Path, *, keep_going: bool = False
) -> tuple[list[str], dict[str, str]]:
    """Run the README's steps in ``work``: the failures, as messages (none: all ran as the
    README says), and the environment the last step ran in. The first failure ends the run
    unless ``keep_going``."""
    failures: list[str] = []
    env = _environment(work)
    (work / "home").mkdir()
    shutil.copytree(REPO / "examples", work / "examples")
    for step in steps(text):
        if step.command.startswith("export "):
            _apply_export(step, env)
            continue
        capture = CAPTURE.match(step.command)
        command = capture.group(2) if capture else step.command
        assert "hostctl" in command, (
            f"README line {step.line}: runnable blocks run hostctl; mark the block "
            f"`<!-- not run: why -->` or change it: {step.command}"
        )
        result = _bash(command, env, work)
        failure = _failure(step, result)
        if failure:
            failures.append(failure)
            if not keep_going:
                break
        if capture:
            env[capture.group(1)] = result.stdout.strip()
            if not env[capture.group(1)] and not failure:
                failures.append(f"README line {step.line}: `{step.command}` printed nothing")
    return failures, env


def _failure(step: Step, result: subprocess.CompletedProcess[str]) -> str | None:
    where = f"README line {step.line}: `{step.command}`"
    if result.returncode != step.expected:
        return (
            f"{where} exited {result.returncode}, expected {step.expected}\n"
            f"stdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-2000:]}"
        )
    if "Traceback" in result.stderr:
        return f"{where}: a traceback\n{result.stderr[-2000:]}"
    if step.expected != 0 and not result.stderr.strip():
        return f"{where} was refused without a sentence on stderr"
    return None


def _json(env: dict[str, str], work: Path, *args: str) -> Any:
    result = subprocess.run(
        [HOSTCTL, *args, "--json"], env=env, cwd=work, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.skipif(PG_URL is not None, reason="runs on its own SQLite file: once, on SQLite")
@pytest.mark.skipif(shutil.which("jq") is None, reason="the README's scripts use jq")
def test_the_readme_examples_run_as_written_on_an_empty_database(tmp_path):
    text = README.read_text(encoding="utf-8")
    assert len(steps(text)) > 50  # the examples are found
    failures, env = run_readme(text, tmp_path)
    assert failures == []
    assert (tmp_path / "try.db").exists()  # the README's own scratch database
    # What the comments of the README say the story did, it did.
    service = _json(env, tmp_path, "service", "show", "1")
    assert (service["product"], service["client_id"], service["next_due_date"]) == (
        "hosting-pro",  # upgraded and paid
        5,  # transferred to Diego
        "2027-04-02",  # a year from the order, plus the referral month
    )
    statuses = [s["status"] for s in _json(env, tmp_path, "service", "list", "--client", "1")]
    assert statuses == ["cancelled"] * 10 + ["pending"]  # its order cancelled; the quote's
    assert _json(env, tmp_path, "invoice", "show", "2026-000005")["status"] == "unpaid"
    assert _json(env, tmp_path, "invoice", "show", "2026-000006")["total"] == "25.00"
    two_for_one = _json(env, tmp_path, "invoice", "show", "2026-000010")
    assert (two_for_one["client_id"], two_for_one["status"]) == (5, "paid")
    affiliate = _json(env, tmp_path, "affiliate", "show", "1")
    assert (affiliate["earned"], affiliate["withdrawn"]) == ("4320.00", "2000.00")
    assert _json(env, tmp_path, "transfer", "show", "1")["status"] == "completed"
    assert _json(env, tmp_path, "ticket", "show", env["ticket"])["status"] == "closed"
