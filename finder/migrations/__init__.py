"""Schema migrations (Alembic). Every schema change is a revision in versions/; tests build the schema with them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

HERE = Path(__file__).parent


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to the given revision (the newest by default); safe to run on every deploy."""
    with engine.begin() as connection:
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
