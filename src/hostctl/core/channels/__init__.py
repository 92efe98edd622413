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


def clip(text: str, limit: int = 500) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
