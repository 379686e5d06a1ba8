"""Open Referral HSDS 3.0 in its tabular form: a folder with one CSV file per table (and a datapackage.json).

The tables are joined into the same fully nested service records that the JSON form carries, then imported by
the one HSDS importer. A foreign key whose target is in the folder becomes nesting; one whose target is not there
is kept as a field, except where the catalogue needs the target (a service's organization, a service's location).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from finder.catalogue.import_export import hsds_schema
from finder.catalogue.import_export.problems import Problems

# Table file -> HSDS schema object name.
TABLES = {
    "services": "service",
    "organizations": "organization",
    "programs": "program",
    "locations": "location",
    "service_at_location": "service_at_location",
    "addresses": "address",
    "phones": "phone",
    "schedules": "schedule",
    "service_areas": "service_area",
    "languages": "language",
    "accessibility": "accessibility",
    "contacts": "contact",
    "cost_options": "cost_option",
    "required_documents": "required_document",
    "funding": "funding",
    "organization_identifiers": "organization_identifier",
    "attributes": "attribute",
    "taxonomy_terms": "taxonomy_term",
    "taxonomies": "taxonomy",
    "metadata": "metadata",
    "meta_table_descriptions": "meta_table_description",
}

# (child table, foreign key column, parent table, key of the nested list in the parent)
NESTING = [
    ("phones", "service_id", "services", "phones"),
    ("phones", "organization_id", "organizations", "phones"),
    ("phones", "location_id", "locations", "phones"),
    ("phones", "contact_id", "contacts", "phones"),
    ("phones", "service_at_location_id", "service_at_location", "phones"),
    ("schedules", "service_id", "services", "schedules"),
    ("schedules", "location_id", "locations", "schedules"),
    ("schedules", "service_at_location_id", "service_at_location", "schedules"),
    ("service_areas", "service_id", "services", "service_areas"),
    ("service_at_location", "service_id", "services", "service_at_locations"),
    ("locations", "organization_id", "organizations", "locations"),
    ("addresses", "location_id", "locations", "addresses"),
    ("accessibility", "location_id", "locations", "accessibility"),
    ("languages", "service_id", "services", "languages"),
    ("languages", "location_id", "locations", "languages"),
    ("languages", "phone_id", "phones", "languages"),
    ("contacts", "organization_id", "organizations", "contacts"),
    ("contacts", "service_id", "services", "contacts"),
    ("contacts", "service_at_location_id", "service_at_location", "contacts"),
    ("contacts", "location_id", "locations", "contacts"),
    ("cost_options", "service_id", "services", "cost_options"),
    ("required_documents", "service_id", "services", "required_documents"),
    ("funding", "organization_id", "organizations", "funding"),
    ("funding", "service_id", "services", "funding"),
    ("programs", "organization_id", "organizations", "programs"),
    ("organization_identifiers", "organization_id", "organizations", "organization_identifiers"),
]
# (table, foreign key column, target table, key of the single nested object)
SINGLE = [
    ("services", "organization_id", "organizations", "organization"),
    ("services", "program_id", "programs", "program"),
    ("service_at_location", "location_id", "locations", "location"),
    ("attributes", "taxonomy_term_id", "taxonomy_terms", "taxonomy_term"),
    ("taxonomy_terms", "taxonomy_id", "taxonomies", "taxonomy_detail"),
]
REQUIRED_TARGETS = {("services", "organization_id"), ("service_at_location", "location_id")}


def is_datapackage(folder: Path) -> bool:
    return (folder / "services.csv").is_file()


def _convert(
    table: str, properties: dict[str, Any], row: dict[str, str], line: int, problems: Problems
) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for column, text in row.items():
        if column is None:
            problems.add(f"{table}.csv line {line}", None, "more values than the header has columns")
            continue
        if text in (None, ""):
            continue
        kind = properties.get(column, {}).get("type")
        try:
            if kind == "number":
                record[column] = float(text) if any(c in text for c in ".eE") else int(text)
            elif kind == "integer":
                record[column] = int(text)
            elif kind == "boolean":
                if text.lower() not in ("true", "false"):
                    raise ValueError(text)
                record[column] = text.lower() == "true"
            else:
                record[column] = text
        except ValueError:
            problems.add(f"{table}.csv line {line}", column, f"{text!r} is not a {kind}")
    return record


def read_tables(folder: Path, problems: Problems, max_bytes: int) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in TABLES:
        path = folder / f"{table}.csv"
        if not path.is_file():
            continue
        if path.stat().st_size > max_bytes:
            problems.add(f"{table}.csv", None, f"the file is larger than {max_bytes / 1e6:.1f} MB")
            continue
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            problems.add(f"{table}.csv", None, f"not UTF-8 text (byte {error.start})")
            continue
        reader = csv.DictReader(io.StringIO(text, newline=""))
        properties = hsds_schema.validator(TABLES[table]).schema["properties"]
        unknown = [c for c in reader.fieldnames or [] if c not in properties]
        if unknown:
            problems.add(
                f"{table}.csv",
                "header",
                f"unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}",
            )
            continue
        tables[table] = [_convert(table, properties, row, reader.line_num, problems) for row in reader]
        for line, record in enumerate(tables[table], start=2):
            if "id" not in record:
                problems.add(f"{table}.csv line {line}", "id", "missing required field: id")
    return tables


def read_records(folder: Path, problems: Problems, *, max_bytes: int) -> list[dict[str, Any]]:
    """Nested HSDS service records built from the folder's tables."""
    tables = read_tables(folder, problems, max_bytes)
    if problems.found:
        return []
    by_id = {table: {row["id"]: row for row in rows} for table, rows in tables.items()}
    children: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for child, column, parent, key in NESTING:
        for row in tables.get(child, []):
            if row.get(column) in by_id.get(parent, {}):
                children[(parent, row[column], key)].append(row)
    attributes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in tables.get("attributes", []):
        attributes[row.get("link_id", "")].append(row)
    metadata: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in tables.get("metadata", []):
        metadata[row.get("resource_id", "")].append(row)

    def nest(table: str, row: dict[str, Any]) -> dict[str, Any]:
        record = dict(row)
        for child, column, parent, _key in NESTING:
            if child == table and record.get(column) in by_id.get(parent, {}):
                record.pop(column)
        for source, column, target, key in SINGLE:
            if source == table and column in record:
                target_row = by_id.get(target, {}).get(record[column])
                if target_row is not None:
                    record[key] = nest(target, target_row)
                    record.pop(column)
                elif (source, column) in REQUIRED_TARGETS:
                    problems.add(
                        f"{table}.csv {row['id']}",
                        column,
                        f"refers to {target} {record[column]!r}, which is not in the folder",
                    )
        for child, _column, parent, key in NESTING:
            if parent == table:
                nested = [nest(child, c) for c in children.get((table, row["id"], key), [])]
                if nested:
                    record[key] = nested
        if table != "attributes" and attributes.get(row["id"]):
            record["attributes"] = [nest("attributes", a) for a in attributes[row["id"]]]
        if table != "metadata" and metadata.get(row["id"]):
            record["metadata"] = [dict(m) for m in metadata[row["id"]]]
        return record

    records = [nest("services", row) for row in tables.get("services", [])]
    for record in records:
        if "organization" not in record and "organization_id" not in record:
            problems.add(f"services.csv {record['id']}", "organization_id", "missing: every service needs one")
    return records


