"""Hostile input: generated requests against the API's OpenAPI document, the SMS webhook and every citizen form.

Nothing may answer 5xx; API answers must match the document. Examples are bounded so the module runs in well
under a minute per backend.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis import checks

from tests.channels.twilio.conftest import TOKEN, Phone
from tests.conftest import make_app
from tests.web.helpers import csrf_token

# Its tests log usage events: a copy of the demo database of its own.
pytestmark = pytest.mark.writes_demo

SERVICE = "apply-for-first-adult-passport"
BOUNDED = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
# Any text a phone or a browser could send, including control characters, RTL marks, emoji and lone surrogates'
# neighbours (what a form or a Twilio field can carry: no NUL, which neither transport allows).
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=400)


API_CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def test_the_read_api_answers_generated_requests_without_5xx_and_as_documented(demo_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    reads = [operation for operation in operations if operation.method.upper() == "GET"]
    assert len(reads) >= 4
    for operation in reads:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def call(case):
            # The WSGI client does not decompress: ask for the plain body (compression is tested in tests/web).
            case.call_and_validate(checks=API_CHECKS, headers={"Accept-Encoding": "identity"})

        call()


@pytest.fixture
def hostile_sms_app(demo_url):
    # Generous limits: the generated senders would otherwise be rate limited after a few messages.
    app = make_app(demo_url, twilio_auth_token=TOKEN, sms_rate_limit="100000/minute")
    yield app
    app.extensions["finder.usage_log"].close()
    app.extensions["finder.db"].dispose()


@given(
    body=TEXT,
    media=st.sampled_from(["0", "1", "9", "-1", "x", ""]),
    opt_out=st.sampled_from([None, "STOP", "HELP", "x"]),
)
@BOUNDED
def test_the_sms_webhook_never_fails_on_any_signed_message(hostile_sms_app, body, media, opt_out):
    phone = Phone(hostile_sms_app.test_client())
    fields = {"NumMedia": media}
    if opt_out:
        fields["OptOutType"] = opt_out
    response = phone.post(body, **fields)
    # 200 with TwiML, or a clear 400 for a malformed field: never a 5xx.
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 200:
        assert response.mimetype == "text/xml"


@given(fields=st.dictionaries(st.sampled_from(["From", "To", "MessageSid", "Body", "WaId", "NumMedia"]), TEXT))
# Found by this test: "²" is a digit to str.isdigit but not to int().
@example(fields={"NumMedia": "²"})
@BOUNDED
def test_the_sms_webhook_refuses_malformed_fields_clearly(hostile_sms_app, fields):
    response = Phone(hostile_sms_app.test_client()).post(**fields)
    assert response.status_code in (200, 400), response.get_data(as_text=True)


@pytest.fixture
def visitor(demo_app):
    client = demo_app.test_client()
    client.token = csrf_token(client, f"/en/services/{SERVICE}")
    return client


@given(useful=TEXT, comment=TEXT, lang=st.sampled_from(["en", "ar", "zh", "xx", "EN"]))
@BOUNDED
def test_the_feedback_form_never_fails(demo_app, visitor, useful, comment, lang):
    demo_app.extensions["finder.rate_limits"].reset()
    response = visitor.post(
        f"/{lang}/services/{SERVICE}/feedback", data={"csrf_token": visitor.token, "useful": useful, "comment": comment}
    )
    assert response.status_code < 500, response.get_data(as_text=True)


@given(looking_for=TEXT, lang=st.sampled_from(["en", "fr", "ru", "xx"]))
@BOUNDED
def test_the_unmet_demand_form_never_fails(demo_app, visitor, looking_for, lang):
    demo_app.extensions["finder.rate_limits"].reset()
    response = visitor.post(f"/{lang}/search/unmet", data={"csrf_token": visitor.token, "looking_for": looking_for})
    assert response.status_code < 500, response.get_data(as_text=True)


@given(query=TEXT, page=TEXT, category=TEXT, lang=st.sampled_from(["en", "ar", "zh", "xx"]))
@BOUNDED
def test_the_search_form_never_fails(demo_app, visitor, query, page, category, lang):
    response = visitor.get(f"/{lang}/search", query_string={"q": query, "page": page, "category": category})
    assert response.status_code < 500, response.get_data(as_text=True)
