"""The lease that keeps two ``daily`` runs apart (BIL-10): a row in ``locks``, stamped with
the real clock; a fresh lease of another holder means "busy" (exit 75)."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from hostctl.core.clock import real_now_utc
from hostctl.core.context import Context
from hostctl.errors import BusyError
from hostctl.models import Lock

LOCK_NAME = "daily"
LOCK_STALE = dt.timedelta(minutes=15)


@contextmanager
def daily_lock(url: str | None, ctx: Context, *, wait: bool = False) -> Iterator[str]:
    """A lease row in ``locks``; a fresh lease of another holder means "busy" (exit 75)."""
    import time

    from sqlalchemy.exc import IntegrityError

    from hostctl.db import unit_of_work

    holder = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    while True:
        try:
            with unit_of_work(url=url) as session:
                now = real_now_utc()
                lock = session.get(Lock, LOCK_NAME, with_for_update=True)
                if lock is None:
                    session.add(
                        Lock(name=LOCK_NAME, holder=holder, acquired_at=now, heartbeat_at=now)
                    )
                elif now - lock.heartbeat_at > LOCK_STALE:
                    lock.holder, lock.acquired_at, lock.heartbeat_at = holder, now, now
                    session.add(lock)
                else:
                    raise BusyError(
                        f"Another daily run ({lock.holder}) has been working since "
                        f"{lock.acquired_at:%Y-%m-%d %H:%M} UTC; try again later."
                    )
            break
        except BusyError:
            if not wait:
                raise
            time.sleep(1)
        except IntegrityError:  # another run inserted the lease at the same moment
            if not wait:
                raise BusyError(
                    "Another daily run is working right now; try again later."
                ) from None
            time.sleep(1)
    try:
        yield holder
    finally:
        with unit_of_work(url=url) as session:
            lock = session.get(Lock, LOCK_NAME)
            if lock is not None and lock.holder == holder:
                session.delete(lock)


def heartbeat(session: Session, holder: str) -> None:
    lock = session.get(Lock, LOCK_NAME)
    if lock is not None and lock.holder == holder:
        lock.heartbeat_at = real_now_utc()
        session.add(lock)
