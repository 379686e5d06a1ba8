"""The demo catalogue of the fictional Republic of Meridia, shipped inside the package."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from finder import search
from finder.catalogue import ImportReport, Service, import_path


def catalogue_folder() -> Path:
    return Path(str(resources.files("finder.demo").joinpath("catalogue")))


def is_empty(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(Service)) == 0


def load(session: Session, *, default_language: str, max_bytes: int, languages: tuple[str, ...]) -> ImportReport:
    """Import the demo catalogue and seed the search vocabulary (idempotent: loading again changes nothing)."""
    report = import_path(session, catalogue_folder(), max_bytes=max_bytes, default_language=default_language)
    session.flush()
    search.seed_vocabulary(session, list(languages))
    return report
