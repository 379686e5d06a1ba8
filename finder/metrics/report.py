"""The usage report: the metrics of docs/metrics.md over a date range, read from the daily rollups.

`usage_report` returns plain data whose JSON form is a documented, stable interface (scripts rely on its keys);
`report_csv` and `report_text` render the same numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlalchemy import Connection, Table, desc, func, literal_column, select, union_all

from finder.catalogue.models import Service
from finder.metrics.events import CHANNELS
from finder.metrics.models import (
    ServiceTransactions,
    UsageDaily,
    UsageDailyAgency,
    UsageDailyQuery,
    UsageDailyService,
    UsageDailyVisitors,
    UsageMonthlyQuery,
    UsageMonthlyService,
)
from finder.metrics.transactions import TRANSACTION_CHANNELS

TOP_QUERIES = 20
# Each count of the report: (key, event kind, the rollup column summed).
COUNTS = (
    ("searches", "search", "events"),
    ("zero_result_searches", "search", "zero_results"),
    ("service_views", "service_view", "events"),
    ("click_outs", "click_out", "events"),
    ("sms_in", "message_in", "events"),
    ("sms_out", "message_out", "events"),
    ("sms_segments", "message_out", "segments"),
    ("feedback_useful", "feedback", "useful"),
    ("feedback_not_useful", "feedback", "not_useful"),
    ("unmet_demand_reports", "unmet_demand", "events"),
)
# Each rate: (key, numerator, denominator).
RATES = (
    ("zero_result_rate", "zero_result_searches", "searches"),
    ("search_to_view_rate", "service_views", "searches"),
    ("click_through_rate", "click_outs", "service_views"),
)
CSV_COLUMNS = ("metric", "total", *CHANNELS)


def usage_report(connection: Connection, start: dt.date, end: dt.date, agency_id: str | None = None) -> dict[str, Any]:
    """The metrics from `start` to `end` (both included), for the whole of government or one agency's services."""
    if agency_id is None:
        table = UsageDaily.__table__
        where = [table.c.day >= start, table.c.day <= end]
    else:
        table = UsageDailyAgency.__table__
        where = [table.c.agency_id == agency_id, table.c.day >= start, table.c.day <= end]
    rows = connection.execute(
        select(
            table.c.kind,
            table.c.channel,
            func.sum(table.c.events),
            func.sum(table.c.zero_results),
            func.sum(table.c.useful),
            func.sum(table.c.not_useful),
            func.sum(table.c.segments),
        )
        .where(*where)
        .group_by(table.c.kind, table.c.channel)
    ).all()
    sums = {
        (kind, channel): dict(zip(("events", "zero_results", "useful", "not_useful", "segments"), values, strict=True))
        for kind, channel, *values in rows
    }

    report: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat(), "agency": agency_id}
    for key, kind, column in COUNTS:
        by_channel = {channel: int(sums.get((kind, channel), {}).get(column) or 0) for channel in CHANNELS}
        report[key] = {"total": sum(by_channel.values()), "by_channel": by_channel}
    for key, numerator, denominator in RATES:
        report[key] = {
            "total": _rate(report[numerator]["total"], report[denominator]["total"]),
            "by_channel": {
                channel: _rate(report[numerator]["by_channel"][channel], report[denominator]["by_channel"][channel])
                for channel in CHANNELS
            },
        }
    useful, not_useful = report["feedback_useful"], report["feedback_not_useful"]
    report["satisfaction"] = {
        "total": _rate(useful["total"], useful["total"] + not_useful["total"]),
        "by_channel": {
            channel: _rate(
                useful["by_channel"][channel], useful["by_channel"][channel] + not_useful["by_channel"][channel]
            )
            for channel in CHANNELS
        },
    }
    searches = report["searches"]
    report["channel_mix"] = {channel: _rate(searches["by_channel"][channel], searches["total"]) for channel in CHANNELS}
    if agency_id is None:
        report["searches_by_language"] = _searches_by_language(connection, start, end)
        report["unique_visitors"] = _visitors(connection, start, end)
        report["top_zero_result_queries"] = _top_zero_result_queries(connection, start, end)
    else:
        # Visitors and failed searches belong to no agency: a search that found nothing has no top result.
        report["searches_by_language"] = None
        report["unique_visitors"] = None
        report["top_zero_result_queries"] = []
    report["services"] = _services(connection, start, end, agency_id)
    report["digital_take_up"] = _digital_take_up(connection, start, end, agency_id)
    return report


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _searches_by_language(connection: Connection, start: dt.date, end: dt.date) -> dict[str, int]:
    table = UsageDaily.__table__
    rows = connection.execute(
        select(table.c.language, func.sum(table.c.events))
        .where(table.c.kind == "search", table.c.day >= start, table.c.day <= end)
        .group_by(table.c.language)
        .order_by(table.c.language)
    ).all()
    return {language: int(count) for language, count in rows}


