"""SQLite: the full-text table carries each document's service id, so a search needs no join per match.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = "language, name, alt, summary, body"
# Renaming a table rewrites the triggers that name it, so the delete trigger is taken down and put back.
TRIGGER = (
    "CREATE TRIGGER search_documents_deleted AFTER DELETE ON search_documents "
    "BEGIN DELETE FROM search_fts WHERE rowid = old.id; END"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return  # the tsvector sits in search_documents, beside service_id
    op.execute("DROP TRIGGER search_documents_deleted")
    op.execute("ALTER TABLE search_fts RENAME TO search_fts_old")
    op.execute(
        f"CREATE VIRTUAL TABLE search_fts USING fts5({COLUMNS}, service_id UNINDEXED, "
        "tokenize = 'unicode61 remove_diacritics 0')"
    )
    op.execute(
        f"INSERT INTO search_fts (rowid, {COLUMNS}, service_id) "
        f"SELECT f.rowid, {', '.join('f.' + c.strip() for c in COLUMNS.split(','))}, d.service_id "
        "FROM search_fts_old f JOIN search_documents d ON d.id = f.rowid"
    )
    op.execute("DROP TABLE search_fts_old")
    op.execute(TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    op.execute("DROP TRIGGER search_documents_deleted")
    op.execute("ALTER TABLE search_fts RENAME TO search_fts_old")
    op.execute(f"CREATE VIRTUAL TABLE search_fts USING fts5({COLUMNS}, tokenize = 'unicode61 remove_diacritics 0')")
    op.execute(f"INSERT INTO search_fts (rowid, {COLUMNS}) SELECT rowid, {COLUMNS} FROM search_fts_old")
    op.execute("DROP TABLE search_fts_old")
    op.execute(TRIGGER)
