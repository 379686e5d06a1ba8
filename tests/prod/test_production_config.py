"""Production settings: what refuses to start, gunicorn's settings, JSON logs with request ids, and 413."""

from __future__ import annotations

import json
import logging
import runpy
from pathlib import Path

import pytest

from finder.config import ConfigError, load_settings
from finder.logs import JsonFormatter
from tests.channels.twilio.conftest import Phone
from tests.conftest import make_app
from tests.web.helpers import csrf_token

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "FINDER_ENV": "production",
    "FINDER_SECRET_KEY": "a-long-secret",
    "FINDER_DATABASE_URL": "postgresql://db.internal/finder",
    "TWILIO_AUTH_TOKEN": "token",
}


@pytest.mark.parametrize("missing", ["FINDER_SECRET_KEY", "FINDER_DATABASE_URL", "TWILIO_AUTH_TOKEN"])
def test_production_refuses_to_start_without_each_secret(tmp_path, missing):
    environ = {name: value for name, value in PRODUCTION.items() if name != missing}
    with pytest.raises(ConfigError, match=missing):
        load_settings(tmp_path, environ)
    assert not (tmp_path / "secret_key").exists()


def test_production_needs_postgresql_and_no_debug(tmp_path):
    with pytest.raises(ConfigError, match="postgresql"):
        load_settings(tmp_path, {**PRODUCTION, "FINDER_DATABASE_URL": f"sqlite:///{tmp_path}/finder.db"})
    with pytest.raises(ConfigError, match="FLASK_DEBUG"):
        load_settings(tmp_path, {**PRODUCTION, "FLASK_DEBUG": "1"})
    settings = load_settings(tmp_path, PRODUCTION)
    assert (settings.env, settings.log_format, settings.twilio_auth_token) == ("production", "json", "token")


def test_log_format_and_body_limit_are_settings(tmp_path):
    assert load_settings(tmp_path, {}).log_format == "text"
    settings = load_settings(tmp_path, {"FINDER_LOG_FORMAT": "json", "FINDER_MAX_REQUEST_BYTES": "4096"})
    assert (settings.log_format, settings.max_request_bytes) == ("json", 4096)
    with pytest.raises(ConfigError, match="FINDER_LOG_FORMAT"):
        load_settings(tmp_path, {"FINDER_LOG_FORMAT": "xml"})
    for bad in ("lots", "²"):
        with pytest.raises(ConfigError, match="FINDER_MAX_REQUEST_BYTES"):
            load_settings(tmp_path, {"FINDER_MAX_REQUEST_BYTES": bad})


def test_a_production_app_never_runs_in_debug_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(ConfigError, match="Debug"):
        make_app(f"sqlite:///{tmp_path}/finder.db", env="production")


def test_gunicorn_settings_are_sane_and_log_no_query_or_address(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setenv("FINDER_ENV", "production")
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["workers"] >= 2 and settings["threads"] >= 2 and settings["worker_class"] == "gthread"
    assert 0 < settings["timeout"] <= 60 and settings["graceful_timeout"] >= 10
    assert "%(q)" not in settings["access_log_format"] and "%(r)" not in settings["access_log_format"]
    assert "%(h)" not in settings["access_log_format"] and "%(U)s" in settings["access_log_format"]
    formatters = settings["logconfig_dict"]["formatters"]
    assert formatters["json"]["()"] is JsonFormatter
    assert callable(settings["worker_exit"])


def _record(name: str, message: str, args=None) -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, message, args, None)


def test_json_log_lines_carry_the_request_id(app):
    formatter = JsonFormatter()
    with app.test_request_context(headers={"X-Request-ID": "abc-123"}):
        line = json.loads(formatter.format(_record("finder.x", "saved %s", ("draft",))))
    assert line["message"] == "saved draft" and line["request_id"] == "abc-123" and line["level"] == "INFO"
    assert json.loads(formatter.format(_record("finder.x", "outside")))["request_id"] is None


def test_gunicorn_access_records_keep_only_safe_fields():
    atoms = {"m": "GET", "U": "/en/search", "q": "q=john+smith", "h": "203.0.113.9", "s": "200", "B": 512}
    atoms |= {"M": 7, "{x-request-id}o": "r1"}
    line = json.loads(JsonFormatter().format(_record("gunicorn.access", "ignored", (atoms,))))
    assert line == {
        "time": line["time"],
        "level": "INFO",
        "logger": "gunicorn.access",
        "method": "GET",
        "path": "/en/search",
        "status": "200",
        "bytes": 512,
        "duration_ms": 7,
        "request_id": "r1",
    }


def test_a_request_id_is_honoured_or_made_and_echoed(client):
    assert client.get("/healthz", headers={"X-Request-ID": "lb-42.a:b"}).headers["X-Request-ID"] == "lb-42.a:b"
    made = client.get("/healthz").headers["X-Request-ID"]
    other = client.get("/en/no-such-page").headers["X-Request-ID"]
    assert len(made) == 32 and made != other
    # An id that could forge or break a log line is replaced, not echoed.
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" level="ERROR'}).headers["X-Request-ID"]
    assert forged != 'x" level="ERROR' and len(forged) == 32


def test_oversized_bodies_get_413_everywhere(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/finder.db", max_request_bytes=2048, twilio_auth_token="test-auth-token")
    from finder import migrations

    migrations.upgrade(app.extensions["finder.db"].engine)
    client = app.test_client()
    token = csrf_token(client, "/en/search?q=x")
    page = client.post("/en/search/unmet", data={"csrf_token": token, "looking_for": "x" * 5000})
    assert page.status_code == 413 and "too much" in page.get_data(as_text=True)
    sms = Phone(client).post("x" * 5000)
    assert sms.status_code == 413
    app.extensions["finder.usage_log"].close()
    app.extensions["finder.db"].dispose()


def test_the_write_api_takes_a_catalogue_larger_than_the_app_wide_limit_up_to_its_own(app, client, world):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    app.config["FINDER"] = app.config["FINDER"].with_overrides({"max_import_bytes": 50_000})
    auth = {"Authorization": f"Bearer {world.health_token}"}
    record = {"name": "Maternity grant", "description": "Money for a new baby. " * 400, "status": "active"}
    record |= {"id": "7d7f5a2e-0000-4000-8000-000000000009", "organization_id": world.health}
    taken = client.post("/api/v1/services", json=record, headers=auth)
    assert taken.status_code == 201, taken.get_json()["errors"]
    too_big = client.post("/api/v1/services", json={**record, "description": "x" * 60_000}, headers=auth)
    assert too_big.status_code == 413 and too_big.mimetype == "application/problem+json"
