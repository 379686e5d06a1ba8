"""Search: one document per published service and language, the words seen, and the editable vocabulary.

The full-text part differs by engine: an FTS5 table on SQLite, a GIN-indexed tsvector column on PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TYPE = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("translated", sa.Boolean(), nullable=False),
        sa.Column("name_keys", sa.Text(), nullable=False),
        sa.Column("words", JSON_TYPE, nullable=False),
        sa.Column("popularity", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("service_id", "language"),
    )
    op.create_index("ix_search_documents_service_id", "search_documents", ["service_id"])
    op.create_index("ix_search_documents_language", "search_documents", ["language"])
    op.create_table(
        "search_words",
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("word", sa.String(length=200), nullable=False),
        sa.Column("documents", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("language", "word"),
    )
    op.create_table(
        "search_synonyms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("rule", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("language", "rule"),
    )
    op.create_index("ix_search_synonyms_language", "search_synonyms", ["language"])
    op.create_table(
        "search_life_event_phrases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("life_event_id", sa.String(length=64), nullable=False),
        sa.Column("phrase", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["life_event_id"], ["life_events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("language", "life_event_id", "phrase"),
    )
    op.create_index("ix_search_life_event_phrases_language", "search_life_event_phrases", ["language"])
    op.create_table(
        "search_best_bets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("query", sa.String(length=300), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("language", "query", "service_id"),
    )
    op.create_index("ix_search_best_bets_language", "search_best_bets", ["language"])
    op.create_index("ix_search_best_bets_query", "search_best_bets", ["query"])
    op.create_table(
        "search_state",
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_documents ADD COLUMN document tsvector NOT NULL DEFAULT ''")
        op.execute("CREATE INDEX ix_search_documents_document ON search_documents USING gin (document)")
    else:
        # Words arrive analysed (finder.search.text); unicode61 only splits them on spaces.
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5("
            "language, name, alt, summary, body, tokenize = 'unicode61 remove_diacritics 0')"
        )
        # A document removed in any way (also by the cascade from its service) leaves the full-text index too.
        op.execute(
            "CREATE TRIGGER search_documents_deleted AFTER DELETE ON search_documents "
            "BEGIN DELETE FROM search_fts WHERE rowid = old.id; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TRIGGER IF EXISTS search_documents_deleted")
        op.execute("DROP TABLE IF EXISTS search_fts")
    for table in (
        "search_state",
        "search_best_bets",
        "search_life_event_phrases",
        "search_synonyms",
        "search_words",
        "search_documents",
    ):
        op.drop_table(table)
