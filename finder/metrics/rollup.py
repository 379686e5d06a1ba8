"""Daily rollups of the usage log: incremental, idempotent, one run at a time; then retention of raw events.

A run counts the events after the watermark (the last event id rolled up) into two staging tables (counts, and
searches per query), adds those counts to the daily (and, for queries and services, monthly) count tables, moves
the watermark, and deletes raw events older than the retention period, all in one transaction: a run that fails
changes nothing, and running again only picks up what is new. Distinct visitors are counted meanwhile on a second
connection (see `_count_visitors`). Every run starts by locking the one
metrics_rollup_state row (an UPDATE: a row lock on PostgreSQL, the write lock on SQLite), so concurrent runs
(cron, several server processes) queue up and the second finds nothing left to do.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Date,
    Engine,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from finder.catalogue.models import Service, utcnow
from finder.db import Database
from finder.metrics.models import (
    RollupState,
    UsageDaily,
    UsageDailyAgency,
    UsageDailyQuery,
    UsageDailyService,
    UsageDailyVisitors,
    UsageEventRow,
    UsageMonthlyQuery,
    UsageMonthlyService,
)

EVENTS = UsageEventRow.__table__
SERVICES = Service.__table__
STATE = RollupState.__table__


@dataclass(frozen=True)
class RollupResult:
    """What a run did: events rolled up, the watermark it left, raw events deleted."""

    events: int
    last_event_id: int
    deleted: int


def rollup(database: Database, retention_days: int, now: dt.datetime | None = None) -> RollupResult:
    """Roll up the events logged since the last run, then delete raw events older than `retention_days`."""
    now = now or utcnow()
    high = _committed_high_water(database)
    with database.engine.begin() as connection:
        # The state row comes with the migration; made again if the tables were emptied since.
        connection.execute(_dialect(connection).insert(STATE).values(id=1, last_event_id=0).on_conflict_do_nothing())
        # The lock: taken first, held to commit.
        connection.execute(update(STATE).where(STATE.c.id == 1).values(rolled_up_at=now))
        low = connection.scalar(select(STATE.c.last_event_id).where(STATE.c.id == 1))
        cutoff = _retention_cutoff(now, retention_days)
        count = 0
        if high > low:
            count = _roll_up(connection, low, high, cutoff.date())
            connection.execute(update(STATE).where(STATE.c.id == 1).values(last_event_id=high))
        watermark = max(low, high)
        # Only events rolled up (ids up to the watermark) are ever deleted.
        expired = delete(EVENTS).where(EVENTS.c.occurred_at < cutoff, EVENTS.c.id <= watermark)
        deleted = connection.execute(expired).rowcount
    return RollupResult(events=count, last_event_id=watermark, deleted=deleted)


def _roll_up(connection: Connection, low: int, high: int, first_kept: dt.date) -> int:
    """Add the events with ids in (`low`, `high`] (at least one) to the rollups; their number."""
    _tune(connection)
    new = and_(EVENTS.c.id > low, EVENTS.c.id <= high)
    with ThreadPoolExecutor(max_workers=1) as helper:
        visitors = helper.submit(_count_visitors, connection.engine, new)
        _stage_counts(connection, new)
        _stage_queries(connection, new)
        stage = COUNTS_STAGE.c
        count, first, last = connection.execute(
            select(func.sum(stage.events), func.min(stage.day), func.max(stage.day))
        ).one()
        days = (_as_date(first), _as_date(last))
        _add_counts(connection, days)
        _add_queries(connection, days)
        for table in (COUNTS_STAGE, QUERIES_STAGE):
            table.drop(connection)
        counted = visitors.result()
    _replace_visitors(connection, days, counted, first_kept)
    return count


def _tune(connection: Connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    # Enough memory to group a large backlog in hash tables (a first run over millions of events: distinct visitors
    # are nearly one row per event), not through disk; memory is taken as needed, so a small run takes little.
    connection.exec_driver_sql("SET LOCAL work_mem = '512MB'")
    # Hashing, never sorting, to group: the planner multiplies the key columns' distinct values, so it expects about
    # as many groups as events and would sort them, several times slower through the text columns' collation.
    connection.exec_driver_sql("SET LOCAL enable_sort = off")


def _retention_cutoff(now: dt.datetime, retention_days: int) -> dt.datetime:
    # Whole days go, so a day's distinct visitors can always be recounted from the events still kept.
    return dt.datetime.combine(now.date() - dt.timedelta(days=retention_days), dt.time())


def _committed_high_water(database: Database) -> int:
    """The highest event id below which every event is committed.

    On PostgreSQL, ids come from a sequence at insert time, so a batch still being written can hold lower ids than
    a batch already committed; a watermark taken past it would skip it for good. A SHARE lock waits for the
    inserts in flight (and holds new ones back only for this instant). SQLite writes one transaction at a time.
    """
    with database.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("LOCK TABLE usage_events IN SHARE MODE")
        return connection.scalar(select(func.coalesce(func.max(EVENTS.c.id), 0)))


def _day(column) -> ColumnElement:
    # date() on both: a date on PostgreSQL, 'YYYY-MM-DD' on SQLite, the form SQLAlchemy's Date stores there.
    return func.date(column)


def _month(connection: Connection, day: ColumnElement) -> ColumnElement:
    """The first day of a day's month, in the form the dialect stores a Date."""
    if connection.dialect.name == "postgresql":
        return cast(func.date_trunc("month", day), Date)
    return func.date(day, "start of month")