# Export ------------------------------------------------------------------------------------------------------

# Nested key in a parent record -> (child table, foreign key column naming the parent).
CHILD_KEYS = {
    "services": {
        "phones": ("phones", "service_id"),
        "schedules": ("schedules", "service_id"),
        "service_areas": ("service_areas", "service_id"),
        "service_at_locations": ("service_at_location", "service_id"),
        "languages": ("languages", "service_id"),
        "contacts": ("contacts", "service_id"),
        "cost_options": ("cost_options", "service_id"),
        "required_documents": ("required_documents", "service_id"),
        "funding": ("funding", "service_id"),
        "attributes": ("attributes", "link_id"),
        "metadata": ("metadata", "resource_id"),
    },
    "organizations": {
        "phones": ("phones", "organization_id"),
        "contacts": ("contacts", "organization_id"),
        "funding": ("funding", "organization_id"),
        "programs": ("programs", "organization_id"),
        "organization_identifiers": ("organization_identifiers", "organization_id"),
        "locations": ("locations", "organization_id"),
        "attributes": ("attributes", "link_id"),
        "metadata": ("metadata", "resource_id"),
    },
    "locations": {
        "addresses": ("addresses", "location_id"),
        "phones": ("phones", "location_id"),
        "schedules": ("schedules", "location_id"),
        "accessibility": ("accessibility", "location_id"),
        "languages": ("languages", "location_id"),
        "contacts": ("contacts", "location_id"),
        "attributes": ("attributes", "link_id"),
        "metadata": ("metadata", "resource_id"),
    },
    "service_at_location": {
        "phones": ("phones", "service_at_location_id"),
        "schedules": ("schedules", "service_at_location_id"),
        "contacts": ("contacts", "service_at_location_id"),
        "attributes": ("attributes", "link_id"),
        "metadata": ("metadata", "resource_id"),
    },
    "contacts": {"phones": ("phones", "contact_id")},
    "phones": {"languages": ("languages", "phone_id")},
}
# Nested single object in a record -> (table, foreign key column in the record that names it).
SINGLE_KEYS = {
    "services": {"organization": ("organizations", "organization_id"), "program": ("programs", "program_id")},
    "service_at_location": {"location": ("locations", "location_id")},
    "attributes": {"taxonomy_term": ("taxonomy_terms", "taxonomy_term_id")},
    "taxonomy_terms": {"taxonomy_detail": ("taxonomies", "taxonomy_id")},
}


