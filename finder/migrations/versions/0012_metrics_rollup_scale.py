"""Usage metrics at scale: query and service rollups per month too, a partial index for failed searches, no
redundant indexes.

The dashboards rank the searches that found nothing, and list the services, over up to two years: whole months are
read from usage_monthly_queries and usage_monthly_services (a row per month and query, or per month, kind and
service) and only the days at the range's edges from the daily tables; the ranking reads an index of the rows with
failed searches only. usage_daily_queries loses its channel and language (nothing reads
them, and they multiplied its rows, the largest rollup, by up to the number of channels times languages). The plain
day indexes of three rollup tables duplicated the first column of their unique keys, and each cost every rollup an
index update per row; the usage log's service index served no reader and cost every event written.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REDUNDANT = {
    "usage_daily": "ix_usage_daily_day",
    "usage_daily_services": "ix_usage_daily_services_day",
    "usage_daily_visitors": "ix_usage_daily_visitors_day",
}
FAILED = sa.text("zero_results > 0")
# The query rollups, each with its period column: the failed searches' ranking reads an index of those rows only.
FAILED_SEARCHES = {"usage_daily_queries": "day", "usage_monthly_queries": "month"}
COUNTS = ("events", "zero_results", "useful", "not_useful", "segments")


def upgrade() -> None:
    op.drop_index("ix_usage_events_service_id", "usage_events")
    for table, index in REDUNDANT.items():
        op.drop_index(index, table)
    _remake_daily_queries(
        ["day", "query"], "SELECT day, query, SUM(searches), SUM(zero_results) FROM kept GROUP BY day, query"
    )
    op.create_table(
        "usage_monthly_queries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("zero_results", sa.Integer(), nullable=False),
        sa.UniqueConstraint("month", "query", name="uq_usage_monthly_queries_key"),
    )
    for table, period in FAILED_SEARCHES.items():
        op.create_index(
            f"ix_{table}_failed", table, [period, "query", "zero_results"], sqlite_where=FAILED, postgresql_where=FAILED
        )
    op.create_table(
        "usage_monthly_services",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTS),
        sa.UniqueConstraint("month", "kind", "service_id", "agency_id", name="uq_usage_monthly_services_key"),
    )
    op.create_index("ix_usage_monthly_services_agency_id", "usage_monthly_services", ["agency_id"])
    # Months already rolled up, from their days.
    month = _month_of("day")
    op.execute(
        "INSERT INTO usage_monthly_queries (month, query, searches, zero_results) "
        f"SELECT {month}, query, SUM(searches), SUM(zero_results) FROM usage_daily_queries GROUP BY {month}, query"
    )
    sums = ", ".join(f"SUM({name})" for name in COUNTS)
    op.execute(
        f"INSERT INTO usage_monthly_services (month, kind, service_id, agency_id, {', '.join(COUNTS)}) "
        f"SELECT {month}, kind, service_id, agency_id, {sums} FROM usage_daily_services "
        f"GROUP BY {month}, kind, service_id, agency_id"
    )


def _remake_daily_queries(key: list[str], rows: str) -> None:
    """usage_daily_queries made again with another key, filled with `rows` (a SELECT from its old rows, "kept")."""
    # Copied aside while the table is made again (its constraint and index names must be free first).
    op.execute("CREATE TABLE kept AS SELECT * FROM usage_daily_queries")
    op.drop_table("usage_daily_queries")
    op.create_table(
        "usage_daily_queries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False),
        *(sa.Column(name, sa.String(16), nullable=False) for name in key if name in ("channel", "language")),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("zero_results", sa.Integer(), nullable=False),
        sa.UniqueConstraint(*key, name="uq_usage_daily_queries_key"),
    )
    columns = ", ".join([*key, "searches", "zero_results"])
    op.execute(f"INSERT INTO usage_daily_queries ({columns}) {rows}")
    op.drop_table("kept")


def _month_of(column: str) -> str:
    if op.get_bind().dialect.name == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS DATE)"
    return f"date({column}, 'start of month')"


def downgrade() -> None:
    op.drop_index("ix_usage_monthly_services_agency_id", "usage_monthly_services")
    op.drop_table("usage_monthly_services")
    op.drop_index("ix_usage_monthly_queries_failed", "usage_monthly_queries")
    op.drop_table("usage_monthly_queries")
    # The channel and language of past searches are gone: they come back empty.
    _remake_daily_queries(
        ["day", "channel", "language", "query"], "SELECT day, '', '', query, searches, zero_results FROM kept"
    )
    op.create_index("ix_usage_daily_queries_day", "usage_daily_queries", ["day"])
    for table, index in REDUNDANT.items():
        op.create_index(index, table, ["day"])
    op.create_index("ix_usage_events_service_id", "usage_events", ["service_id"])
