"""Open Referral HSDS 3.0: the specification's own examples import and export back with nothing lost."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from finder.catalogue import export_catalogue, import_path
from finder.catalogue.models import Service
from tests.conftest import HSDS_EXAMPLES

LIMIT = 20 * 1024 * 1024
# The tables of the specification's CSV example that are reachable from its service.
CSV_TABLES = [
    "services",
    "organizations",
    "programs",
    "locations",
    "service_at_location",
    "addresses",
    "phones",
    "schedules",
    "service_areas",
    "languages",
    "accessibility",
    "contacts",
    "cost_options",
    "required_documents",
    "funding",
    "organization_identifiers",
]


def _import(db, path: Path):
    with db.transaction() as session:
        return import_path(session, path, max_bytes=LIMIT, default_language="en")


def _export(db, fmt: str = "hsds"):
    with db.sessions() as session:
        return export_catalogue(session, fmt, default_language="en")


def test_service_full_example_round_trips_exactly(db):
    original = json.loads((HSDS_EXAMPLES / "service_full.json").read_text())
    _import(db, HSDS_EXAMPLES / "service_full.json")
    assert _export(db) == [original]


def test_round_trip_is_a_fixed_point(db, tmp_path):
    _import(db, HSDS_EXAMPLES / "service_full.json")
    first = _export(db)
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(first))
    _import(db, exported)
    assert _export(db) == first


def test_importing_the_same_file_twice_changes_nothing(db):
    _import(db, HSDS_EXAMPLES / "service_full.json")
    native_before = _export(db, "native")
    _import(db, HSDS_EXAMPLES / "service_full.json")
    assert _export(db, "native") == native_before


def test_reimporting_a_changed_record_updates_it_by_id(db, tmp_path):
    record = json.loads((HSDS_EXAMPLES / "service_full.json").read_text())
    _import(db, HSDS_EXAMPLES / "service_full.json")
    record["name"] = "Community Counselling and Support"
    record["cost_options"] = []
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps([record]))
    _import(db, changed)
    with db.sessions() as session:
        services = session.query(Service).all()
        assert [s.name for s in services] == ["Community Counselling and Support"]
        assert services[0].costs == []
    assert _export(db)[0]["name"] == "Community Counselling and Support"


def test_mapped_fields_reach_the_model(db):
    _import(db, HSDS_EXAMPLES / "service_full.json")
    with db.sessions() as session:
        service = session.get(Service, "ac148810-d857-441c-9679-408f346de14b")
        assert service.agency.name == "Example Organization Inc."
        assert service.how_to_apply.startswith("If you are an NHS patient")
        assert service.last_reviewed.isoformat() == "2005-01-01"
        assert {c.kind.value for c in service.channels} == {"online", "email", "phone"}
        assert [d.url for d in service.documents] == ["http://example.com"]
        office = service.offices[0].office
        assert (office.street, office.city, office.country) == ("1-30 Main Street", "MyCity", "US")
        assert [(h.days, h.opens.isoformat()) for h in office.hours] == [(["th", "fr"], "10:00:00")]
        assert [c.category.name for c in service.categories] == ["name"]


def _csv_rows(table: str) -> list[dict[str, str]]:
    with (HSDS_EXAMPLES / "csv" / f"{table}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _objects_by_id(node, found=None) -> dict[str, list[dict]]:
    found = {} if found is None else found
    if isinstance(node, dict):
        if "id" in node:
            found.setdefault(node["id"], []).append(node)
        for value in node.values():
            _objects_by_id(value, found)
    elif isinstance(node, list):
        for value in node:
            _objects_by_id(value, found)
    return found


@pytest.mark.parametrize("table", CSV_TABLES)
def test_csv_datapackage_rows_all_reach_the_export(db, table):
    """Every value of every row in the tabular example comes back in the export, under the same id."""
    _import(db, HSDS_EXAMPLES / "csv")
    exported = _objects_by_id(_export(db))
    for row in _csv_rows(table):
        assert row["id"] in exported, f"{table} row {row['id']} was lost"
        copies = exported[row["id"]]
        for column, value in row.items():
            if value == "" or column.endswith("_id"):
                continue  # empty cells are absent; foreign keys become nesting
            assert any(str(copy.get(column)) in (value, value + ".0") for copy in copies), (table, column, value)


@pytest.mark.parametrize("table", CSV_TABLES)
def test_csv_datapackage_exports_back_as_the_same_rows(db, tmp_path, table):
    from finder.catalogue import write_hsds_tables

    _import(db, HSDS_EXAMPLES / "csv")
    write_hsds_tables(_export(db), tmp_path / "out")
    with (tmp_path / "out" / f"{table}.csv").open(newline="", encoding="utf-8") as f:
        exported = {row["id"]: row for row in csv.DictReader(f)}
    for row in _csv_rows(table):
        assert exported[row["id"]] == row


def test_csv_round_trip_is_a_fixed_point(db, tmp_path):
    """CSV -> import -> CSV export -> import -> CSV export: the second export is the first."""
    from finder.catalogue import write_hsds_tables

    _import(db, HSDS_EXAMPLES / "csv")
    write_hsds_tables(_export(db), tmp_path / "first")
    _import(db, tmp_path / "first")
    write_hsds_tables(_export(db), tmp_path / "second")
    first = sorted(p.name for p in (tmp_path / "first").iterdir())
    assert first == sorted(p.name for p in (tmp_path / "second").iterdir())
    for name in first:
        assert (tmp_path / "first" / name).read_text() == (tmp_path / "second" / name).read_text(), name