def flatten(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Nested HSDS service records as one row list per table; a record met in several places (a phone of a
    service, its location and a contact) becomes one row with every foreign key it was met under."""
    tables: dict[str, dict[str, dict[str, Any]]] = {table: {} for table in TABLES}

    def add(table: str, record: dict[str, Any], links: dict[str, str]) -> None:
        row = tables[table].setdefault(record["id"], {})
        for key, value in record.items():
            if key in CHILD_KEYS.get(table, {}) or key in SINGLE_KEYS.get(table, {}):
                continue
            if not isinstance(value, (list, dict)):
                row[key] = value
        for column, parent in links.items():
            # A record kept from an import may name its parent already (an attribute's link_id).
            row.setdefault(column, parent)
        for key, (target, column) in SINGLE_KEYS.get(table, {}).items():
            if isinstance(record.get(key), dict):
                row[column] = record[key]["id"]
                add(target, record[key], {})
        for key, (child, column) in CHILD_KEYS.get(table, {}).items():
            for item in record.get(key) or []:
                add(child, item, {column: record["id"]})

    for record in records:
        add("services", record, {})
    return {table: list(rows.values()) for table, rows in tables.items() if rows}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_tables(records: list[dict[str, Any]], folder: Path) -> list[str]:
    """Write the records as an HSDS tabular datapackage: one CSV per table and a datapackage.json."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for table, rows in flatten(records).items():
        properties = hsds_schema.validator(TABLES[table]).schema["properties"]
        columns = [name for name, spec in properties.items() if spec.get("type") not in ("array", "object")]
        columns = [c for c in columns if "$ref" not in properties[c]]
        with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({c: _cell(row.get(c)) for c in columns})
        written.append(f"{table}.csv")
    package = {
        "name": "service-finder-export",
        "profile": "tabular-data-package",
        "resources": [{"name": name.removesuffix(".csv"), "path": name, "format": "csv"} for name in written],
    }
    (folder / "datapackage.json").write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
    return written
