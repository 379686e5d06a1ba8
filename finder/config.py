"""Settings from the environment, with safe defaults for the embedded (SQLite) mode."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from finder.logs import log_format

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
    # A read replica of the database (PostgreSQL streaming replication) for the citizens' pages' reads.
    replica_database_url: str | None = None
    # Largest catalogue file the importer will read, in bytes.
    max_import_bytes: int = 20 * 1024 * 1024
    api_max_per_page: int = 100
    # What citizens are told to text or call (shown on the web and in SMS replies); fictional numbers by default.
    sms_number: str = "+1 202 555 0142"
    helpline: str = "+1 202 555 0100"
    # Agencies: a published service not confirmed for this many months is listed as stale.
    stale_months: int = 12
    # An account is locked for lockout_minutes after lockout_threshold failed logins in a row.
    lockout_threshold: int = 5
    lockout_minutes: int = 15
    # Failed and successful logins together, per pseudonymised client address (a `limits` string).
    login_rate_limit: str = "30/10 minutes"
    invitation_days: int = 7
    password_reset_hours: int = 2
    # smtp://user:password@host:port (smtps:// for TLS); without it invitation links are shown, not mailed.
    smtp_url: str | None = None
    mail_from: str = "service-finder@localhost"
    # None: Secure cookies in production only (development runs on plain http://localhost).
    session_cookie_secure: bool | None = None
    # SMS and WhatsApp (channels/twilio): reply budgets, abuse limits and how long a conversation is remembered.
    sms_segments: int = 2
    whatsapp_chars: int = 1000
    sms_rate_limit: str = "20/10 minutes"
    sms_max_body: int = 1600
    sms_state_ttl: int = 24 * 3600
    # Only development and test may turn the X-Twilio-Signature check off (load_settings refuses it otherwise).
    twilio_validate: bool = True
    # Twilio's Advanced Opt-Out answers HELP itself; then the webhook stays silent on HELP.
    twilio_advanced_opt_out: bool = False
    # How many reverse proxies sit in front of the app (X-Forwarded-Proto/Host trusted from that many hops).
    proxy_fix: int = 0
    # Raw usage events older than this many days are deleted once rolled up; the daily aggregates stay.
    metrics_retention_days: int = 90
    # When set, each server process runs the metrics rollup this often (a lock keeps runs one at a time).
    metrics_rollup_seconds: int | None = None
    # Largest request body of any kind, refused with 413 before it is read; the write API allows max_import_bytes.
    max_request_bytes: int = 1024 * 1024
    # "json": one JSON object per log line, with the request id (production's default); "text" for a terminal.
    log_format: str = "text"

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
    if env == "production":
        _check_production(env_vars)
    if not secret_key:
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
        replica_database_url=env_vars.get("FINDER_DATABASE_REPLICA_URL") or None,
        sms_number=env_vars.get("FINDER_SMS_NUMBER") or Settings.sms_number,
        helpline=env_vars.get("FINDER_HELPLINE") or Settings.helpline,
        stale_months=_integer(env_vars, "FINDER_STALE_MONTHS", Settings.stale_months, 1, 120),
        lockout_threshold=_integer(env_vars, "FINDER_LOCKOUT_THRESHOLD", Settings.lockout_threshold, 1, 100),
        lockout_minutes=_integer(env_vars, "FINDER_LOCKOUT_MINUTES", Settings.lockout_minutes, 1, 24 * 60),
        invitation_days=_integer(env_vars, "FINDER_INVITATION_DAYS", Settings.invitation_days, 1, 90),
        smtp_url=env_vars.get("FINDER_SMTP_URL") or None,
        mail_from=env_vars.get("FINDER_MAIL_FROM") or Settings.mail_from,
        session_cookie_secure=_flag(env_vars, "FINDER_SESSION_COOKIE_SECURE", None),
        sms_segments=_integer(env_vars, "FINDER_SMS_SEGMENTS", Settings.sms_segments, 1, 10),
        whatsapp_chars=_integer(env_vars, "FINDER_SMS_WHATSAPP_CHARS", Settings.whatsapp_chars, 160, 1600),
        sms_rate_limit=_rate_limit(env_vars.get("FINDER_SMS_RATE_LIMIT") or Settings.sms_rate_limit),
        sms_max_body=_integer(env_vars, "FINDER_SMS_MAX_BODY", Settings.sms_max_body, 1, 100_000),
        sms_state_ttl=_integer(env_vars, "FINDER_SMS_STATE_TTL", Settings.sms_state_ttl, 60, 30 * 24 * 3600),
        twilio_validate=_twilio_validate(env, _flag(env_vars, "FINDER_TWILIO_VALIDATE", True)),
        twilio_advanced_opt_out=_flag(env_vars, "FINDER_SMS_ADVANCED_OPT_OUT", False),
        proxy_fix=_integer(env_vars, "FINDER_PROXY_FIX", 0, 0, 5),
        metrics_retention_days=_integer(
            env_vars, "FINDER_METRICS_RETENTION_DAYS", Settings.metrics_retention_days, 1, 100 * 365
        ),
        metrics_rollup_seconds=_integer(env_vars, "FINDER_METRICS_ROLLUP_SECONDS", None, 1, 24 * 3600),
        max_request_bytes=_integer(
            env_vars, "FINDER_MAX_REQUEST_BYTES", Settings.max_request_bytes, 1024, 1024 * 1024 * 1024
        ),
        log_format=_log_format(log_format(env_vars)),
    )


def _check_production(env_vars) -> None:
    # Each of these has a development default that would be unsafe or lossy on a public server.
    missing = [
        name for name in ("FINDER_SECRET_KEY", "FINDER_DATABASE_URL", "TWILIO_AUTH_TOKEN") if not env_vars.get(name)
    ]
    if missing:
        raise ConfigError(f"{', '.join(missing)} must be set when FINDER_ENV=production.")
    for name in ("FINDER_DATABASE_URL", "FINDER_DATABASE_REPLICA_URL"):
        if env_vars.get(name) and not env_vars[name].startswith("postgresql"):
            raise ConfigError(f"{name} must be a postgresql:// URL when FINDER_ENV=production.")
    if _flag(env_vars, "FLASK_DEBUG", False):
        raise ConfigError("FLASK_DEBUG must be off when FINDER_ENV=production.")


def _log_format(text: str) -> str:
    if text not in ("json", "text"):
        raise ConfigError(f"FINDER_LOG_FORMAT must be json or text, not {text!r}.")
    return text


def _integer(env_vars, name: str, default: int | None, low: int, high: int) -> int | None:
    text = env_vars.get(name)
    if not text:
        return default
    if not (text.strip().isascii() and text.strip().isdigit()) or not low <= int(text) <= high:
        raise ConfigError(f"{name} must be a whole number from {low} to {high}, not {text!r}.")
    return int(text)


def _flag(env_vars, name: str, default: bool | None) -> bool | None:
    text = env_vars.get(name)
    if text is None or not text.strip():
        return default
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false (1 or 0), not {text!r}.")


def _twilio_validate(env: str, validate: bool) -> bool:
    if not validate and env not in ("development", "test"):
        raise ConfigError("FINDER_TWILIO_VALIDATE=0 is only allowed when FINDER_ENV is development or test.")
    return validate


def _rate_limit(text: str) -> str:
    # The `limits` library's syntax ("20/10 minutes", "5 per minute"); checked here so a typo stops start-up.
    from limits import parse

    try:
        parse(text)
    except ValueError as error:
        raise ConfigError(f"FINDER_SMS_RATE_LIMIT must be a limit such as '20/10 minutes', not {text!r}.") from error
    return text


def _languages(text: str) -> tuple[str, ...]:
    languages = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    bad = [lang for lang in languages if not re.fullmatch(r"[a-z]{2,3}", lang)]
    if bad or not languages:
        raise ConfigError(f"FINDER_LANGUAGES must be comma-separated language codes such as 'en,fr', not {text!r}.")
    return languages
