"""Event hooks: ``<hooks.dir>/<event>`` run with the event as JSON on stdin.

The company uses them to act on its hosting panel (CWP, cPanel) when an event happens,
e.g. suspend the account on ``service.suspended``. Exit 0 is done; a non-zero exit is the
hook saying it did not do it, and is retried like a message. A hook that timed out or was
killed may have done its work, so its outcome is unknown and it is not run again by
itself (``outbox_id`` in the JSON identifies the event, for hooks that want to be
idempotent when staff resend it).

A hook runs in a clean environment, never hostctl's (which holds the SMTP password, the
WhatsApp token and the database URL): ``PATH``, ``HOME`` and ``LANG`` when hostctl has
them, ``HOSTCTL_EVENT`` (the event) and ``HOSTCTL_OUTBOX_ID`` (the outbox message id).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

from hostctl.core.channels import PermanentError, Sent, TemporaryError, UnknownOutcome, clip

TIMEOUT_SECONDS = 120
INHERITED = ("PATH", "HOME", "LANG")


def hook_path(hooks_dir: str, event: str) -> Path | None:
    """The executable for ``event`` in ``hooks_dir``, or None."""
    path = Path(hooks_dir).expanduser() / event
    if path.is_file() and os.access(path, os.X_OK):
        return path
    return None


def environment(event: str, outbox_id: int) -> dict[str, str]:
    """What a hook's process sees: nothing secret."""
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env.setdefault("PATH", os.defpath)
    env["HOSTCTL_EVENT"] = event
    env["HOSTCTL_OUTBOX_ID"] = str(outbox_id)
    return env


def run(hooks_dir: str, event: str, document: dict[str, Any]) -> Sent:
    path = hook_path(hooks_dir, event)
    if path is None:
        raise PermanentError(f"no executable hook {Path(hooks_dir).expanduser() / event}")
    try:
        done = subprocess.run(
            [str(path)],
            input=json.dumps(document, ensure_ascii=False).encode("utf-8"),
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            cwd=path.parent,
            env=environment(event, document["outbox_id"]),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise UnknownOutcome(
            f"hook {event} timed out after {TIMEOUT_SECONDS} s and was stopped; "
            "it may have done its work"
        ) from None
    except OSError as exc:
        raise TemporaryError(clip(f"hook {event} could not start: {exc}")) from None
    if done.returncode < 0:
        raise UnknownOutcome(
            f"hook {event} was killed by signal {-done.returncode}; it may have done its work"
        )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout or b"").decode("utf-8", "replace").strip()
        tail = tail.splitlines()[-1] if tail else "no output"
        raise TemporaryError(clip(f"hook {event} exited {done.returncode}: {tail}"))
    out = done.stdout.decode("utf-8", "replace").strip()
    return Sent(provider_id=clip(out.splitlines()[-1], 200) if out else None)
