"""Facet counts of a search as the API gives them: each value with its id, name in the language, and count."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from finder.catalogue import Agency, Category, LifeEvent, localised

FACET_MODELS = {"agency": Agency, "category": Category, "life_event": LifeEvent}


def facet_lists(
    session: Session, facets: dict[str, dict[str, int]], language: str, default_language: str
) -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for facet, counts in facets.items():
        model = FACET_MODELS.get(facet)
        if model is None:
            items = [{"id": value, "count": n} for value, n in counts.items()]
        else:
            rows = session.scalars(select(model).where(model.id.in_(counts))).all()
            items = [
                {
                    "id": row.id,
                    "slug": row.slug,
                    "name": localised(row, "name", language, default_language).value,
                    "count": counts[row.id],
                }
                for row in rows
            ]
        result[facet] = sorted(items, key=lambda item: (-item["count"], item.get("name") or item["id"]))
    return result
