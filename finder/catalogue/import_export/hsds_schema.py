"""Validation of Open Referral HSDS 3.0 records against the specification's own JSON Schemas.

One tightening: HSDS leaves objects open, but a field HSDS does not define is almost always a typo or a
different format, so it is reported instead of being silently carried along.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = "schemas/hsds"


def _closed(node: Any) -> Any:
    """The schema with additionalProperties: false on every object that lists its properties, and its tabular
    date and datetime types (`datapackage_type`) checked as formats, so that a bad date is reported here and not
    met later as a crash in the import."""
    if isinstance(node, dict):
        node = {k: _closed(v) for k, v in node.items()}
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        if node.get("datapackage_type") in ("date", "datetime"):
            node["format"] = f"hsds-{node['datapackage_type']}"
        return node
    if isinstance(node, list):
        return [_closed(v) for v in node]
    return node


@cache
def _registry() -> Registry:
    folder = resources.files("finder.catalogue").joinpath(SCHEMA_DIR)
    registry = Registry()
    for entry in folder.iterdir():
        if entry.name.endswith(".json") and entry.name != "openapi.json":
            contents = _closed(json.loads(entry.read_text("utf-8")))
            resource = Resource(contents=contents, specification=DRAFT202012)
            registry = registry.with_resource(entry.name, resource)
    return registry


FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("hsds-date", raises=ValueError)
def _is_date(value: object) -> bool:
    return not isinstance(value, str) or bool(dt.date.fromisoformat(value))


@FORMATS.checks("hsds-datetime", raises=ValueError)
def _is_datetime(value: object) -> bool:
    return not isinstance(value, str) or bool(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))


@cache
def validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator for one HSDS object type ("service", "organization", ...)."""
    registry = _registry()
    schema = copy.deepcopy(registry.contents(f"{name}.json"))
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=FORMATS)


def errors(name: str, record: Any) -> Iterator[tuple[str, str]]:
    """(field path, message) for each way the record breaks the HSDS schema of `name`."""
    for error in sorted(validator(name).iter_errors(record), key=lambda e: list(map(str, e.absolute_path))):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        if error.validator == "additionalProperties":
            extras = sorted(set(error.instance) - set(error.schema.get("properties", {})))
            message = f"unknown field{'s' if len(extras) > 1 else ''}: {', '.join(extras)}"
        elif error.validator == "required":
            message = f"missing required field: {error.message.split(' is a required')[0]}"
        elif error.validator == "format":
            kind = error.validator_value.removeprefix("hsds-")
            example = "2023-03-15" if kind == "date" else "2023-03-15T10:30:45.123Z"
            message = f"{error.instance!r} is not a {kind} (like {example})"
        else:
            message = error.message if len(error.message) < 300 else error.message[:297] + "..."
        yield path or None, message
