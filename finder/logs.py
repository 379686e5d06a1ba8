"""Request ids and structured logs: one JSON object a line, each carrying the id of the request that wrote it.

A request keeps the X-Request-ID its proxy sent (when it looks like an id) or gets a new one; the response echoes
it, so a citizen's complaint, nginx's log, gunicorn's access log and the app's log lines can be matched up.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context, request

HEADER = "X-Request-ID"
# Ids from a proxy are trusted only in this shape: they end up in log lines, so no quotes, spaces or newlines.
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# What gunicorn's access log keeps of a request: never the query string (searches can hold names or numbers),
# never the client address (docs/metrics.md: addresses are personal data).
ACCESS_FIELDS = {"m": "method", "U": "path", "s": "status", "B": "bytes", "M": "duration_ms"}
ACCESS_TEXT_FORMAT = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'


def request_id() -> str | None:
    """The id of the current request (the proxy's X-Request-ID when valid, else a new one), or None outside one."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        given = request.headers.get(HEADER, "")
        g.request_id = given if _VALID_ID.fullmatch(given) else uuid.uuid4().hex
    return g.request_id


def log_format(environ: Mapping[str, str]) -> str:
    """FINDER_LOG_FORMAT, defaulting to json in production and text elsewhere."""
    return environ.get("FINDER_LOG_FORMAT") or ("json" if environ.get("FINDER_ENV") == "production" else "text")


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON; gunicorn's access records become their fields (ACCESS_FIELDS)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            atoms = record.args
            entry.update({name: atoms.get(atom) for atom, name in ACCESS_FIELDS.items()})
            entry["request_id"] = atoms.get("{x-request-id}o")
        else:
            entry["message"] = record.getMessage()
            entry["request_id"] = request_id()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def gunicorn_logconfig(environ: Mapping[str, str]) -> dict[str, Any] | None:
    """gunicorn's logconfig_dict for JSON logs on stderr (None keeps gunicorn's text logs)."""
    if log_format(environ) != "json":
        return None
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "root": {"level": "INFO", "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["stderr"], "propagate": False},
        },
    }


def init_app(app: Flask, log_format: str) -> None:
    """Give every request an id (echoed in X-Request-ID) and, for json, send the root logger's lines as JSON."""

    @app.after_request
    def _echo_request_id(response):
        response.headers[HEADER] = request_id()
        return response

    if log_format == "json":
        root = logging.getLogger()
        # Under gunicorn the root logger already has its JSON handler (gunicorn_logconfig); add one only once.
        if not any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
            handler = logging.StreamHandler()
            handler.setFormatter(JsonFormatter())
            root.addHandler(handler)
            root.setLevel(min(root.level or logging.INFO, logging.INFO))
