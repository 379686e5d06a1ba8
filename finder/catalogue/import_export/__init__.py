"""Catalogue import and export: the project's native JSON, Open Referral HSDS 3.0 (JSON and CSV), JSON-LD.

Every import runs inside the caller's transaction and raises ImportFailed, with every problem found, before
anything is committed; so a bad file writes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from finder.catalogue.import_export import hsds, hsds_csv, jsonld, native
from finder.catalogue.import_export.problems import ImportFailed, Problem, Problems
from finder.catalogue.models import Service, ServiceStatus

EXPORT_FORMATS = ("native", "hsds", "jsonld")
write_hsds_tables = hsds_csv.write_tables


@dataclass
class ImportReport:
    files: list[str] = field(default_factory=list)
    services: int = 0


def import_path(session: Session, path: Path, *, max_bytes: int, default_language: str) -> ImportReport:
    """Import a file or folder: a native or HSDS JSON file, a folder of them, or an HSDS CSV datapackage."""
    report = ImportReport()
    if not path.exists():
        raise ImportFailed([Problem(str(path), None, None, "no such file or folder")])
    if path.is_dir() and hsds_csv.is_datapackage(path):
        problems = Problems(str(path))
        records = hsds_csv.read_records(path, problems, max_bytes=max_bytes)
        problems.raise_if_any()
        report.services += hsds.HsdsImporter(session, problems).import_records(records)
        problems.raise_if_any()
        report.files.append(str(path))
        return report
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise ImportFailed([Problem(str(path), None, None, "the folder holds no .json files")])
    found: list[Problem] = []
    steps: list[tuple[Path, dict]] = []
    for file in files:
        problems = Problems(str(file))
        try:
            report.services += _import_file(session, file, problems, max_bytes, default_language, steps)
        except ImportFailed as failed:
            found.extend(failed.problems)
        report.files.append(str(file))
    for file, journeys in steps if not found else []:
        problems = Problems(str(file))
        try:
            native.import_life_event_steps(session, journeys, problems)
        except ImportFailed as failed:
            found.extend(failed.problems)
    if found:
        raise ImportFailed(found)
    return report


def read_json(file: Path, problems: Problems, max_bytes: int) -> Any:
    size = file.stat().st_size
    if size > max_bytes:
        problems.add(None, None, f"the file is {size / 1e6:.1f} MB; the largest accepted is {max_bytes / 1e6:.1f} MB")
        problems.raise_if_any()
    try:
        return json.loads(file.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as error:
        problems.add(None, None, f"not UTF-8 text (byte {error.start})")
    except json.JSONDecodeError as error:
        problems.add(None, None, f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}")
    problems.raise_if_any()
    return None


def _import_file(
    session: Session, file: Path, problems: Problems, max_bytes: int, default_language: str, steps: list
) -> int:
    """Import one file; life-event journeys are collected in `steps`, to be placed once every file is in."""
    document = read_json(file, problems, max_bytes)
    if native.is_native(document):
        language = document.get("default_language", default_language)
        if language != default_language:
            problems.add(
                None,
                "default_language",
                f"the file's default language is {language!r} but the catalogue's is {default_language!r}",
            )
            problems.raise_if_any()
        count = native.import_document(session, document, problems)["services"]
        if document.get("life_event_steps"):
            steps.append((file, document["life_event_steps"]))
        return count
    records = hsds.records_of(document)
    if records is None:
        problems.add(
            None,
            None,
            'not a catalogue: expected a native document ({"format": "service-finder/1", ...}), '
            'or HSDS service records (a list, one record, or a page with "contents")',
        )
        problems.raise_if_any()
    count = hsds.HsdsImporter(session, problems).import_records(records)
    problems.raise_if_any()
    return count


def export_catalogue(
    session: Session,
    fmt: str,
    *,
    default_language: str,
    language: str | None = None,
    public_url: str | None = None,
) -> Any:
    """The catalogue in a format: native (everything), hsds or jsonld (published services only)."""
    if fmt == "native":
        return native.export_document(session, default_language)
    services = session.scalars(
        select(Service)
        .where(Service.status == ServiceStatus.PUBLISHED)
        .order_by(Service.slug)
        .options(
            selectinload(Service.agency),
            selectinload(Service.channels),
            selectinload(Service.documents),
            selectinload(Service.costs),
            selectinload(Service.offices),
            selectinload(Service.categories),
            selectinload(Service.life_events),
        )
    ).all()
    if fmt == "hsds":
        exporter = hsds.HsdsExporter(language)
        return [exporter.service(s) for s in services]
    if fmt == "jsonld":
        return jsonld.document(services, language=language or default_language, public_url=public_url)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")


__all__ = [
    "EXPORT_FORMATS",
    "ImportFailed",
    "ImportReport",
    "Problem",
    "export_catalogue",
    "import_path",
    "write_hsds_tables",
]