def _visitors(connection: Connection, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Sum of daily unique visitors (visitor-days): someone who comes on three days counts three times."""
    table = UsageDailyVisitors.__table__
    rows = connection.execute(
        select(table.c.channel, table.c.language, func.sum(table.c.visitors))
        .where(table.c.day >= start, table.c.day <= end)
        .group_by(table.c.channel, table.c.language)
    ).all()
    by_channel = dict.fromkeys(CHANNELS, 0)
    by_language: dict[str, int] = {}
    for channel, language, count in rows:
        by_channel[channel] = by_channel.get(channel, 0) + int(count)
        by_language[language] = by_language.get(language, 0) + int(count)
    return {
        "total": sum(by_channel.values()),
        "by_channel": by_channel,
        "by_language": dict(sorted(by_language.items())),
    }


def _top_zero_result_queries(connection: Connection, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The queries that most often found nothing, with all their searches: the range's whole months read from the
    monthly rollup, only its edge days from the daily one."""
    parts = _parts(UsageDailyQuery.__table__, UsageMonthlyQuery.__table__, start, end)
    # Only the rows with failed searches are ranked (most rows have none; a partial index holds them), then the top
    # ones' searches are summed.
    failed = union_all(
        *(
            select(table.c.query, table.c.zero_results).where(
                column >= low, column < high, table.c.zero_results > literal_column("0")
            )
            for table, column, low, high in parts
        )
    ).subquery()
    zero = func.sum(failed.c.zero_results)
    top = connection.execute(
        select(failed.c.query, zero).group_by(failed.c.query).order_by(desc(zero), failed.c.query).limit(TOP_QUERIES)
    ).all()
    if not top:
        return []
    queries = [query for query, _ in top]
    found = union_all(
        *(
            select(table.c.query, table.c.searches).where(column >= low, column < high, table.c.query.in_(queries))
            for table, column, low, high in parts
        )
    ).subquery()
    searches = dict(connection.execute(select(found.c.query, func.sum(found.c.searches)).group_by(found.c.query)).all())
    return [{"query": query, "zero_result_searches": int(z), "searches": int(searches[query])} for query, z in top]


def _parts(daily: Table, monthly: Table, start: dt.date, end: dt.date) -> list[tuple[Table, Any, dt.date, dt.date]]:
    """(table, its date column, from, before) covering start to end: whole months from the monthly rollup, the days
    before the first whole month and after the last from the daily one."""
    after = end + dt.timedelta(days=1)
    first_whole = start if start.day == 1 else _next_month(start)
    past_whole = after.replace(day=1)  # the first day of the month after the last whole one
    if first_whole >= past_whole:
        return [(daily, daily.c.day, start, after)]
    parts = [(monthly, monthly.c.month, first_whole, past_whole)]
    if start < first_whole:
        parts.append((daily, daily.c.day, start, first_whole))
    if past_whole < after:
        parts.append((daily, daily.c.day, past_whole, after))
    return parts


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _services(connection: Connection, start: dt.date, end: dt.date, agency_id: str | None) -> list[dict[str, Any]]:
    """Per service: views, click-outs to apply online (the digital-uptake signal), feedback, top-result searches;
    whole months read from the monthly rollup."""
    daily, monthly = UsageDailyService.__table__, UsageMonthlyService.__table__
    counted = union_all(
        *(
            select(
                table.c.service_id, table.c.agency_id, table.c.kind, table.c.events, table.c.useful, table.c.not_useful
            )
            .where(column >= low, column < high)
            .where(*([] if agency_id is None else [table.c.agency_id == agency_id]))
            for table, column, low, high in _parts(daily, monthly, start, end)
        )
    ).subquery()
    rows = connection.execute(
        select(
            counted.c.service_id,
            counted.c.agency_id,
            counted.c.kind,
            func.sum(counted.c.events),
            func.sum(counted.c.useful),
            func.sum(counted.c.not_useful),
        ).group_by(counted.c.service_id, counted.c.agency_id, counted.c.kind)
    ).all()
    services: dict[str, dict[str, Any]] = {}
    for service_id, agency, kind, events, useful, not_useful in rows:
        entry = services.setdefault(
            service_id,
            {
                "service_id": service_id,
                "agency_id": agency or None,
                "top_result_searches": 0,
                "service_views": 0,
                "click_outs": 0,
                "feedback_useful": 0,
                "feedback_not_useful": 0,
            },
        )
        if kind == "search":
            entry["top_result_searches"] += int(events)
        elif kind == "service_view":
            entry["service_views"] += int(events)
        elif kind == "click_out":
            entry["click_outs"] += int(events)
        elif kind == "feedback":
            entry["feedback_useful"] += int(useful)
            entry["feedback_not_useful"] += int(not_useful)
    for entry in services.values():
        entry["click_through_rate"] = _rate(entry["click_outs"], entry["service_views"])
    return sorted(services.values(), key=lambda e: (-e["service_views"], -e["top_result_searches"], e["service_id"]))


def _digital_take_up(
    connection: Connection, start: dt.date, end: dt.date, agency_id: str | None
) -> list[dict[str, Any]]:
    """Per service with transactions entered for the months the range touches: the sums by channel and the share
    done online (the GOV.UK digital take-up KPI)."""
    table, services = ServiceTransactions.__table__, Service.__table__
    query = (
        select(table.c.service_id, services.c.agency_id, *(func.sum(table.c[c]) for c in TRANSACTION_CHANNELS))
        .join(services, services.c.id == table.c.service_id, isouter=True)
        .where(table.c.month >= start.replace(day=1), table.c.month <= end)
        .group_by(table.c.service_id, services.c.agency_id)
        .order_by(table.c.service_id)
    )
    if agency_id is not None:
        query = query.where(services.c.agency_id == agency_id)
    rows = []
    for service_id, agency, *sums in connection.execute(query):
        counts = dict(zip(TRANSACTION_CHANNELS, (int(n) for n in sums), strict=True))
        total = sum(counts.values())
        rows.append(
            {"service_id": service_id, "agency_id": agency, **counts, "digital_take_up": _rate(counts["online"], total)}
        )
    return rows


def report_csv(report: dict[str, Any], table: str = "metrics") -> str:
    """One table of the report as CSV: `metrics` (one row per count or rate), `zero-result-queries`, `services` or
    `digital-take-up`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if table == "metrics":
        writer.writerow(CSV_COLUMNS)
        for key, value in report.items():
            if isinstance(value, dict) and "by_channel" in value:
                writer.writerow([key, _cell(value["total"]), *(_cell(value["by_channel"][c]) for c in CHANNELS)])
    elif table == "zero-result-queries":
        writer.writerow(("query", "zero_result_searches", "searches"))
        for row in report["top_zero_result_queries"]:
            writer.writerow((row["query"], row["zero_result_searches"], row["searches"]))
    elif table == "services":
        columns = ("service_id", "agency_id", "top_result_searches", "service_views", "click_outs")
        columns += ("click_through_rate", "feedback_useful", "feedback_not_useful")
        writer.writerow(columns)
        for row in report["services"]:
            writer.writerow([_cell(row[c]) for c in columns])
    elif table == "digital-take-up":
        columns = ("service_id", "agency_id", *TRANSACTION_CHANNELS, "digital_take_up")
        writer.writerow(columns)
        for row in report["digital_take_up"]:
            writer.writerow([_cell(row[c]) for c in columns])
    else:
        raise ValueError(f"no report table {table!r}")
    return out.getvalue()


def report_text(report: dict[str, Any]) -> str:
    """The report as aligned plain text, for a terminal."""
    scope = f"agency {report['agency']}" if report["agency"] else "all agencies"
    lines = [f"Usage from {report['from']} to {report['to']}, {scope}", ""]
    lines.append(f"{'metric':<24}{'total':>10}" + "".join(f"{c:>10}" for c in CHANNELS))
    for key, value in report.items():
        if isinstance(value, dict) and "by_channel" in value:
            cells = [value["total"], *(value["by_channel"][c] for c in CHANNELS)]
            lines.append(f"{key:<24}" + "".join(f"{_cell(c) or '-':>10}" for c in cells))
    if report["top_zero_result_queries"]:
        lines += ["", "Top searches that found nothing:"]
        lines += [f"{row['zero_result_searches']:>8}  {row['query']}" for row in report["top_zero_result_queries"]]
    if report["services"]:
        lines += ["", f"{'service':<38}{'views':>8}{'click-outs':>12}{'useful':>8}{'not useful':>12}"]
        for row in report["services"]:
            lines.append(
                f"{row['service_id']:<38}{row['service_views']:>8}{row['click_outs']:>12}"
                f"{row['feedback_useful']:>8}{row['feedback_not_useful']:>12}"
            )
    if report["digital_take_up"]:
        lines += ["", f"{'service':<38}" + "".join(f"{c:>10}" for c in TRANSACTION_CHANNELS) + f"{'take-up':>10}"]
        for row in report["digital_take_up"]:
            cells = [row[c] for c in TRANSACTION_CHANNELS]
            lines.append(
                f"{row['service_id']:<38}" + "".join(f"{c:>10}" for c in cells) + f"{_cell(row['digital_take_up']):>10}"
            )
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)
