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

A hook runs as whoever runs hostctl (``daily`` from root's crontab: root), so it is run only
if nobody else could have written it (as OpenSSH's StrictModes and sudo check): the file
(after following symlinks), every symlink on the way and every folder above them up to
``/`` must be owned by root or by the user running hostctl, and the file and folders must
not be writable by group or others; a folder that is sticky (``/tmp``, mode 1777) may be
writable by others, since they cannot replace what they do not own in it. Otherwise the
message fails, saying which path and why (``unsafe``).

The hook is done when its process exits: its output goes to temporary files, not pipes, so
a background child that inherited them (``(sleep 150) &``) does not hold the sender. What it
printed is cleaned and cut (``clip``) before it is stored.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import tempfile
from pathlib import Path
from typing import IO, Any

from hostctl.core.channels import (
    STORED_LIMIT,
    PermanentError,
    Sent,
    TemporaryError,
    UnknownOutcome,
    clip,
)

TIMEOUT_SECONDS = 120
INHERITED = ("PATH", "HOME", "LANG")
OUTPUT_TAIL = 64 * 1024  # the end of what a hook printed is read: its last line is kept
_MAX_SYMLINKS = 40  # as Linux's ELOOP
_WRITE_BITS = (("group", stat.S_IWGRP), ("others", stat.S_IWOTH))


def hook_path(hooks_dir: str, event: str) -> Path | None:
    """The executable for ``event`` in ``hooks_dir``, or None."""
    path = Path(hooks_dir).expanduser() / event
    if path.is_file() and os.access(path, os.X_OK):
        return path
    return None


def _walk(path: str, seen: list[str], hops: int = 0) -> str:
    """Resolve the absolute ``path`` one name at a time, as the kernel does; ``seen`` gets
    every real path passed (folders, symlinks, the file), and the real path is returned."""
    current = "/"
    for name in path.split("/"):
        if name in ("", "."):
            continue
        if name == "..":
            current = os.path.dirname(current)
            continue
        candidate = os.path.join(current, name)
        if os.path.islink(candidate):
            if hops >= _MAX_SYMLINKS:
                raise OSError(f"too many levels of symbolic links at {candidate}")
            seen.append(candidate)
            target = os.readlink(candidate)
            current = _walk(os.path.join(current, target), seen, hops + 1)
        else:
            current = candidate
            seen.append(current)
    return current


def unsafe(path: Path) -> str | None:
    """Why ``path`` must not be run as this user (one clause naming the path), or None.

    Trusted owners are root and the user running hostctl; no write bit for group or others
    on the file or on any folder above it (or above a symlink on the way), except on a
    sticky folder."""
    me = os.geteuid()
    trusted = {0, me}
    owners = "root" if me == 0 else f"root or uid {me} (the user running hostctl)"
    seen = ["/"]
    try:  # not os.path.abspath: it would take "link/.." away before the link is followed
        real = _walk(os.path.join(os.getcwd(), path), seen)
    except OSError as exc:
        return f"{path} cannot be followed ({exc.strerror or exc})"
    for item in dict.fromkeys(seen):  # each once, from / down
        try:
            info = os.lstat(item)
        except OSError as exc:
            return f"{item} cannot be checked ({exc.strerror or exc})"
        if info.st_uid not in trusted:
            return f"{item} is owned by uid {info.st_uid}, not by {owners}"
        if stat.S_ISLNK(info.st_mode):
            continue  # its mode means nothing; who may replace it is its folder's matter
        if item == real and not stat.S_ISREG(info.st_mode):
            return f"{item} is not a regular file"
        writable = [who for who, bit in _WRITE_BITS if info.st_mode & bit]
        if not writable:
            continue
        if item != real and stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX:
            continue  # sticky: others cannot replace what they do not own in it
        return f"{item} is writable by {' and '.join(writable)} (chmod go-w {item})"
    return None


def environment(event: str, outbox_id: int) -> dict[str, str]:
    """What a hook's process sees: nothing secret."""
    env = {name: os.environ[name] for name in INHERITED if name in os.environ}
    env.setdefault("PATH", os.defpath)
    env["HOSTCTL_EVENT"] = event
    env["HOSTCTL_OUTBOX_ID"] = str(outbox_id)
    return env


def _tail(handle: IO[bytes]) -> str:
    """The end of what a hook wrote to ``handle``, as text, without its surrounding space."""
    size = handle.seek(0, os.SEEK_END)
    handle.seek(max(0, size - OUTPUT_TAIL))
    return handle.read(OUTPUT_TAIL).decode("utf-8", "replace").strip()


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def run(hooks_dir: str, event: str, document: dict[str, Any]) -> Sent:
    path = hook_path(hooks_dir, event)
    if path is None:
        raise PermanentError(f"no executable hook {Path(hooks_dir).expanduser() / event}")
    problem = unsafe(path)
    if problem is not None:
        raise PermanentError(
            clip(
                f"hook {event} not run: {problem}; a hook and the folders above it must be "
                "owned by root or by the user running hostctl and writable by no one else",
                STORED_LIMIT,
            )
        )
    data = json.dumps(document, ensure_ascii=False).encode("utf-8")
    with (
        tempfile.TemporaryFile() as stdin,
        tempfile.TemporaryFile() as stdout,
        tempfile.TemporaryFile() as stderr,
    ):
        stdin.write(data)
        stdin.seek(0)
        try:
            process = subprocess.Popen(
                [str(path)],
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                cwd=path.parent,
                env=environment(event, document["outbox_id"]),
            )
        except OSError as exc:
            raise TemporaryError(clip(f"hook {event} could not start: {exc}")) from None
        try:
            returncode = process.wait(timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise UnknownOutcome(
                f"hook {event} timed out after {TIMEOUT_SECONDS} s and was stopped; "
                "it may have done its work"
            ) from None
        out, err = _tail(stdout), _tail(stderr)
    if returncode < 0:
        raise UnknownOutcome(
            f"hook {event} was killed by signal {-returncode}; it may have done its work"
        )
    if returncode != 0:
        tail = _last_line(err or out) or "no output"
        raise TemporaryError(clip(f"hook {event} exited {returncode}: {tail}"))
    last = _last_line(out)
    return Sent(provider_id=clip(last, 200) if last else None)
