"""Search documents keep their service's HSDS listing in their language (search_documents.listing), so that the
API lists a page of results from ten rows. Documents indexed before this hold none until `finder search reindex`
(or the next change to their service); the API lists those from the catalogue meanwhile.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("search_documents", sa.Column("listing", sa.JSON(), nullable=True))


def downgrade() -> None:
    # Not in batch mode: SQLite drops the column in place (3.35 and later), where a batch would copy the table and
    # lose the triggers that keep its full-text table (0004).
    op.execute("ALTER TABLE search_documents DROP COLUMN listing")
