"""Service records as agencies send them (HSDS 3.0 or the native format): checking one against its schema and
naming every bad field by a JSON pointer (RFC 6901)."""

from __future__ import annotations

import enum
import math
import re
from functools import cache
from typing import Any

import jsonschema
from flask_babel import lazy_gettext as _

from finder.agency.checks import e164, phone_message
from finder.catalogue.import_export import hsds_schema, native
from finder.catalogue.import_export.problems import Problem


class RecordFormat(enum.StrEnum):
    HSDS = "hsds"
    NATIVE = "native"


def pointer(path: str | None) -> str:
    """A JSON pointer for a field path as the importers write it ("offices[0].office" -> "/offices/0/office")."""
    parts = re.findall(r"[^.\[\]]+", path or "")
    return "".join("/" + _escape(p) for p in parts)


def _message_pointer(base: str, message: str) -> str:
    # "missing required field: 'name'" is reported on the object; point at the field that is missing.
    missing = re.match(r"missing required field: '([^']+)'", message)
    return f"{base}/{missing.group(1)}" if missing else base or "/"


@cache
def _native_service_validator() -> jsonschema.Draft202012Validator:
    schema = native.schema()
    return jsonschema.Draft202012Validator(
        {"$ref": "#/$defs/service", "$defs": schema["$defs"]}, format_checker=jsonschema.FormatChecker()
    )


def _non_finite(value: Any, where: str = "") -> list[str]:
    """Pointers to NaN and Infinity: Python's json reads them, but they are not JSON (RFC 8259) and PostgreSQL's
    json columns refuse them."""
    if isinstance(value, float) and not math.isfinite(value):
        return [where or "/"]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _non_finite(item, f"{where}/{_escape(str(key))}")]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in _non_finite(item, f"{where}/{index}")]
    return []


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def schema_errors(fmt: RecordFormat, record: Any) -> dict[str, Any]:
    """Each JSON pointer in the record that breaks its format's schema, with what is wrong there."""
    errors: dict[str, Any] = {}
    if not isinstance(record, dict):
        return {"/": _("expected a JSON object (one service record)")}
    not_json = _non_finite(record)
    if not_json:
        return {where: _("NaN and Infinity are not JSON numbers: send null or a number") for where in not_json}
    if fmt is RecordFormat.HSDS:
        for path, message in hsds_schema.errors("service", record):
            errors.setdefault(_message_pointer(pointer(path), message), message)
        # HSDS lets a service name its organization by id or nest it; agencies' writes name it by id only.
        if "organization" in record:
            errors["/organization"] = _("send organization_id: agencies are not changed through their services")
        elif not record.get("organization_id"):
            errors["/organization_id"] = _("missing required field: the id of the agency that delivers the service")
        _phone_errors(errors, record.get("phones"), "/phones/{index}/number", lambda p: p.get("number"))
        return errors
    for error in sorted(_native_service_validator().iter_errors(record), key=lambda e: list(map(str, e.absolute_path))):
        path = "".join(f"/{p}" for p in error.absolute_path)
        message = native._message(error)
        errors.setdefault(_message_pointer(path, message), message)
    if not errors:
        phones = [c if c.get("kind") in ("phone", "sms") else {} for c in record.get("channels", [])]
        _phone_errors(errors, phones, "/channels/{index}/value", lambda c: c.get("value"))
    return errors


def _phone_errors(errors: dict[str, Any], items: Any, where: str, number_of) -> None:
    for index, item in enumerate(items if isinstance(items, list) else []):
        value = number_of(item) if isinstance(item, dict) else None
        if isinstance(value, str) and e164(value) is None:
            errors.setdefault(where.format(index=index), phone_message(value))


def problem_errors(problems: list[Problem]) -> dict[str, str]:
    """Importer problems (references to records that do not exist, slugs taken, ...) by JSON pointer."""
    return {_message_pointer(pointer(p.field), p.message): p.message for p in problems}