# The new events counted once at the grain of the count rollups, joined to their services' agencies, and their
# searches counted once per day and query: every rollup table is then grouped from one of these narrow tables
# instead of from the events again. Queries have a grain of their own: at the count rollups' grain, nearly every
# search would be a row of its own. Temporary: they live in the rollup's transaction only.
COUNT_NAMES = ("events", "zero_results", "useful", "not_useful", "segments")
COUNTS_STAGE = Table(
    "usage_rollup_counts",
    MetaData(),
    Column("day", Date),
    Column("kind", String(32)),
    Column("channel", String(16)),
    Column("language", String(16)),
    Column("service_id", String(64)),  # a search's top result; NULL for events about no service
    Column("agency_id", String(64)),  # "" when the service is not (or no longer) in the catalogue
    *(Column(name, Integer) for name in COUNT_NAMES),
    prefixes=["TEMPORARY"],
)
QUERIES_STAGE = Table(
    "usage_rollup_queries",
    MetaData(),
    Column("day", Date),
    Column("query", String(200)),
    Column("searches", Integer),
    Column("zero_results", Integer),
    prefixes=["TEMPORARY"],
)


def _stage(connection: Connection, table: Table, rows: Select) -> None:
    table.drop(connection, checkfirst=True)
    table.create(connection)
    connection.execute(table.insert().from_select([c.name for c in table.columns], rows))


def _stage_counts(connection: Connection, new: ColumnElement) -> None:
    kind, useful = EVENTS.c.kind, EVENTS.c.useful
    # A search is about its top result; every other event about its own service.
    service_id = case((kind == "search", EVENTS.c.top_service_id), else_=EVENTS.c.service_id)
    day = _day(EVENTS.c.occurred_at)
    grouped = (
        select(
            day.label("day"),
            kind,
            EVENTS.c.channel,
            EVENTS.c.language,
            service_id.label("service_id"),
            func.count().label("events"),
            func.sum(case((and_(kind == "search", EVENTS.c.result_count == 0), 1), else_=0)).label("zero_results"),
            func.sum(case((useful.is_(True), 1), else_=0)).label("useful"),
            func.sum(case((useful.is_(False), 1), else_=0)).label("not_useful"),
            func.coalesce(func.sum(EVENTS.c.segments), 0).label("segments"),
        )
        .where(new)
        .group_by(day, kind, EVENTS.c.channel, EVENTS.c.language, service_id)
        .subquery()
    )
    # Joined after grouping: far fewer rows to look up than events.
    rows = select(
        grouped.c.day,
        grouped.c.kind,
        grouped.c.channel,
        grouped.c.language,
        grouped.c.service_id,
        func.coalesce(SERVICES.c.agency_id, literal("")).label("agency_id"),
        *(grouped.c[name] for name in COUNT_NAMES),
    ).select_from(grouped.outerjoin(SERVICES, SERVICES.c.id == grouped.c.service_id))
    _stage(connection, COUNTS_STAGE, rows)


def _stage_queries(connection: Connection, new: ColumnElement) -> None:
    day = _day(EVENTS.c.occurred_at)
    rows = (
        select(
            day.label("day"),
            EVENTS.c.query_key.label("query"),
            func.count().label("searches"),
            func.sum(case((EVENTS.c.result_count == 0, 1), else_=0)).label("zero_results"),
        )
        .where(new, EVENTS.c.kind == "search", EVENTS.c.query_key.is_not(None))
        .group_by(day, EVENTS.c.query_key)
    )
    _stage(connection, QUERIES_STAGE, rows)


def _sums() -> list[ColumnElement]:
    return [func.sum(COUNTS_STAGE.c[name]).label(name) for name in COUNT_NAMES]


def _add_counts(connection: Connection, days: tuple[dt.date, dt.date]) -> None:
    stage = COUNTS_STAGE.c
    totals = select(stage.day, stage.kind, stage.channel, stage.language, *_sums())
    _upsert(connection, UsageDaily, totals.group_by(stage.day, stage.kind, stage.channel, stage.language), days)
    by_agency = (
        select(stage.agency_id, stage.day, stage.kind, stage.channel, *_sums())
        .where(stage.agency_id != "")
        .group_by(stage.agency_id, stage.day, stage.kind, stage.channel)
    )
    _upsert(connection, UsageDailyAgency, by_agency, days)
    by_service = (
        select(stage.day, stage.kind, stage.service_id, stage.agency_id, *_sums())
        .where(stage.service_id.is_not(None))
        .group_by(stage.day, stage.kind, stage.service_id, stage.agency_id)
    )
    _upsert(connection, UsageDailyService, by_service, days)
    month = _month(connection, stage.day).label("month")
    by_service_month = (
        select(month, stage.kind, stage.service_id, stage.agency_id, *_sums())
        .where(stage.service_id.is_not(None))
        .group_by(month, stage.kind, stage.service_id, stage.agency_id)
    )
    _upsert(connection, UsageMonthlyService, by_service_month, days)


