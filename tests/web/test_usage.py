"""What the web pages log (search, views, click-outs, feedback, unmet demand), and what they never log."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from finder.catalogue import Agency, ChannelKind, Service, ServiceStatus
from finder.catalogue.models import DeliveryChannel
from tests.web.helpers import csrf_token, events

# Its tests log usage events: a copy of the demo database of its own.
pytestmark = pytest.mark.writes_demo

SERVICE = "apply-for-first-adult-passport"


@pytest.fixture
def visitor(demo_app):
    """A test client with a visitor id of its own, so its events can be told from the module's other tests'."""
    client = demo_app.test_client()
    client.visitor = secrets.token_urlsafe(16)
    client.set_cookie("fv", client.visitor)
    return client


def service_id(app, slug: str) -> str:
    with app.extensions["finder.db"].sessions() as session:
        return session.scalar(select(Service.id).where(Service.slug == slug))


def test_a_search_logs_the_normalised_query_count_and_top_result(demo_app, visitor):
    html = visitor.get("/en/search?q=Lost++PASSPORT").get_data(as_text=True)
    [event] = events(demo_app, visitor=visitor.visitor)
    assert (event.kind, event.channel, event.language, event.query) == ("search", "web", "en", "lost passport")
    assert f"Services found: {event.result_count}" in html and event.result_count > 0
    with demo_app.extensions["finder.db"].sessions() as session:
        top = session.get(Service, event.top_service_id)
    assert html.index(f"/services/{top.slug}") == html.index("/services/")
    visitor.get("/en/search?q=Lost+PASSPORT&page=2")
    assert len(events(demo_app, visitor=visitor.visitor)) == 1, "a further page is not a new search"


def test_a_service_view_and_a_click_out_are_logged_and_go_only_to_the_registered_address(demo_app, visitor):
    sid = service_id(demo_app, SERVICE)
    visitor.get(f"/en/services/{SERVICE}")
    response = visitor.get(f"/go/{SERVICE}")
    assert response.status_code == 302
    assert response.headers["Location"] == "https://pid.gov.example/passport/apply"
    kinds = [(e.kind, e.service_id) for e in events(demo_app, visitor=visitor.visitor)]
    assert kinds == [("service_view", sid), ("click_out", sid)]


def test_click_out_is_404_for_what_is_not_a_published_service(demo_app, visitor):
    assert visitor.get("/go/no-such-service").status_code == 404
    assert visitor.get("/go/https%3A%2F%2Fevil.example").status_code == 404
    assert visitor.get(f"/go/{service_id(demo_app, SERVICE)}").status_code == 404, "ids are not addresses"
    assert events(demo_app, visitor=visitor.visitor, kind="click_out") == []


def test_click_out_needs_a_registered_web_address(app, client):
    with app.extensions["finder.db"].transaction() as session:
        session.add(Agency(id="a1", slug="agency", name="Agency"))
        session.add(
            Service(
                id="s1",
                slug="sneaky",
                agency_id="a1",
                name="Sneaky",
                summary="A service with a script address.",
                status=ServiceStatus.PUBLISHED,
                channels=[DeliveryChannel(id="c1", kind=ChannelKind.ONLINE, value="javascript:alert(1)")],
            )
        )
        session.add(
            Service(
                id="s2",
                slug="offline",
                agency_id="a1",
                name="Offline",
                summary="In person only.",
                status=ServiceStatus.PUBLISHED,
            )
        )
    assert client.get("/go/sneaky").status_code == 404
    assert client.get("/go/offline").status_code == 404
    assert "/go/sneaky" not in client.get("/en/services/sneaky").get_data(as_text=True)


def test_feedback_is_logged_with_the_comment_scrubbed(demo_app, visitor):
    token = csrf_token(visitor, f"/ar/services/{SERVICE}")
    response = visitor.post(
        f"/ar/services/{SERVICE}/feedback",
        data={"csrf_token": token, "useful": "no", "comment": "Call me on +44 20 7946 0000 or a@b.example"},
    )
    assert response.status_code == 200 and "شكر" in response.get_data(as_text=True)
    [event] = events(demo_app, visitor=visitor.visitor, kind="feedback")
    assert event.useful is False and event.language == "ar" and event.service_id == service_id(demo_app, SERVICE)
    assert "7946" not in event.comment and "a@b.example" not in event.comment and "[phone]" in event.comment


@pytest.mark.parametrize(
    "data", [{}, {"useful": "maybe"}, {"useful": "yes", "comment": "x" * 501}], ids=["none", "bad", "long"]
)
def test_bad_feedback_gets_a_clear_400(demo_app, visitor, data):
    token = csrf_token(visitor, f"/en/services/{SERVICE}")
    response = visitor.post(f"/en/services/{SERVICE}/feedback", data={"csrf_token": token, **data})
    assert response.status_code == 400 and "<h1>" in response.get_data(as_text=True)
    assert events(demo_app, visitor=visitor.visitor, kind="feedback") == []


def test_a_form_without_its_csrf_token_is_refused_with_a_page(demo_app, visitor):
    response = visitor.post(f"/en/services/{SERVICE}/feedback", data={"useful": "yes"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert visitor.post("/en/search/unmet", data={"looking_for": "x"}).status_code == 400
    assert events(demo_app, visitor=visitor.visitor) == []


def test_feedback_is_rate_limited_politely(demo_app, visitor):
    token = csrf_token(visitor, f"/en/services/{SERVICE}")
    statuses = [
        visitor.post(f"/en/services/{SERVICE}/feedback", data={"csrf_token": token, "useful": "yes"}).status_code
        for _ in range(11)
    ]
    assert statuses == [200] * 10 + [429]
    refused = visitor.post("/en/search/unmet", data={"csrf_token": token, "looking_for": "a dog licence"})
    assert refused.status_code == 429 and "try again later" in refused.get_data(as_text=True)
    assert len(events(demo_app, visitor=visitor.visitor, kind="feedback")) == 10


def test_tell_us_what_you_were_looking_for_is_logged_as_unmet_demand(demo_app, visitor):
    token = csrf_token(visitor, "/es/search?q=xqzzyv")
    response = visitor.post(
        "/es/search/unmet", data={"csrf_token": token, "q": "xqzzyv", "looking_for": "  licencia   de perro "}
    )
    assert response.status_code == 200
    [event] = events(demo_app, visitor=visitor.visitor, kind="unmet_demand")
    assert (event.query, event.language, event.detail) == ("licencia de perro", "es", {"search": "xqzzyv"})
    empty = visitor.post("/es/search/unmet", data={"csrf_token": token, "looking_for": "  "})
    assert empty.status_code == 400


@pytest.mark.parametrize("header", ["DNT", "Sec-GPC"])
def test_do_not_track_sets_no_cookie_and_logs_no_visitor(demo_app, header):
    client = demo_app.test_client()
    marker = f"dnt probe {secrets.token_hex(4)}"
    response = client.get("/en/search", query_string={"q": marker}, headers={header: "1"})
    assert "fv=" not in " ".join(response.headers.getlist("Set-Cookie"))
    [event] = events(demo_app, query=marker)
    assert event.visitor is None


def test_a_new_visitor_gets_a_random_first_party_cookie_and_no_address_is_logged(demo_app):
    client = demo_app.test_client()
    marker = f"cookie probe {secrets.token_hex(4)}"
    response = client.get("/en/search", query_string={"q": marker}, environ_base={"REMOTE_ADDR": "203.0.113.77"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("fv="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=2592000" in cookie
    [event] = events(demo_app, query=marker)
    assert event.visitor == cookie.split(";")[0].removeprefix("fv=")
    assert "203.0.113.77" not in repr(event.__dict__)
