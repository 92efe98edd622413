"""The lock that keeps two ``daily`` runs apart (BIL-10).

A row in ``locks`` names the holder, ``host:pid:token``, with a lease stamped with the real
clock and refreshed at every commit. Another run is "busy" (exit 75) while that holder is
alive; a holder that is gone is taken over at once:

* PostgreSQL: the holder also keeps a session-level advisory lock on a connection of its
  own for the whole run. The server releases it when that session ends (the process was
  killed, the connection dropped), so a run that gets the advisory lock knows the row's
  holder is gone; a run that does not get it is busy.
* SQLite (one machine): a holder on this host whose process no longer exists is gone.
* A holder that cannot be checked (another host on SQLite, a row written by an older
  hostctl) is gone when its lease has not been refreshed for 15 minutes.

``heartbeat`` also checks, in the day's own transaction, that the lease is still this run's:
a run whose lease was taken over stops with ``BusyError`` before committing another day.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlmodel import Session

from hostctl.core.clock import real_now_utc, to_local
from hostctl.core.context import Context
from hostctl.errors import BusyError
from hostctl.i18n import _
from hostctl.models import Lock

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

LOCK_NAME = "daily"
LOCK_STALE = dt.timedelta(minutes=15)
PG_LOCK_KEY = 727_002  # the advisory lock of a daily run (migrate.py uses 727_001)
# A killed holder's PostgreSQL session ends as soon as the server notices the closed
# socket; a run that finds the holder's process gone waits this long for it.
SESSION_END_WAIT_S = 10.0


def this_host() -> str:
    return socket.gethostname()


def new_holder() -> str:
    return f"{this_host()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def holder_process(holder: str) -> tuple[str, int] | None:
    """``(host, pid)`` of a ``host:pid:token`` holder; None for a holder of an older hostctl."""
    parts = holder.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit() or int(parts[1]) <= 0:
        return None
    return parts[0], int(parts[1])


def process_gone(holder: str) -> bool:
    """True when ``holder`` ran on this host and its process no longer exists."""
    where = holder_process(holder)
    if where is None or where[0] != this_host() or os.name != "posix":
        return False
    pid = where[1]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    try:  # a killed process its parent has not reaped yet (a zombie) holds nothing
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


class _SessionLock:
    """PostgreSQL: the advisory lock on a connection of the run's own, out of the pool, so
    the lock lives exactly as long as this session (closed at the end of the run)."""

    def __init__(self, engine: Engine) -> None:
        self.conn: Connection = engine.connect()
        self.conn.detach()  # closing it ends the session, releasing the lock
        self.held = False

    def take(self) -> bool:
        from sqlalchemy import text

        if not self.held:
            query = text("SELECT pg_try_advisory_lock(:k)")
            self.held = bool(self.conn.execute(query, {"k": PG_LOCK_KEY}).scalar())
            self.conn.commit()
        return self.held

    def close(self) -> None:
        """Release the lock, then end the session. The release is said out loud: a closed
        connection's session ends when the server gets to it, a moment later, and a run
        started in that moment (cron's next job, the next command of a script) would find
        the lock still held and no lease: busy."""
        from sqlalchemy import text

        try:
            if self.held:
                self.conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
                self.conn.commit()
        except Exception:  # the connection is gone: so is its session's lock
            pass
        finally:
            self.conn.close()


def _busy(lock: Lock | None) -> BusyError:
    if lock is None:
        return BusyError(_("Another daily run is working right now; try again later."))
    return BusyError(
        _(
            "Another daily run ({lock_holder}) has been working since {since:%Y-%m-%d %H:%M} "
            "(company time); try again later."
        ).format(lock_holder=lock.holder, since=to_local(lock.acquired_at))
    )


def _gone(lock: Lock, now: dt.datetime, *, session_ended: bool) -> bool:
    """Whether the holder of ``lock`` is gone, so its lease may be taken over."""
    if session_ended and holder_process(lock.holder) is not None:
        return True
    return process_gone(lock.holder) or now - lock.heartbeat_at > LOCK_STALE


def _take_session_lock(session_lock: _SessionLock, url: str | None) -> None:
    """Get the advisory lock, or raise busy: its holder is alive (or its session is ending
    after its process died on this host: then wait a little for the server to end it)."""
    from hostctl.db import unit_of_work

    if session_lock.take():
        return
    with unit_of_work(url=url, readonly=True) as session:
        lock = session.get(Lock, LOCK_NAME)
    if lock is None or not process_gone(lock.holder):
        raise _busy(lock)
    deadline = time.monotonic() + SESSION_END_WAIT_S
    while not session_lock.take():
        if time.monotonic() > deadline:
            raise _busy(lock)
        time.sleep(0.1)


def _take_lease(url: str | None, holder: str, *, session_ended: bool) -> None:
    from sqlalchemy.exc import IntegrityError

    from hostctl.db import unit_of_work

    try:
        with unit_of_work(url=url) as session:
            now = real_now_utc()
            lock = session.get(Lock, LOCK_NAME, with_for_update=True)
            if lock is None:
                session.add(Lock(name=LOCK_NAME, holder=holder, acquired_at=now, heartbeat_at=now))
            elif _gone(lock, now, session_ended=session_ended):
                lock.holder, lock.acquired_at, lock.heartbeat_at = holder, now, now
                session.add(lock)
            else:
                raise _busy(lock)
    except IntegrityError:  # another run inserted the lease at the same moment
        raise _busy(None) from None


@contextmanager
def daily_lock(url: str | None, ctx: Context, *, wait: bool = False) -> Iterator[str]:
    """Hold the daily lock for the block; another live holder means "busy" (exit 75), or
    with ``wait`` waiting until it is free. Yields this run's holder name."""
    from hostctl.db import get_engine, unit_of_work

    holder = new_holder()
    engine = get_engine(url)
    session_lock = _SessionLock(engine) if engine.dialect.name == "postgresql" else None
    try:
        while True:
            try:
                if session_lock is not None:
                    _take_session_lock(session_lock, url)
                _take_lease(url, holder, session_ended=session_lock is not None)
                break
            except BusyError:
                if not wait:
                    raise
                time.sleep(1)
        try:
            yield holder
        finally:
            with unit_of_work(url=url) as session:
                lock = session.get(Lock, LOCK_NAME, with_for_update=True)
                if lock is not None and lock.holder == holder:
                    session.delete(lock)
    finally:  # after the row: a run waiting for the advisory lock then finds no lease
        if session_lock is not None:
            session_lock.close()


def heartbeat(session: Session, holder: str) -> None:
    """Refresh this run's lease in the day's transaction; if another run has taken it over,
    stop (``BusyError``), so the day about to be committed is rolled back instead."""
    lock = session.get(Lock, LOCK_NAME, with_for_update=True, populate_existing=True)
    if lock is None or lock.holder != holder:
        if lock is None:
            raise BusyError(
                _(
                    "This daily run's lock was taken over; it stopped and left the days not "
                    "yet done to that run."
                )
            )
        raise BusyError(
            _(
                "This daily run's lock was taken over by {holder}; it stopped and left the "
                "days not yet done to that run."
            ).format(holder=lock.holder)
        )
    lock.heartbeat_at = real_now_utc()
    session.add(lock)
