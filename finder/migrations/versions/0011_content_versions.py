"""Version tokens of cached content: the catalogue's changes with every change citizens could see.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "content_versions",
        sa.Column("name", sa.String(50), primary_key=True),
        sa.Column("version", sa.String(32), nullable=False),
    )
    # The row exists from the start, so that app servers publishing at once only ever update it.
    op.bulk_insert(table, [{"name": "catalogue", "version": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table("content_versions")
