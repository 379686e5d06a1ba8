"""`finder sms chat`: the simulator signs like Twilio and goes through the real webhook."""

from __future__ import annotations

import pytest

from channels.twilio.cli import sms_group
from tests.channels.twilio.conftest import TOKEN, usage_events
from tests.conftest import make_app

# Its tests log usage events: a copy of the demo database of its own.
pytestmark = pytest.mark.writes_demo


def test_a_script_is_replayed_through_the_webhook(sms_app, tmp_path):
    script = tmp_path / "demo.txt"
    script.write_text("lost passport\n\n1\nLANG FR\nperdu passeport\n", encoding="utf-8")
    result = sms_app.test_cli_runner().invoke(sms_group, ["chat", "--script", str(script), "--sender", "+447000000999"])
    assert result.exit_code == 0, result.output
    assert result.output.count("you> ") == 4 and result.output.count("finder> ") == 4
    assert "[2 segments, GSM-7" in result.output or "[1 segment, GSM-7" in result.output
    assert "/en/services/" in result.output and "Langue : francais." in result.output  # ç is not in GSM-7
    # It went through the webhook: the usage log holds the four messages.
    kinds = [e.kind for e in usage_events(sms_app, "+447000000999")]
    assert kinds.count("message_in") == 4


def test_whatsapp_replies_are_counted_in_characters(sms_app, tmp_path):
    script = tmp_path / "w.txt"
    script.write_text("lost passport\n", encoding="utf-8")
    result = sms_app.test_cli_runner().invoke(sms_group, ["chat", "--script", str(script), "--whatsapp"])
    assert result.exit_code == 0 and "[WhatsApp, " in result.output


def test_interactive_chat_reads_until_end_of_input(sms_app):
    result = sms_app.test_cli_runner().invoke(sms_group, ["chat"], input="HELP\n")
    assert result.exit_code == 0 and "you> " in result.output and "MENU" in result.output


def test_without_a_token_the_simulator_says_what_to_set(demo_url):
    app = make_app(demo_url)
    result = app.test_cli_runner().invoke(sms_group, ["chat"], input="HELP\n")
    assert result.exit_code != 0 and "TWILIO_AUTH_TOKEN" in result.output
    assert TOKEN not in result.output


def test_purge(sms_app):
    result = sms_app.test_cli_runner().invoke(sms_group, ["purge"])
    assert result.exit_code == 0 and "Removed" in result.output
