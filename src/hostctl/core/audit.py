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
from hostctl.i18n import N_
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
    found = list(reversed(session.exec(stmt).all()))
    if not found and entity_type and entity_id:
        _check_exists(session, entity_type, entity_id)
    return found


# The kinds of entity the log names, as a sentence names them.
ENTITY_NAMES = {
    "client": N_("client"),
    "service": N_("service"),
    "invoice": N_("invoice"),
    "payment": N_("payment"),
    "quote": N_("quote"),
    "transfer": N_("transfer"),
    "outage": N_("outage"),
    "outbox": N_("message"),
    "product": N_("product"),
    "ticket": N_("ticket"),
    "setting": N_("setting"),
}


def _entity_keys() -> dict[str, Any]:
    """The key column of each kind of entity the log names, by its name in the log."""
    from hostctl.models import (
        Client,
        Invoice,
        Outage,
        OutboxMessage,
        Payment,
        Product,
        Quote,
        Service,
        Setting,
        Ticket,
        Transfer,
    )

    return {
        "client": Client.id,
        "service": Service.id,
        "invoice": Invoice.id,
        "payment": Payment.id,
        "quote": Quote.id,
        "transfer": Transfer.id,
        "outage": Outage.id,
        "outbox": OutboxMessage.id,
        "product": Product.code,
        "ticket": Ticket.code,
        "setting": Setting.key,
    }


def _check_exists(session: Session, entity_type: str, entity_id: str) -> None:
    """A log asked of an entity that has no entries: refused when that entity does not exist
    (a log of one that was deleted still shows its entries; of a kind not known here, none)."""
    from sqlalchemy import Integer, select

    from hostctl.errors import NotFoundError
    from hostctl.i18n import _, localize

    key = _entity_keys().get(entity_type)
    if key is None:
        return
    value: Any = entity_id
    if isinstance(key.type, Integer):
        if not entity_id.isascii() or not entity_id.isdigit() or len(entity_id) > 18:
            value = None
        else:
            value = int(entity_id)
    if value is None or session.execute(select(key).where(key == value)).first() is None:
        raise NotFoundError(
            _("There is no {entity_type} {entity_id}.").format(
                entity_type=localize(ENTITY_NAMES[entity_type]), entity_id=entity_id
            )
        )


def record_many(
    session: Session,
    ctx: Context,
    items: list[tuple[str, str, Any, dict[str, Any] | str]],
    *,
    note: str | None = None,
    notes: Sequence[str | None] | None = None,
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
