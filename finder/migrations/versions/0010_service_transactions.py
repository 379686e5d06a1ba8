"""Agencies' monthly transaction counts per service and channel (online, counter, phone, post): digital take-up.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "service_transactions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("service_id", sa.String(64), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        *(sa.Column(channel, sa.Integer(), nullable=False) for channel in ("online", "counter", "phone", "post")),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("service_id", "month", name="uq_service_transactions_key"),
    )
    op.create_index("ix_service_transactions_service_id", "service_transactions", ["service_id"])


def downgrade() -> None:
    op.drop_index("ix_service_transactions_service_id", "service_transactions")
    op.drop_table("service_transactions")
