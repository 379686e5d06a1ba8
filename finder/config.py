"""Settings from the environment, with safe defaults for the embedded (SQLite) mode."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("development", "production", "test")


class ConfigError(RuntimeError):
    """A setting is missing or wrong; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    env: str
    database_url: str
    secret_key: str
    default_language: str = "en"
    # The languages of the user interface and of the search index (the UN's six by default).
    languages: tuple[str, ...] = ("en", "fr", "es", "ar", "zh", "ru")
    public_url: str | None = None
    twilio_auth_token: str | None = None
    redis_url: str | None = None
    # Largest catalogue file the importer will read, in bytes.
    max_import_bytes: int = 20 * 1024 * 1024
    api_max_per_page: int = 100
    # What citizens are told to text or call (shown on the web and in SMS replies); fictional numbers by default.
    sms_number: str = "+1 202 555 0142"
    helpline: str = "+1 202 555 0100"
    # Raw usage events older than this many days are deleted once rolled up; the daily aggregates stay.
    metrics_retention_days: int = 90
    # When set, each server process runs the metrics rollup this often (a lock keeps runs one at a time).
    metrics_rollup_seconds: int | None = None

    def with_overrides(self, overrides: dict[str, Any]) -> Settings:
        unknown = set(overrides) - set(self.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"Unknown settings: {', '.join(sorted(unknown))}.")
        return replace(self, **overrides)


def _instance_secret(instance_path: Path) -> str:
    """A development secret generated once and kept in the instance folder, so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings(instance_path: Path, environ: dict[str, str] | None = None) -> Settings:
    """Read the FINDER_* and TWILIO_* variables; production refuses to start on unsafe defaults."""
    env_vars = os.environ if environ is None else environ
    env = env_vars.get("FINDER_ENV", "development")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"FINDER_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")

    database_url = env_vars.get("FINDER_DATABASE_URL") or f"sqlite:///{instance_path / 'finder.db'}"
    secret_key = env_vars.get("FINDER_SECRET_KEY")
    if not secret_key:
        if env == "production":
            raise ConfigError("FINDER_SECRET_KEY must be set when FINDER_ENV=production.")
        secret_key = _instance_secret(instance_path)

    return Settings(
        env=env,
        database_url=database_url,
        secret_key=secret_key,
        default_language=env_vars.get("FINDER_DEFAULT_LANGUAGE", "en"),
        languages=_languages(env_vars.get("FINDER_LANGUAGES", "en,fr,es,ar,zh,ru")),
        public_url=env_vars.get("FINDER_PUBLIC_URL") or None,
        twilio_auth_token=env_vars.get("TWILIO_AUTH_TOKEN") or None,
        redis_url=env_vars.get("FINDER_REDIS_URL") or None,
        sms_number=env_vars.get("FINDER_SMS_NUMBER") or Settings.sms_number,
        helpline=env_vars.get("FINDER_HELPLINE") or Settings.helpline,
        metrics_retention_days=_whole_number(
            env_vars, "FINDER_METRICS_RETENTION_DAYS", Settings.metrics_retention_days
        ),
        metrics_rollup_seconds=_whole_number(env_vars, "FINDER_METRICS_ROLLUP_SECONDS", None),
    )


def _whole_number(env_vars, name: str, default: int | None) -> int | None:
    text = env_vars.get(name, "").strip()
    if not text:
        return default
    if not re.fullmatch(r"[0-9]+", text) or int(text) < 1:
        raise ConfigError(f"{name} must be a whole number of 1 or more, not {text!r}.")
    return int(text)


def _languages(text: str) -> tuple[str, ...]:
    languages = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    bad = [lang for lang in languages if not re.fullmatch(r"[a-z]{2,3}", lang)]
    if bad or not languages:
        raise ConfigError(f"FINDER_LANGUAGES must be comma-separated language codes such as 'en,fr', not {text!r}.")
    return languages
