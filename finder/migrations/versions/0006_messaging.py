"""Message channels: processed message ids, opt-outs and conversation state.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "processed_messages",
        sa.Column("message_id", sa.String(64), primary_key=True),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=True),
    )
    op.create_index("ix_processed_messages_received_at", "processed_messages", ["received_at"])
    op.create_table(
        "message_opt_outs",
        sa.Column("sender", sa.String(64), primary_key=True),
        sa.Column("opted_out_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "conversation_states",
        sa.Column("sender", sa.String(64), primary_key=True),
        sa.Column("state", JSON_TYPE, nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_conversation_states_expires_at", "conversation_states", ["expires_at"])


def downgrade() -> None:
    op.drop_table("conversation_states")
    op.drop_table("message_opt_outs")
    op.drop_table("processed_messages")
