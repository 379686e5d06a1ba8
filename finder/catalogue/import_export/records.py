"""Small tools shared by the importers: change-aware assignment and syncing a row's children by id."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

Row = TypeVar("Row")


def assign(row: Any, **values: Any) -> bool:
    """Set only the attributes whose value differs; True when anything changed (so re-imports are no-ops)."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


def get_or_new(session: Session, model: type[Row], row_id: str) -> tuple[Row, bool]:
    row = session.get(model, row_id)
    if row is not None:
        return row, False
    row = model(id=row_id)
    session.add(row)
    return row, True


def sync_children(
    current: list[Row],
    incoming: Iterable[tuple[str, dict[str, Any]]],
    make: Callable[[str], Row],
) -> bool:
    """Make `current` hold exactly the incoming (id, values) children, in order; True when anything changed."""
    by_id = {child.id: child for child in current}
    wanted: list[Row] = []
    changed = False
    for position, (child_id, values) in enumerate(incoming):
        child = by_id.pop(child_id, None)
        if child is None:
            child = make(child_id)
            changed = True
        changed |= assign(child, position=position, **values)
        wanted.append(child)
    if by_id or [c.id for c in current] != [c.id for c in wanted]:
        changed = True
        current[:] = wanted
    return changed


def drop_empty(record: dict[str, Any]) -> dict[str, Any]:
    """The record without None values, empty strings or empty lists and dicts."""
    return {k: v for k, v in record.items() if v not in (None, "", [], {})}
