"""Usage metrics: the folded query on each event, daily rollups, and the rollup watermark.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _key_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
    ]


def _count_columns() -> list[sa.Column]:
    return [
        sa.Column(name, sa.Integer(), nullable=False)
        for name in ("events", "zero_results", "useful", "not_useful", "segments")
    ]


def upgrade() -> None:
    # On SQLite the table is rebuilt with AUTOINCREMENT, so that ids are never reused once retention has emptied
    # it: the rollup's watermark is an id. (PostgreSQL's sequence never reuses ids.)
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "usage_events", table_kwargs={"sqlite_autoincrement": True}, recreate="always" if sqlite else "auto"
    ) as batch:
        batch.add_column(sa.Column("query_key", sa.String(200), nullable=True))

    op.create_table(
        "usage_daily",
        *_key_columns(),
        sa.Column("kind", sa.String(32), nullable=False),
        *_count_columns(),
        sa.UniqueConstraint("day", "kind", "channel", "language", name="uq_usage_daily_key"),
    )
    op.create_index("ix_usage_daily_day", "usage_daily", ["day"])

    op.create_table(
        "usage_daily_agencies",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("agency_id", sa.String(64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        *_count_columns(),
        sa.UniqueConstraint("agency_id", "day", "kind", "channel", name="uq_usage_daily_agencies_key"),
    )
    op.create_index("ix_usage_daily_agencies_day", "usage_daily_agencies", ["day"])

    op.create_table(
        "usage_daily_services",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False),
        *_count_columns(),
        sa.UniqueConstraint("day", "kind", "service_id", "agency_id", name="uq_usage_daily_services_key"),
    )
    op.create_index("ix_usage_daily_services_day", "usage_daily_services", ["day"])
    op.create_index("ix_usage_daily_services_agency_id", "usage_daily_services", ["agency_id"])

    op.create_table(
        "usage_daily_queries",
        *_key_columns(),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("searches", sa.Integer(), nullable=False),
        sa.Column("zero_results", sa.Integer(), nullable=False),
        sa.UniqueConstraint("day", "channel", "language", "query", name="uq_usage_daily_queries_key"),
    )
    op.create_index("ix_usage_daily_queries_day", "usage_daily_queries", ["day"])

    op.create_table(
        "usage_daily_visitors",
        *_key_columns(),
        sa.Column("visitors", sa.Integer(), nullable=False),
        sa.UniqueConstraint("day", "channel", "language", name="uq_usage_daily_visitors_key"),
    )
    op.create_index("ix_usage_daily_visitors_day", "usage_daily_visitors", ["day"])

    state = op.create_table(
        "metrics_rollup_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("last_event_id", sa.Integer(), nullable=False),
        sa.Column("rolled_up_at", sa.DateTime(), nullable=True),
    )
    op.bulk_insert(state, [{"id": 1, "last_event_id": 0, "rolled_up_at": None}])


def downgrade() -> None:
    op.drop_table("metrics_rollup_state")
    op.drop_table("usage_daily_visitors")
    op.drop_table("usage_daily_queries")
    op.drop_table("usage_daily_services")
    op.drop_table("usage_daily_agencies")
    op.drop_table("usage_daily")
    with op.batch_alter_table("usage_events") as batch:
        batch.drop_column("query_key")
