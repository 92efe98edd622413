"""Reading what comes from outside, bounded: import files, message files, standard input.

Every read is limited to what the thing can be (a password: ``SECRET_BYTES``; a message:
``validate.MESSAGE_MAX`` characters; an import file: ``IMPORT_BYTES``), so that
``/dev/zero`` or a runaway pipe is one sentence, never all the memory. A path must name a
regular file: a FIFO or a device would block or never end, and is refused before it is
read (opened without waiting for a writer). Standard input (``-``, or ``/dev/stdin``) is
read once, when it is a pipe or a file, never from a terminal.
"""

from __future__ import annotations

import io
import os
import stat
import sys
from pathlib import Path
from typing import BinaryIO

from hostctl.core import validate
from hostctl.errors import ValidationError
from hostctl.i18n import _

IMPORT_BYTES = 50 * 1024 * 1024  # a CSV or TOML import file: 50 MB (~400 000 clients)
SECRET_BYTES = 1024  # a password read from standard input
MESSAGE_BYTES = 4 * validate.MESSAGE_MAX  # a message file: MESSAGE_MAX characters of UTF-8
STDIN_NAMES = frozenset({"-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"})


def is_stdin(path: Path | str) -> bool:
    return str(path) in STDIN_NAMES


def shown_name(path: Path | str) -> str:
    """How a file is named in messages: its name, or "standard input"."""
    return _("standard input") if is_stdin(path) else Path(path).name


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size} bytes"


def _too_large(name: str, limit: int) -> ValidationError:
    return ValidationError(
        _(
            "{file} is larger than {limit}, more than such a file can be; check that it is "
            "the right file."
        ).format(file=name, limit=_megabytes(limit))
    )


class _Bounded(io.RawIOBase):
    """A regular file read through ``raw`` that refuses to give more than ``limit`` bytes
    (a file that grows while it is read stays bounded too)."""

    def __init__(self, raw: io.FileIO, limit: int, name: str) -> None:
        super().__init__()
        self._raw = raw
        self._limit = limit
        self._name = name

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = self._raw.readinto(buffer) or 0
        if self._raw.tell() > self._limit:
            raise _too_large(self._name, self._limit)
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


def _stdin_bytes(limit: int, name: str) -> bytes:
    """Standard input, read once, at most ``limit`` bytes: refused on a terminal."""
    stream = sys.stdin.buffer if sys.stdin is not None else None
    if stream is None or _is_terminal(stream):
        raise ValidationError(
            _(
                "Standard input is a terminal, not a file; pipe the file in "
                "(hostctl … - < FILE) or give its path."
            )
        )
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise _too_large(name, limit)
    return data


def _is_terminal(stream: BinaryIO) -> bool:
    try:
        return os.isatty(stream.fileno())
    except (OSError, ValueError):  # no file descriptor (a test's in-memory stdin): no terminal
        return False


def open_bytes(path: Path | str, limit: int = IMPORT_BYTES) -> BinaryIO:
    """A seekable binary handle on the file ``path`` names (standard input for ``-``), which
    never gives more than ``limit`` bytes. Refused in one sentence (``ValidationError``):
    a path that cannot be opened, a folder, a FIFO, a device, a file over ``limit``."""
    name = shown_name(path)
    if is_stdin(path):
        return io.BytesIO(_stdin_bytes(limit, name))
    try:  # O_NONBLOCK: a FIFO with no writer opens at once instead of waiting forever
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise ValidationError(
            _("Cannot read {path}: {exc_strerror}.").format(path=path, exc_strerror=exc.strerror)
        ) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ValidationError(_("{path} is a folder, not a file.").format(path=path))
        if not stat.S_ISREG(info.st_mode):
            raise ValidationError(
                _(
                    "{path} is not a regular file (a pipe or a device); give a file, or - "
                    "to read standard input."
                ).format(path=path)
            )
        if info.st_size > limit:
            raise _too_large(name, limit)
        os.set_blocking(fd, True)
        raw = io.FileIO(fd, "rb", closefd=True)
    except BaseException:
        os.close(fd)
        raise
    return io.BufferedReader(_Bounded(raw, limit, name))


def read_bytes(path: Path | str, limit: int = IMPORT_BYTES) -> bytes:
    """The whole of a file (or standard input for ``-``), at most ``limit`` bytes."""
    with open_bytes(path, limit) as handle:
        return handle.read()


def read_text(path: Path | str, limit: int = IMPORT_BYTES) -> str:
    """A UTF-8 text file (or standard input for ``-``), at most ``limit`` bytes; a file that
    is not UTF-8 is refused in one sentence."""
    data = read_bytes(path, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(
            _("{file} is not UTF-8 text (see line {line}); save it as UTF-8.").format(
                file=shown_name(path), line=_first_bad_line(data)
            )
        ) from None


def _first_bad_line(data: bytes) -> int:
    for number, raw in enumerate(data.split(b"\n"), 1):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return 0  # pragma: no cover - only called for data that is not UTF-8


def read_secret_stdin(limit: int = SECRET_BYTES) -> str:
    """A secret (a password) from standard input: at most ``limit`` bytes of UTF-8, one
    final line break removed. ``/dev/zero`` is refused after ``limit`` bytes."""
    stream = sys.stdin.buffer if sys.stdin is not None else None
    if stream is None:
        raise ValidationError(_("There is no standard input to read the password from."))
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _(
                "The password on standard input is longer than {limit} bytes; give only the "
                "password."
            ).format(limit=limit)
        )
    try:
        return data.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise ValidationError(_("The password on standard input is not UTF-8 text.")) from None
