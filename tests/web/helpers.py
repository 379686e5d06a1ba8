"""What the web tests share: reading the usage log after a request, and a form's CSRF token."""

from __future__ import annotations

import re

from sqlalchemy import select

from finder.metrics.models import UsageEventRow

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def events(app, **where) -> list[UsageEventRow]:
    """Usage events matching the column values given, oldest first (after flushing a buffered log)."""
    log = app.extensions["finder.usage_log"]
    if hasattr(log, "flush"):
        log.flush()
    query = select(UsageEventRow).order_by(UsageEventRow.id)
    for column, value in where.items():
        query = query.where(getattr(UsageEventRow, column) == value)
    with app.extensions["finder.db"].sessions() as session:
        return list(session.scalars(query))


def csrf_token(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200
    return TOKEN.search(page.get_data(as_text=True)).group(1)
