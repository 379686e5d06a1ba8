"""What the metrics pages show, worked out from the usage report: filters, labels, names, unmet-demand actions and the
public page's small-number suppression. The numbers themselves all come from `usage_report` (one way to count)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from finder import catalogue, search
from finder.catalogue.models import Agency, Service
from finder.metrics.events import CHANNELS
from finder.metrics.report import COUNTS, RATES

DEFAULT_DAYS = 30
# A dashboard reads up to two years of daily rollups; longer ranges are for `finder metrics report`.
MAX_DAYS = 731
TABLES = ("metrics", "zero-result-queries", "services", "digital-take-up")
FORMATS = ("html", "csv", "json")
# The public page shows no count under this, nor a rate whose numerator or denominator is under it.
SUPPRESS_BELOW = 10
NEAREST_AGENCIES = 3

# Labels are looked up when a page is drawn, in its language (the extractor finds the `_` calls).
CHANNEL_NAMES = {
    "web": lambda: _("Website"),
    "sms": lambda: _("Text message (SMS)"),
    "whatsapp": lambda: "WhatsApp",  # a brand name, the same in every language
    "api": lambda: _("API (other sites and apps)"),
}
METRIC_NAMES = {
    "searches": lambda: _("Searches"),
    "zero_result_searches": lambda: _("Searches that found nothing"),
    "service_views": lambda: _("Service page views"),
    "click_outs": lambda: _("Click-throughs to apply online"),
    "sms_in": lambda: _("Text messages received"),
    "sms_out": lambda: _("Text messages sent"),
    "sms_segments": lambda: _("SMS segments sent"),
    "feedback_useful": lambda: _("Said the page was useful"),
    "feedback_not_useful": lambda: _("Said the page was not useful"),
    "unmet_demand_reports": lambda: _("Reports of a service not found"),
    "zero_result_rate": lambda: _("Zero-result rate"),
    "search_to_view_rate": lambda: _("Searches followed by a service view"),
    "click_through_rate": lambda: _("Service views followed by applying online"),
    "satisfaction": lambda: _("Satisfaction: share of answers saying useful"),
}
# The report's counts and rates by channel, in the report's order: the rows of the metrics table.
METRIC_ROWS = (*(key for key, *_ in COUNTS), *(key for key, *_ in RATES), "satisfaction")
# The counts and rates a public page shows: none that only the government needs (costs, reports of missing services).
PUBLIC_COUNTS = ("searches", "service_views", "click_outs", "sms_in", "sms_out", "feedback_useful")
PUBLIC_COUNTS += ("feedback_not_useful",)
PUBLIC_RATES = {
    "zero_result_rate": ("zero_result_searches", "searches"),
    "search_to_view_rate": ("service_views", "searches"),
    "click_through_rate": ("click_outs", "service_views"),
    "satisfaction": ("feedback_useful", None),  # denominator: all feedback answers
}


class FilterError(ValueError):
    """The filters asked for cannot be read; `problems` says what to correct, in the visitor's language."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date
    channel: str | None
    format: str
    table: str

    def query(self, **changes: str) -> dict[str, str]:
        """The filters as URL parameters (for export links), with changes."""
        values = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.channel:
            values["channel"] = self.channel
        return {**values, **changes}


def parse_filters(args: MultiDict, today: dt.date) -> Filters:
    """Read from/to (YYYY-MM-DD, UTC days, both included), channel, format and table; FilterError names each problem.

    Without dates, the last 30 days up to today.
    """
    problems = []
    end = _date(args.get("to", ""), today, _("Enter the end date as YYYY-MM-DD, for example 2026-03-31."), problems)
    default_start = (end or today) - dt.timedelta(days=DEFAULT_DAYS - 1)
    start = _date(
        args.get("from", ""), default_start, _("Enter the start date as YYYY-MM-DD, for example 2026-03-01."), problems
    )
    if start and end:
        if end < start:
            problems.append(_("The end date must be on or after the start date."))
        elif (end - start).days + 1 > MAX_DAYS:
            problems.append(_("Choose a range of at most %(days)s days.", days=MAX_DAYS))
    channel = args.get("channel", "") or None
    if channel is not None and channel not in CHANNELS:
        problems.append(_("Choose a channel from the list."))
    fmt = args.get("format", "html")
    if fmt not in FORMATS:
        problems.append(_("Choose a download format: CSV or JSON."))
    table = args.get("table", "metrics")
    if table not in TABLES:
        problems.append(_("Choose a table to download from the list."))
    if problems:
        raise FilterError(problems)
    return Filters(start=start, end=end, channel=channel, format=fmt, table=table)


def _date(text: str, default: dt.date, problem: str, problems: list[str]) -> dt.date | None:
    text = text.strip()
    if not text:
        return default
    try:
        if len(text) != 10:
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(problem)
        return None


def count(value: int | None) -> str:
    """A count in the page's language; None is a suppressed count."""
    return _("fewer than %(n)s", n=SUPPRESS_BELOW) if value is None else format_decimal(value)


def rate(value: float | None) -> str:
    """A rate as a percentage in the page's language; None means nothing to divide by, or suppressed."""
    return _("not available") if value is None else format_percent(value, "#,##0.0%")


def channel_name(channel: str) -> str:
    return CHANNEL_NAMES[channel]()


def metric_name(key: str) -> str:
    return METRIC_NAMES[key]()


