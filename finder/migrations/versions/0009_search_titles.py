"""PostgreSQL: the titles of each search document get a tsvector and GIN index of their own.

Matching a word in a service's name, keywords or summary then reads a small vector instead of the whole
document's, which is most of the cost of a broad query. SQLite's FTS5 table has the fields as columns already.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE search_documents ADD COLUMN titles tsvector NOT NULL DEFAULT ''")
    op.execute("UPDATE search_documents SET titles = ts_filter(document, '{a,b,c}')")
    op.execute("CREATE INDEX ix_search_documents_titles ON search_documents USING gin (titles)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_search_documents_titles")
    op.execute("ALTER TABLE search_documents DROP COLUMN titles")
