"""A database of a benchmark's own: a SQLite file in its folder, or a PostgreSQL database made for the run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

POSTGRES_ADMIN = os.environ.get("FINDER_TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")


def database_url(backend: str, folder: Path, name: str) -> tuple[str, Callable[[], None]]:
    """The database's URL and a function that drops it (PostgreSQL: made beside FINDER_TEST_POSTGRES_URL's)."""
    if backend == "sqlite":
        return f"sqlite:///{folder / f'{name}.db'}", lambda: None
    database = f"finder_bench_{uuid.uuid4().hex[:8]}"
    admin = make_url(POSTGRES_ADMIN).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    url = make_url(POSTGRES_ADMIN).set(drivername="postgresql+psycopg", database=database)
    return url.render_as_string(hide_password=False), drop
