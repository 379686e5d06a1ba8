"""After traffic on every channel, no table holds a phone number, an IP address or an email address."""

from __future__ import annotations

import re

from sqlalchemy import select

from finder import metrics
from finder.catalogue.models import Base
from tests.metrics.conftest import drive_traffic

IPV4 = re.compile(r"\b\d{1,3}(\.\d{1,3}){3}\b")
EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.\w+")


def test_no_phone_ip_or_email_in_any_column_after_traffic(app, db, client, catalogue):
    traffic = drive_traffic(app, client)
    metrics.rollup(db, 90)
    phones = [re.sub(r"\D", "", traffic.phone)] + [f"4477009001{i:02d}" for i in range(9)]
    checked = 0
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    if value is None:
                        continue
                    text = str(value)
                    where = f"{table.name}.{column.name} = {text!r}"
                    assert traffic.ip not in text and not IPV4.search(text), where
                    assert traffic.email not in text and not EMAIL.search(text), where
                    digits = re.sub(r"\D", "", text)
                    assert not any(phone in digits for phone in phones), where
                    checked += 1
    # The scrubbed comment is there, so the scan did read the usage log.
    with db.engine.connect() as connection:
        comments = connection.execute(select(Base.metadata.tables["usage_events"].c.comment)).scalars()
        assert "Useless, call me on [phone] or write to [email]" in list(comments)
    assert checked > 500
