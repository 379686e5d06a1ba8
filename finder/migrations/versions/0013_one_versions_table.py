"""One table of version tokens: the search's ("index", "vocabulary") move from search_state into content_versions
beside the catalogue's, so that a request reads every token in one statement. The tokens are kept as they are:
app processes running through the upgrade keep what they cached.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_TOKENS = "('index', 'vocabulary')"


def upgrade() -> None:
    op.execute("INSERT INTO content_versions (name, version) SELECT name, version FROM search_state")
    op.drop_table("search_state")


def downgrade() -> None:
    op.create_table(
        "search_state",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.execute(
        "INSERT INTO search_state (name, version) "
        f"SELECT name, version FROM content_versions WHERE name IN {SEARCH_TOKENS}"
    )
    op.execute(f"DELETE FROM content_versions WHERE name IN {SEARCH_TOKENS}")
