"""The audit log: every change records who, when (real time), the effective date,
the entity and what changed."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from hostctl.core.bulk import db_value, insert_rows
from hostctl.core.bulk import dumps as dumps  # re-exported: callers use audit.dumps
from hostctl.core.clock import real_now_utc
from hostctl.core.context import Context
from hostctl.models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "to_json"):
        return value.to_json()
    return str(value)


def record(
    session: Session,
    ctx: Context,
    action: str,
    entity_type: str,
    entity_id: Any,
    changes: dict[str, Any] | None = None,
    note: str | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        at=real_now_utc(),
        effective_date=ctx.today,
        staff=ctx.staff,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        changes=dumps(_jsonable(changes or {})),
        note=note,
    )
    session.add(entry)
    return entry


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """``{field: [old, new]}`` for the fields that changed."""
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def entries(
    session: Session,
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    from sqlmodel import col, select

    stmt = select(AuditEntry)
    if entity_type:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    stmt = stmt.order_by(col(AuditEntry.id).desc()).limit(limit)
    return list(reversed(session.exec(stmt).all()))


def record_many(
    session: Session,
    ctx: Context,
    items: list[tuple[str, str, Any, dict[str, Any] | str]],
    *,
    note: str | None = None,
    notes: Sequence[str] | None = None,
) -> None:
    """Bulk form of ``record`` for ``daily`` and the imports: (action, entity_type,
    entity_id, changes), each with the same ``note`` or with its own from ``notes``.
    ``changes`` may be given already as JSON (a ``str`` made with ``audit.dumps``, for
    changes made of JSON values only), as callers do when every entry records the same
    change."""
    if not items:
        return
    each_note = iter(notes) if notes is not None else itertools.repeat(note)
    convert = db_value(session)
    at, today, staff = convert(real_now_utc()), convert(ctx.today), ctx.staff
    insert_rows(
        session,
        AuditEntry.__table__,  # type: ignore[attr-defined]
        ("at", "effective_date", "staff", "action", "entity_type", "entity_id", "changes", "note"),
        (
            (
                at,
                today,
                staff,
                action,
                entity_type,
                str(entity_id),
                changes if isinstance(changes, str) else dumps(_jsonable(changes)),
                next(each_note),
            )
            for action, entity_type, entity_id, changes in items
        ),
    )
