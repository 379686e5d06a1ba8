"""Checking what visitors send: addresses' slugs, filter values and free text."""

from __future__ import annotations

import re

from werkzeug.routing import BaseConverter, ValidationError

# As the catalogue's native format defines slugs; anything else in an address is a 404 before any query runs.
SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"
# A filter names a category, life event or agency by slug or by id (ids allow a few more characters).
FILTER_VALUE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,119}")


class SlugConverter(BaseConverter):
    """`<slug:slug>` in a route: only what a catalogue slug can be (at most 120 characters)."""

    regex = SLUG

    def to_python(self, value: str) -> str:
        if len(value) > 120:
            raise ValidationError()
        return value


def plain_text(value: str) -> str:
    """Free text with control characters removed (a database may refuse them) and whitespace collapsed."""
    return " ".join("".join(c for c in value if c.isprintable() or c.isspace()).split())
