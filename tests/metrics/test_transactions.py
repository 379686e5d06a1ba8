"""Digital take-up entry: the agency page and the write API record a service's monthly transactions by channel,
for the people the permission matrix allows; bad input writes nothing; the figures show on the agency dashboard
and in the report."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import func, select

from finder import agency, metrics
from finder.agency import Actor, AuditEvent
from finder.metrics.models import ServiceTransactions
from tests.api.test_write_api import check_against_openapi
from tests.metrics.conftest import BIRTH, CIVIL_AGENCY, PASSPORT, TRAVEL_AGENCY, cells, sign_in

PAGE = f"/agency/services/{PASSPORT}/transactions"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _this_month() -> str:
    return dt.datetime.now(dt.UTC).date().strftime("%Y-%m")


def _next_month() -> str:
    today = dt.datetime.now(dt.UTC).date()
    return (today.replace(day=28) + dt.timedelta(days=5)).strftime("%Y-%m")


def _post(client, data: dict[str, str], path: str = PAGE):
    page = client.get(path).get_data(as_text=True)
    token = CSRF.search(page)
    return client.post(path, data={"csrf_token": token.group(1) if token else "", **data})


def _form(month: str | None = None, **counts: str) -> dict[str, str]:
    return {"month": month or _this_month(), "online": "300", "counter": "150", "phone": "40", "post": "10", **counts}


def _stored(db) -> list[tuple]:
    with db.sessions() as session:
        rows = session.execute(
            select(ServiceTransactions.service_id, ServiceTransactions.month, ServiceTransactions.online)
        ).all()
        return sorted(tuple(row) for row in rows)


def _audited(db) -> int:
    with db.sessions() as session:
        return session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "transactions.record")
        )


# Who may enter the Travel Office's passport counts: its admin and editor, and the coordinator.
ALLOWED = {
    "coordinator": True,
    "travel_admin": True,
    "travel_editor": True,
    "civil_editor": False,
}


@pytest.mark.parametrize("person, allowed", ALLOWED.items())
def test_the_page_follows_the_permission_matrix(app, client, db, people, person, allowed):
    sign_in(app, client, people[person])
    page = client.get(PAGE)
    assert page.status_code == (200 if allowed else 403)
    if not allowed:
        # Its own agency's page works, the other agency's posts are refused and write nothing.
        assert client.get(f"/agency/services/{BIRTH}/transactions").status_code == 200
        token = CSRF.search(client.get(f"/agency/services/{BIRTH}/transactions").get_data(as_text=True)).group(1)
        assert client.post(PAGE, data={"csrf_token": token, **_form()}).status_code == 403
        assert _stored(db) == [] and _audited(db) == 0
        return
    response = _post(client, _form())
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    month = dt.date.fromisoformat(_this_month() + "-01")
    assert _stored(db) == [(PASSPORT, month, 300)]
    assert _audited(db) == 1
    shown = cells(client.get(PAGE).get_data(as_text=True))
    assert shown[f"{_this_month()}-online"] == "300" and shown[f"{_this_month()}-take-up"] == "60.0%"


def test_anonymous_visitors_are_sent_to_sign_in_and_write_nothing(app, client, db, people):
    response = client.get(PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/agency/login?next=")
    assert client.post(PAGE, data=_form()).status_code in (302, 400)
    assert _stored(db) == []


def test_an_unknown_service_is_not_found(app, client, people):
    sign_in(app, client, people["coordinator"])
    assert client.get("/agency/services/no-such-service/transactions").status_code == 404


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("month", "2026-13", "Enter the month as YYYY-MM"),
        ("month", "October 2026", "Enter the month as YYYY-MM"),
        ("month", "1999-12", "Enter the month as YYYY-MM"),
        ("month", None, "The month cannot be in the future."),
        ("online", "-5", "Enter a whole number of 0 or more"),
        ("counter", "1,250", "Enter a whole number of 0 or more"),
        ("phone", "2.5", "Enter a whole number of 0 or more"),
        ("post", "", "This field is required."),
        ("post", "12345678901", "Enter a whole number of 0 or more"),
        ("online", "٣٠٠", "Enter a whole number of 0 or more"),  # Arabic-Indic digits: not what the report sums
    ],
)
def test_bad_input_is_explained_on_its_field_and_writes_nothing(app, client, db, people, field, value, message):
    sign_in(app, client, people["travel_editor"])
    response = _post(client, _form(**{field: _next_month() if value is None else value}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # The error sits on its field (linked from the summary) and the field keeps what was typed.
    assert re.search(rf'<p class="error" id="{field}-error">{re.escape(message)}', page), page
    assert f'href="#{field}"' in page and 'aria-invalid="true"' in page
    assert _stored(db) == [] and _audited(db) == 0


def test_a_form_without_its_csrf_token_is_refused(app, client, db, people):
    sign_in(app, client, people["travel_editor"])
    assert client.post(PAGE, data=_form()).status_code == 400
    assert _stored(db) == []


def test_a_month_entered_again_is_replaced_and_can_be_corrected_from_the_list(app, client, db, people):
    sign_in(app, client, people["travel_admin"])
    _post(client, _form(month="2026-01", online="1"))
    _post(client, _form(month="2026-01", online="7"))
    assert _stored(db) == [(PASSPORT, dt.date(2026, 1, 1), 7)]
    page = client.get(PAGE).get_data(as_text=True)
    assert f'href="{PAGE}?month=2026-01"' in page
    filled = client.get(f"{PAGE}?month=2026-01").get_data(as_text=True)
    assert re.search(r'name="month"[^>]*value="2026-01"', filled) and re.search(r'name="online"[^>]*value="7"', filled)
    with db.sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "transactions.record")).all()[-1]
        assert event.detail["before"]["online"] == 1 and event.detail["counts"]["online"] == 7
        assert event.agency_id == TRAVEL_AGENCY and event.target_id == PASSPORT


def test_the_entered_figure_shows_on_the_agency_dashboard_and_in_the_report(app, client, db, people):
    sign_in(app, client, people["travel_editor"])
    assert _post(client, _form()).status_code == 302
    today = dt.datetime.now(dt.UTC).date().isoformat()
    dashboard = client.get(f"/agency/metrics?from={today}&to={today}").get_data(as_text=True)
    assert cells(dashboard)[f"{PASSPORT}-take-up"] == "60.0%"
    assert f'href="{PAGE}"' in dashboard
    result = app.test_cli_runner().invoke(
        args=["metrics", "report", "--from", today, "--to", today, "--format", "json", "--agency", TRAVEL_AGENCY]
    )
    assert json.loads(result.output)["digital_take_up"] == [
        {
            "service_id": PASSPORT,
            "agency_id": TRAVEL_AGENCY,
            "online": 300,
            "counter": 150,
            "phone": 40,
            "post": 10,
            "digital_take_up": 0.6,
        }
    ]


def test_the_page_is_translated(app, client, people):
    sign_in(app, client, people["travel_editor"])
    page = client.get(f"{PAGE}?lang=fr").get_data(as_text=True)
    assert '<html lang="fr"' in page and "Transactions by channel" not in page and "Month" not in page
    arabic = client.get(f"{PAGE}?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in arabic


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


API = f"/api/v1/services/{PASSPORT}/transactions"


@pytest.fixture
def tokens(app, db, catalogue) -> dict[str, str]:
    with app.app_context(), db.transaction() as session:
        return {
            name: agency.create_token(session, Actor.system(), agency_id, name)[1]
            for name, agency_id in (("travel", TRAVEL_AGENCY), ("civil", CIVIL_AGENCY))
        }


def test_agencies_systems_record_their_counts_through_the_write_api(app, client, db, tokens):
    body = {"month": "2026-02", "online": 300, "counter": 150, "phone": 40, "post": 10}
    response = client.post(API, json=body, headers=_auth(tokens["travel"]))
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"service_id": PASSPORT, **body, "digital_take_up": 0.6}
    check_against_openapi(client, "post", "/services/{id}/transactions", response)
    assert _stored(db) == [(PASSPORT, dt.date(2026, 2, 1), 300)] and _audited(db) == 1

    refused = client.post(API, json=body, headers=_auth(tokens["civil"]))
    assert refused.status_code == 403
    check_against_openapi(client, "post", "/services/{id}/transactions", refused)
    assert client.post(API, json=body).status_code == 401
    assert (
        client.post("/api/v1/services/nothing/transactions", json=body, headers=_auth(tokens["travel"])).status_code
        == 404
    )
    assert _audited(db) == 1


def test_the_write_api_names_every_bad_field_and_writes_nothing(app, client, db, tokens):
    body = {"month": _next_month(), "online": -1, "counter": "150", "phone": 40, "fax": 3}
    response = client.post(API, json=body, headers=_auth(tokens["travel"]))
    assert response.status_code == 422
    check_against_openapi(client, "post", "/services/{id}/transactions", response)
    pointers = {error["pointer"] for error in response.get_json()["errors"]}
    assert pointers == {"/month", "/online", "/counter", "/post", "/fax"}
    assert client.post(API, json=[1], headers=_auth(tokens["travel"])).status_code == 422
    assert client.post(API, data="month=2026-01", headers=_auth(tokens["travel"])).status_code == 415
    assert _stored(db) == [] and _audited(db) == 0


def test_the_domain_refuses_counts_it_cannot_use(app, db, catalogue):
    good = {"online": 1, "counter": 2, "phone": 3, "post": 4}
    system = Actor.system()
    with db.transaction() as session:
        with pytest.raises(agency.NotFound):
            metrics.record_transactions(session, system, "no-such-service", dt.date(2026, 3, 5), good)
        for month, counts, field in (
            (dt.date(2026, 3, 5), {**good, "fax": 1}, "/fax"),
            (dt.date(2026, 3, 5), {**good, "post": -4}, "/post"),
            (dt.date(2026, 3, 5), {**good, "post": "4"}, "/post"),
            (dt.date(2026, 3, 5), {**good, "post": True}, "/post"),
            (dt.date(2026, 12, 1), good, "/month"),
            (None, good, "/month"),
        ):
            with pytest.raises(metrics.InvalidTransactions) as refused:
                metrics.record_transactions(session, system, PASSPORT, month, counts, today=dt.date(2026, 11, 30))
            assert set(refused.value.errors) == {field}
        row = metrics.record_transactions(
            session, system, PASSPORT, dt.date(2026, 11, 5), good, today=dt.date(2026, 11, 30)
        )
        assert row.month == dt.date(2026, 11, 1)
