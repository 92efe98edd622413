"""Delivery channels: each turns one prepared message into a send, or an error saying
whether the message certainly did not go (``TemporaryError``: trying again later can
help; ``PermanentError``: it cannot) or whether nobody can tell (``UnknownOutcome``).

``UnknownOutcome`` is for a request that was fully handed over and whose answer was lost
(a connection reset or a timeout while waiting for it, a sender that stopped mid-send):
the provider may have accepted it. Such a message is never retried by itself (rules NOT-2).

Channels do network or process I/O only; they never touch the database.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass


class DeliveryError(Exception):
    """A send did not succeed; ``reason`` is what ``notify list`` shows."""

    def __init__(self, reason: str, *, retry_after: dt.timedelta | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class TemporaryError(DeliveryError):
    """Not delivered, worth retrying later: rate limits, server errors, refused connections."""


class PermanentError(DeliveryError):
    """Not delivered, and retrying cannot help: a refused recipient, a missing hook."""


class UnknownOutcome(DeliveryError):
    """Handed over, answer lost: it may have been delivered, so it is not retried."""


@dataclass(frozen=True)
class Sent:
    provider_id: str | None = None
    note: str | None = None  # kept in last_error (e.g. contacts an SMTP server refused)


# Stored text of a send (``last_error``, ``provider_id``) is at most this long: what a hook
# prints, an SMTP reply or an API's answer can be anything, of any length.
STORED_LIMIT = 4000
# Characters that would reach a terminal (or PostgreSQL, for NUL and lone surrogates) as
# something other than text: C0/C1 controls (ESC starts terminal escape sequences), lone
# surrogates, and the bidirectional overrides that make text read other than it is stored.
_UNPRINTABLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clip(text: object, limit: int = 500) -> str:
    """``text`` as one clean line of at most ``limit`` characters, fit to store and show:
    runs of white space become one space; control characters (NUL, ESC, …), lone surrogates
    and bidirectional overrides become visible escapes (``\\x1b``); a longer text is cut and
    ends with "…". Every channel's reason and provider id goes through it (and ``record``
    passes them through again before they are stored)."""
    text = " ".join(str(text).split())
    text = _UNPRINTABLE.sub(_escape, text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
