"""The SMS channel's settings: read from FINDER_SMS_*, checked, and the signature check off only in development."""

from __future__ import annotations

import pytest

from finder.config import ConfigError, load_settings

BASE = {"FINDER_SECRET_KEY": "k"}
PRODUCTION = {
    **BASE,
    "FINDER_ENV": "production",
    "FINDER_DATABASE_URL": "postgresql://db/finder",
    "TWILIO_AUTH_TOKEN": "t",
}


def test_defaults(tmp_path):
    settings = load_settings(tmp_path, dict(BASE))
    assert (settings.sms_segments, settings.whatsapp_chars, settings.sms_rate_limit) == (2, 1000, "20/10 minutes")
    assert (settings.sms_max_body, settings.sms_state_ttl, settings.proxy_fix) == (1600, 86400, 0)
    assert settings.twilio_validate is True and settings.twilio_advanced_opt_out is False


def test_values_from_the_environment(tmp_path):
    settings = load_settings(
        tmp_path,
        {
            **BASE,
            "FINDER_SMS_SEGMENTS": "3",
            "FINDER_SMS_WHATSAPP_CHARS": "800",
            "FINDER_SMS_RATE_LIMIT": "5/minute",
            "FINDER_SMS_MAX_BODY": "500",
            "FINDER_SMS_STATE_TTL": "3600",
            "FINDER_SMS_ADVANCED_OPT_OUT": "1",
            "FINDER_PROXY_FIX": "2",
        },
    )
    assert (settings.sms_segments, settings.whatsapp_chars, settings.sms_rate_limit) == (3, 800, "5/minute")
    assert (settings.sms_max_body, settings.sms_state_ttl, settings.proxy_fix) == (500, 3600, 2)
    assert settings.twilio_advanced_opt_out is True


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("FINDER_SMS_SEGMENTS", "0"),
        ("FINDER_SMS_SEGMENTS", "two"),
        ("FINDER_SMS_WHATSAPP_CHARS", "5000"),
        ("FINDER_SMS_RATE_LIMIT", "lots"),
        ("FINDER_SMS_ADVANCED_OPT_OUT", "maybe"),
        ("FINDER_PROXY_FIX", "-1"),
    ],
)
def test_bad_values_stop_start_up_naming_the_variable(tmp_path, name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings(tmp_path, {**BASE, name: value})


def test_the_signature_check_is_only_switched_off_in_development_or_test(tmp_path):
    assert load_settings(tmp_path, {**BASE, "FINDER_TWILIO_VALIDATE": "0"}).twilio_validate is False
    assert (
        load_settings(tmp_path, {**BASE, "FINDER_ENV": "test", "FINDER_TWILIO_VALIDATE": "0"}).twilio_validate is False
    )
    with pytest.raises(ConfigError, match="FINDER_TWILIO_VALIDATE"):
        load_settings(tmp_path, {**PRODUCTION, "FINDER_TWILIO_VALIDATE": "0"})
    assert load_settings(tmp_path, PRODUCTION).twilio_validate is True
