"""Domain errors and the exit codes they map to (the exit codes of the README).

Every refusal a user can cause is a ``HostctlError`` subclass; anything else is a bug
and is shown with a traceback. ``cli.py`` is the one place that turns these into a
message on stderr and an exit code.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    REFUSED = 1
    USAGE = 2
    NOT_FOUND = 3
    BUSY = 75
    INTERRUPTED = 130


class HostctlError(Exception):
    """A problem the user can fix; the message is one sentence saying why and what to do."""

    exit_status = ExitStatus.REFUSED

    def __init__(self, message: str, *, details: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class ValidationError(HostctlError):
    """Input that is malformed: an amount, a date, an email, a phone number."""


class BusinessRuleError(HostctlError):
    """Input that is well formed but refused by a business rule (docs/rules.md)."""


class NotFoundError(HostctlError):
    """The named client, product, service, invoice … does not exist."""

    exit_status = ExitStatus.NOT_FOUND


class UsageError(HostctlError):
    """The command was called wrongly (missing input without a TTY, bad option mix)."""

    exit_status = ExitStatus.USAGE


class BusyError(HostctlError):
    """Another process holds the lock (e.g. another ``daily`` run)."""

    exit_status = ExitStatus.BUSY


class Cancelled(HostctlError):
    """Ctrl-C at a prompt: nothing was changed (the shell's 130, 128 + SIGINT)."""

    exit_status = ExitStatus.INTERRUPTED


class ImportFileError(ValidationError):
    """An import file has bad rows; ``details`` lists each as ``line N, column C: why``."""
