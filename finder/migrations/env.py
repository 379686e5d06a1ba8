"""Alembic environment: runs migrations on the connection (or URL) that finder.migrations hands over."""

from alembic import context
from sqlalchemy import create_engine

from finder.agency import models as _agency_models  # noqa: F401  (registers accounts, tokens, audit, versions)
from finder.catalogue.models import Base
from finder.messaging import models as _messaging_models  # noqa: F401  (registers the message channels' tables)
from finder.metrics import models as _metrics_models  # noqa: F401  (registers the usage log)
from finder.migrations import include_object
from finder.search import models as _search_models  # noqa: F401  (registers the search tables)

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
