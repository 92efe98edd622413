"""Delivery channels: each turns one prepared message into a send, or an error saying
whether trying again later can help (``TemporaryError``) or not (``PermanentError``).

Channels do network or process I/O only; they never touch the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


class DeliveryError(Exception):
    """A send did not happen; ``reason`` is what ``notify list`` shows."""

    def __init__(self, reason: str, *, retry_after: dt.timedelta | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class TemporaryError(DeliveryError):
    """Worth retrying later: rate limits, server errors, timeouts, refused connections."""


class PermanentError(DeliveryError):
    """Retrying cannot help: a refused recipient, a rejected template, a missing hook."""


@dataclass(frozen=True)
class Sent:
    provider_id: str | None = None
    note: str | None = None  # kept in last_error (e.g. contacts an SMTP server refused)


def clip(text: str, limit: int = 500) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