def _add_queries(connection: Connection, days: tuple[dt.date, dt.date]) -> None:
    stage = QUERIES_STAGE.c
    _upsert(connection, UsageDailyQuery, select(stage.day, stage.query, stage.searches, stage.zero_results), days)
    month = _month(connection, stage.day).label("month")
    searches = [func.sum(stage.searches).label("searches"), func.sum(stage.zero_results).label("zero_results")]
    monthly = select(month, stage.query, *searches).group_by(month, stage.query)
    _upsert(connection, UsageMonthlyQuery, monthly, days)


def _count_visitors(engine: Engine, new: ColumnElement) -> list[tuple]:
    """The distinct-visitor counts of the days the `new` events fall on, on a connection of its own.

    They are a third of a large run's work and read only the events, so they run beside the staging and the
    inserts, on another core (the usage log's writer thread already needs a database that connections share). The events up to the watermark are committed before the run starts, so this
    connection sees each of them; events of the same days that arrive meanwhile may be counted too, as they are
    when the days are counted again by a later run.
    """
    with engine.begin() as connection:
        _tune(connection)
        first, last = connection.execute(
            select(func.min(_day(EVENTS.c.occurred_at)), func.max(_day(EVENTS.c.occurred_at))).where(new)
        ).one()
        return _visitor_counts(connection, _as_date(first), _as_date(last))


def _visitor_counts(connection: Connection, first: dt.date, last: dt.date) -> list[tuple]:
    # DISTINCT first, then counted: PostgreSQL can hash the distinct rows, where count(DISTINCT) sorts every group.
    seen = (
        select(_day(EVENTS.c.occurred_at).label("day"), EVENTS.c.channel, EVENTS.c.language, EVENTS.c.visitor)
        .where(
            EVENTS.c.occurred_at >= dt.datetime.combine(first, dt.time()),
            EVENTS.c.occurred_at < dt.datetime.combine(last + dt.timedelta(days=1), dt.time()),
            EVENTS.c.visitor.is_not(None),
        )
        .distinct()
        .subquery()
    )
    counts = select(seen.c.day, seen.c.channel, seen.c.language, func.count()).group_by(
        seen.c.day, seen.c.channel, seen.c.language
    )
    return [
        (_as_date(day), channel, language, visitors) for day, channel, language, visitors in connection.execute(counts)
    ]


def _replace_visitors(
    connection: Connection, days: tuple[dt.date, dt.date], counted: list[tuple], first_kept: dt.date
) -> None:
    """Distinct visitors do not add up, so the days the new events fall on are counted again from the raw events
    (`counted`) and replace what was there.

    Days before the retention cutoff may have lost their raw events: a count already there stays as it is, and
    only a day never counted is counted from the events there are.
    """
    table = UsageDailyVisitors.__table__
    rows = [dict(zip(VISITOR_COLUMNS, row, strict=True)) for row in counted]
    kept = [row for row in rows if row["day"] >= first_kept]
    old = [row for row in rows if row["day"] < first_kept]
    if days[1] >= first_kept:
        connection.execute(delete(table).where(table.c.day >= max(days[0], first_kept), table.c.day <= days[1]))
        if kept:
            connection.execute(table.insert(), kept)
    if old:
        connection.execute(_dialect(connection).insert(table).on_conflict_do_nothing(), old)


VISITOR_COLUMNS = ["day", "channel", "language", "visitors"]


def _as_date(value: dt.date | str) -> dt.date:
    # SQLite's date() gives text.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _upsert(connection: Connection, model: type, rows: Select, days: tuple[dt.date, dt.date]) -> None:
    """Insert the grouped rows, adding their counts to the rows already there for the same key.

    `days` are the first and last of the rows' days. When the table has no row yet for any of their days (or
    months), as on a first run over a backlog, the rows are inserted plainly: an upsert looks each key up before
    inserting it, which costs about a third more.
    """
    table = model.__table__
    names = [column.name for column in rows.selected_columns]
    # A WHERE clause always: SQLite would read a bare "FROM stage ON CONFLICT" as the start of a join.
    statement = _dialect(connection).insert(table).from_select(names, rows.where(true()))
    if "day" in table.c:
        period, first = table.c.day, days[0]
    else:
        period, first = table.c.month, days[0].replace(day=1)
    if connection.scalar(select(exists().where(period >= first, period <= days[1]))):
        key = next(c for c in table.constraints if c.name and c.name.startswith("uq_"))
        sums = [name for name in names if name not in {c.name for c in key.columns}]
        statement = statement.on_conflict_do_update(
            index_elements=list(key.columns), set_={name: table.c[name] + statement.excluded[name] for name in sums}
        )
    connection.execute(statement)


def _dialect(connection: Connection):
    """The dialect module whose insert() knows ON CONFLICT."""
    return postgresql if connection.dialect.name == "postgresql" else sqlite
