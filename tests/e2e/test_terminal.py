"""Tables on a real terminal: hostctl run in tmux panes 80 and 120 columns wide, the screen
read back with ``capture-pane`` (skipped when tmux is not installed). The width comes from
the pseudo-terminal itself, not from ``COLUMNS``."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from billing_helpers import add_client, order, setup_catalogue

TMUX = shutil.which("tmux")
_BESIDE = Path(sys.executable).with_name("hostctl")
HOSTCTL = str(_BESIDE) if _BESIDE.exists() else (shutil.which("hostctl") or "hostctl")
EMAIL = "jose.nunez@ejemplo-largo.com.ar"

pytestmark = pytest.mark.skipif(TMUX is None, reason="tmux is not installed")


def _screen(tmp_path: Path, width: int, *args: str) -> str:
    """What ``hostctl ARGS`` leaves on a ``width``-column tmux pane (a server of our own)."""
    assert TMUX is not None
    tag = uuid.uuid4().hex[:12]  # a new server each time: a killed one may linger a moment
    tmux = [TMUX, "-S", str(tmp_path / f"tmux-{tag}"), "-f", os.devnull]
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TMUX")}
    env.update(TERM="xterm-256color", HOSTCTL_TODAY="2026-03-20")
    signal = f"hostctl-{tag}"
    script = (
        f"{shlex.join([HOSTCTL, *args])}; {shlex.join([*tmux, 'wait-for', '-S', signal])}; read x"
    )
    start = [*tmux, "new-session", "-d", "-x", str(width), "-y", "50", "sh", "-c", script]
    subprocess.run(start, env=env, check=True, timeout=60)
    try:
        subprocess.run([*tmux, "wait-for", signal], env=env, check=True, timeout=120)
        shown = subprocess.run(
            [*tmux, "capture-pane", "-p"], env=env, check=True, timeout=60, capture_output=True
        )
        return shown.stdout.decode()
    finally:
        subprocess.run([*tmux, "kill-server"], env=env, timeout=60, capture_output=True)


@pytest.mark.parametrize("width", [80, 120])
def test_invoice_and_client_lists_on_a_real_terminal(cli: Any, tmp_path: Path, width: int) -> None:
    setup_catalogue(cli, tmp_path)
    jose = add_client(cli, EMAIL, currency="ARS", today="2026-03-01")
    placed = order(cli, jose, "hosting-basic", "annual", "2026-03-01")
    assert placed["invoice"]["total"] == "86400.00"
    invoices = _screen(tmp_path, width, "invoice", "list")
    assert "…" not in invoices
    row = next(line for line in invoices.splitlines() if placed["invoice"]["number"] in line)
    assert "overdue" in row.split() and row.rstrip().endswith("$ 86,400.00  $ 86,400.00")
    if width == 80:
        assert "Hidden at 80 columns: kind, issued, cur (--json shows every field)." in invoices
    clients = _screen(tmp_path, width, "client", "list")
    assert EMAIL in clients and "…" not in clients