def language_name(code: str, in_language: str) -> str:
    """A language's name in the page's language ("Arabe" on a French page); the code if Babel does not know it."""
    try:
        return Locale.parse(code).get_display_name(in_language) or code
    except (ValueError, LookupError, UnknownLocaleError):
        # The API logs whatever well-formed tag a caller asks for ("yes", "tlh"): demand for a language is
        # worth counting even when no locale data names it.
        return code


def service_names(session: Session, report: dict[str, Any], language: str, default_language: str) -> dict[str, str]:
    """The names of the report's services and agencies (by id), in the page's language where translated."""
    names: dict[str, str] = {}
    service_ids = [row["service_id"] for row in report["services"] + report["digital_take_up"]]
    agency_ids = {row["agency_id"] for row in report["services"] if row["agency_id"]}
    for model, ids in ((Service, service_ids), (Agency, agency_ids)):
        for row in session.scalars(select(model).where(model.id.in_(ids))):
            names[row.id] = catalogue.localised(row, "name", language, default_language).value
    return names


def nearest_agencies(session: Session, query: str, language: str) -> list[str]:
    """The agencies whose services search ranks closest to a query that found nothing: the whole query (or search's
    spelling suggestion), then each of its words; the first few agencies found, to ask for a service."""
    found: list[str] = []
    for text in dict.fromkeys([query, *query.split()]):
        results = search.search(session, search.SearchRequest(text=text, language=language))
        if not results.hits and results.suggestion:
            results = search.search(session, search.SearchRequest(text=results.suggestion, language=language))
        for hit in results.hits:
            if hit.agency not in found:
                found.append(hit.agency)
        if len(found) >= NEAREST_AGENCIES:
            break
    return found[:NEAREST_AGENCIES]


class NearestAgencies:
    """`nearest_agencies`, remembered per process: a dashboard shows much the same top failed queries on every load,
    and each costs several searches.

    An answer is kept while the catalogue is unchanged (its services' count and latest update, read once per page)
    and for at most CACHE_SECONDS, so that changes to search's vocabulary show soon too.
    """

    CACHE_SECONDS = 600.0
    CACHE_SIZE = 2000

    def __init__(self) -> None:
        self._answers: dict[tuple[str, str], tuple[tuple, float, list[str]]] = {}
        self._lock = threading.Lock()

    def catalogue_stamp(self, session: Session) -> tuple:
        """What changes whenever a service is added, changed or deleted."""
        return tuple(session.execute(select(func.count(Service.id), func.max(Service.updated_at))).one())

    def of(self, session: Session, query: str, language: str, stamp: tuple) -> list[str]:
        """The nearest agencies to a failed query, searched again only when not known for this catalogue."""
        now = time.monotonic()
        with self._lock:
            known = self._answers.get((query, language))
        if known is not None and known[0] == stamp and known[1] > now:
            return known[2]
        agencies = nearest_agencies(session, query, language)
        with self._lock:
            if len(self._answers) >= self.CACHE_SIZE:
                self._answers.clear()
            self._answers[(query, language)] = (stamp, now + self.CACHE_SECONDS, agencies)
        return agencies


def public_figures(report: dict[str, Any]) -> dict[str, Any]:
    """The public page's aggregates: no service, query or agency detail, and no count under SUPPRESS_BELOW.

    A suppressed count is None. Where only one channel (or language) of a breakdown would be hidden, the next
    smallest is hidden too, so that the total minus the others does not give it away; rates are hidden where their
    numerator or denominator is.
    """
    figures: dict[str, Any] = {"from": report["from"], "to": report["to"], "suppressed_below": SUPPRESS_BELOW}
    for key in PUBLIC_COUNTS:
        figures[key] = {
            "total": _shown(report[key]["total"]),
            "by_channel": _suppressed(report[key]["by_channel"]),
        }
    visitors = report["unique_visitors"]
    figures["unique_visitors"] = {
        "total": _shown(visitors["total"]),
        "by_channel": _suppressed(visitors["by_channel"]),
    }
    figures["searches_by_language"] = _suppressed(report["searches_by_language"])
    for key, (numerator, denominator) in PUBLIC_RATES.items():
        if denominator is None:
            answers = {
                "total": report["feedback_useful"]["total"] + report["feedback_not_useful"]["total"],
                "by_channel": {
                    c: report["feedback_useful"]["by_channel"][c] + report["feedback_not_useful"]["by_channel"][c]
                    for c in CHANNELS
                },
            }
        else:
            answers = report[denominator]
        top, bottom = report[numerator], answers
        figures[key] = {
            "total": report[key]["total"] if _safe(top["total"], bottom["total"]) else None,
            "by_channel": {
                c: report[key]["by_channel"][c] if _safe(top["by_channel"][c], bottom["by_channel"][c]) else None
                for c in CHANNELS
            },
        }
    return figures


def _shown(value: int) -> int | None:
    return value if value >= SUPPRESS_BELOW else None


def _safe(numerator: int, denominator: int) -> bool:
    return numerator >= SUPPRESS_BELOW and denominator >= SUPPRESS_BELOW


def _suppressed(breakdown: dict[str, int]) -> dict[str, int | None]:
    shown: dict[str, int | None] = {key: _shown(value) for key, value in breakdown.items()}
    hidden = [key for key, value in shown.items() if value is None]
    if len(hidden) == 1:
        rest = sorted((value, key) for key, value in shown.items() if value is not None)
        if rest:
            shown[rest[0][1]] = None
    return shown
