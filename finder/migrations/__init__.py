"""Schema migrations (Alembic). Every schema change is a revision in versions/; tests build the schema with them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

HERE = Path(__file__).parent
# Any fixed number: the PostgreSQL advisory lock that makes app servers upgrading at once take turns.
UPGRADE_LOCK = 0x5F1D_0001


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to the given revision (the newest by default); safe to run on every deploy.

    On PostgreSQL, servers deploying at once wait for each other (the second then finds nothing to do); SQLite's
    write lock does the same for the single-machine set-up.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": UPGRADE_LOCK})
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """What autogenerate compares: not the engine-specific full-text parts, which no model maps."""
    if type_ == "table" and name.startswith("search_fts"):
        return False
    if type_ == "index" and name in ("ix_search_documents_document", "ix_search_documents_titles"):
        return False
    return not (type_ == "column" and name in ("document", "titles") and obj.table.name == "search_documents")
