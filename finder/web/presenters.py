"""View formatting beside the templates: localised text with its language, dates, costs, hours, snippets."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import format_currency, format_date, format_decimal, format_time
from flask_babel import gettext as _
from markupsafe import Markup, escape

from finder.catalogue import Localised, localised
from finder.catalogue.models import WEEKDAYS, Office, Service
from finder.web.language import RIGHT_TO_LEFT, page_language

STATIC = Path(__file__).parent / "static"
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")
_WORD = re.compile(r"\w+")


def text(row: Any, field: str) -> Localised:
    """A content field in the page's language, or in the catalogue's default language (with that language)."""
    return localised(row, field, page_language(), current_app.config["FINDER"].default_language)


def lang_attr(content_language: str) -> Markup:
    """` lang="en"` for content that is not in the page's language (and its direction, inside a right-to-left page)."""
    page = page_language()
    if content_language == page:
        return Markup("")
    direction = "rtl" if content_language in RIGHT_TO_LEFT else "ltr"
    if direction == ("rtl" if page in RIGHT_TO_LEFT else "ltr"):
        return Markup(' lang="{}"').format(content_language)
    return Markup(' lang="{}" dir="{}"').format(content_language, direction)


CHANNEL_NAMES = {
    "online": lambda: _("Online"),
    "phone": lambda: _("By phone"),
    "sms": lambda: _("By SMS"),
    "email": lambda: _("By email"),
    "in_person": lambda: _("In person"),
}


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES[channel]() if channel in CHANNEL_NAMES else channel


def ltr(value: str) -> Markup:
    """A phone number or address inside running text, kept left-to-right in an Arabic sentence."""
    return Markup('<bdi dir="ltr">{}</bdi>').format(value)


class Block(NamedTuple):
    """A paragraph (`items` of one) or a numbered list, from plain catalogue text."""

    numbered: bool
    items: list[str]


def blocks(value: str | None) -> list[Block]:
    """Catalogue text as paragraphs, with lines written "1. ...", "2. ..." as a numbered list."""
    found: list[Block] = []
    for part in re.split(r"\n\s*\n", value or ""):
        lines = [line.strip() for line in part.splitlines() if line.strip()]
        if len(lines) > 1 and all(_NUMBERED.match(line) for line in lines):
            found.append(Block(True, [_NUMBERED.sub("", line) for line in lines]))
        elif lines:
            found.append(Block(False, [" ".join(lines)]))
    return found


class CostLine(NamedTuple):
    label: Localised | None
    amount: str
    description: Localised | None


def costs(service: Service) -> list[CostLine]:
    lines = []
    for cost in service.costs:
        if cost.amount is None:
            amount = ""
        elif cost.amount == 0:
            amount = _("Free")
        elif cost.currency:
            amount = format_currency(cost.amount, cost.currency.upper())
        else:
            amount = format_decimal(Decimal(cost.amount))
        label = text(cost, "label") if cost.label else None
        description = text(cost, "description") if cost.description else None
        lines.append(CostLine(label, amount, description))
    return lines


def today_hours(office: Office, today: dt.date | None = None) -> str:
    """ "Open today 08:00 to 16:00", or "Closed today", from the office's weekly hours."""
    day = WEEKDAYS[(today or dt.date.today()).weekday()]
    periods = [h for h in office.hours if day in (h.days or [])]
    if not periods:
        return _("Closed today")
    times = ", ".join(
        _("%(opens)s to %(closes)s", opens=format_time(h.opens, "short"), closes=format_time(h.closes, "short"))
        for h in periods
    )
    return _("Open today: %(times)s", times=times)


def address(office: Office) -> str:
    parts = [office.street, office.locality, office.city, office.postal_code, office.region]
    return ", ".join(p for p in parts if p)


def long_date(value: dt.date | None) -> str:
    return format_date(value, "long") if value else ""


def highlight(value: str, query: str) -> Markup:
    """The text, escaped, with the query's words (and words they start) marked for the eye."""
    words = sorted({w.casefold() for w in _WORD.findall(query) if len(w) > 1}, key=len, reverse=True)
    if not words:
        return escape(value)
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(value):
        out.append(escape(value[last : match.start()]))
        out.append(Markup("<mark>{}</mark>").format(match.group()))
        last = match.end()
    out.append(escape(value[last:]))
    return Markup("").join(out)


def json_ld(data: dict[str, Any]) -> Markup:
    """JSON for a <script type="application/ld+json"> block: `<`, `>` and `&` escaped so text cannot end it."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Markup(body.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@cache
def static_version(filename: str) -> str:
    """A short hash of a static file's content, for cache-busting its URL."""
    path = STATIC / filename
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10] if path.is_file() else "0"


class Listing(NamedTuple):
    """A service as lists show it: where it is, its name and summary (each with the language it is in)."""

    slug: str
    name: Localised
    summary: Localised


def listings(services: list[Service], *, by_name: bool = False) -> list[Listing]:
    found = [Listing(s.slug, text(s, "name"), text(s, "summary")) for s in services]
    return sorted(found, key=lambda item: item.name.value.casefold()) if by_name else found
