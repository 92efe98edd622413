"""Event hooks: ``<hooks.dir>/<event>`` run with the event as JSON on stdin.

The company uses them to act on its hosting panel (CWP, cPanel) when an event happens,
e.g. suspend the account on ``service.suspended``. Exit 0 is done; a non-zero exit or a
timeout is retried like a message. A hook may run twice after a crash (at-least-once),
so it should be idempotent; ``outbox_id`` in the JSON identifies the event.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from hostctl.core.channels import PermanentError, Sent, TemporaryError, clip

TIMEOUT_SECONDS = 120


def hook_path(hooks_dir: str, event: str) -> Path | None:
    """The executable for ``event`` in ``hooks_dir``, or None."""
    path = Path(hooks_dir).expanduser() / event
    if path.is_file() and os.access(path, os.X_OK):
        return path
    return None


def run(hooks_dir: str, event: str, document: dict[str, Any]) -> Sent:
    path = hook_path(hooks_dir, event)
    if path is None:
        raise PermanentError(f"no executable hook {Path(hooks_dir).expanduser() / event}")
    env = dict(os.environ, HOSTCTL_EVENT=event, HOSTCTL_OUTBOX_ID=str(document["outbox_id"]))
    try:
        done = subprocess.run(
            [str(path)],
            input=json.dumps(document, ensure_ascii=False).encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            cwd=path.parent,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise TemporaryError(f"hook {event} timed out after {TIMEOUT_SECONDS} s") from None
    except OSError as exc:
        raise TemporaryError(clip(f"hook {event} could not start: {exc}")) from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout or b"").decode("utf-8", "replace").strip()
        tail = tail.splitlines()[-1] if tail else "no output"
        raise TemporaryError(clip(f"hook {event} exited {done.returncode}: {tail}"))
    out = done.stdout.decode("utf-8", "replace").strip()
    return Sent(provider_id=clip(out.splitlines()[-1], 200) if out else None)
