"""Every agency page against every kind of visitor: nobody, the coordinator, the Ministry of Health's admin and
editor, and another agency's admin. The expected answers are one table, the same sets as the back end's matrix
test (test_permissions.py); the pages must allow nothing the matrix does not."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from finder import agency
from finder.agency import Actor, ApiToken, User
from finder.catalogue.models import Office

from .conftest import service
from .pages import csrf_token, sign_in
from .test_permissions import CONTENT, NATIONAL, PEOPLE, PUBLISHING

SIGNED_IN = {"coordinator", "health_admin", "health_editor", "lands_admin"}
EMAILS = {
    "coordinator": "coord@gov.example",
    "health_admin": "health-admin@gov.example",
    "health_editor": "health-editor@gov.example",
    "lands_admin": "lands-admin@gov.example",
}


OFFICE = {"slug": "new-office", "name": "New office", "street": "1 Main St", "city": "Town", "country": "GB"}


def _edit(slug: str, name: str) -> dict[str, str]:
    return {"slug": slug, "text-en-name": name, "text-en-summary": "A summary."}


# (what, method, path, form data, who may): in an order where each step leaves the next one's records in place.
# Paths name the Ministry of Health's records: {health}, {vaccination}, {permit}, {editor}, {token}, {apply1}...
ROUTES = [
    ("dashboard", "GET", "/agency/agencies/{health}/", None, CONTENT),
    ("people", "GET", "/agency/agencies/{health}/people", None, PEOPLE),
    ("tokens", "GET", "/agency/agencies/{health}/tokens", None, PEOPLE),
    ("new service form", "GET", "/agency/agencies/{health}/services/new", None, CONTENT),
    ("editor", "GET", "/agency/services/{permit}", None, CONTENT),
    ("preview", "GET", "/agency/services/{vaccination}/preview", None, CONTENT),
    ("history", "GET", "/agency/services/{vaccination}/history", None, CONTENT),
    ("offices", "GET", "/agency/agencies/{health}/offices", None, CONTENT),
    ("new office form", "GET", "/agency/agencies/{health}/offices/new", None, CONTENT),
    ("office form", "GET", "/agency/offices/{office}", None, CONTENT),
    ("applications", "GET", "/agency/applications", None, NATIONAL),
    ("agencies", "GET", "/agency/agencies", None, NATIONAL),
    ("review queue", "GET", "/agency/review", None, SIGNED_IN),
    ("stale report", "GET", "/agency/stale", None, NATIONAL),
    ("audit log", "GET", "/agency/audit", None, NATIONAL),
    ("vocabulary", "GET", "/agency/vocabulary", None, NATIONAL),
    ("password form", "GET", "/agency/password", None, SIGNED_IN),
    ("create service", "POST", "/agency/agencies/{health}/services/new", _edit("new-one", "New one"), CONTENT),
    ("save service", "POST", "/agency/services/{permit}", _edit("clinic-permit", "Clinic permit form"), CONTENT),
    ("create office", "POST", "/agency/agencies/{health}/offices/new", OFFICE, CONTENT),
    ("save office", "POST", "/agency/offices/{office}", {**OFFICE, "slug": "clinic-one", "name": "Renamed"}, CONTENT),
    ("version", "GET", "/agency/services/{permit}/history/1", None, CONTENT),
    ("restore", "POST", "/agency/services/{permit}/history/1/restore", {}, CONTENT),
    ("submit", "POST", "/agency/services/{permit}/status", {"to": "submitted"}, CONTENT),
    ("publish", "POST", "/agency/services/{permit}/status", {"to": "published"}, PUBLISHING),
    ("confirm reviewed", "POST", "/agency/services/{vaccination}/confirm", {}, CONTENT),
    ("retire", "POST", "/agency/services/{vaccination}/status", {"to": "retired"}, PUBLISHING),
    (
        "invite",
        "POST",
        "/agency/agencies/{health}/people",
        {"email": "new@gov.example", "role": "agency_editor"},
        PEOPLE,
    ),
    ("create token", "POST", "/agency/agencies/{health}/tokens", {"name": "another sync"}, PEOPLE),
    ("revoke token", "POST", "/agency/agencies/{health}/tokens/{token}/revoke", {}, PEOPLE),
    (
        "change role",
        "POST",
        "/agency/agencies/{health}/people/{editor}/role",
        {"u{editor}-role": "agency_admin"},
        PEOPLE,
    ),
    ("deactivate", "POST", "/agency/agencies/{health}/people/{editor}/active", {"active": "0"}, PEOPLE),
    ("approve", "POST", "/agency/applications/{apply1}/approve", {}, NATIONAL),
    ("reject", "POST", "/agency/applications/{apply2}/reject", {"reason": "Not a government agency."}, NATIONAL),
    (
        "add synonym",
        "POST",
        "/agency/vocabulary",
        {"synonym-language": "en", "synonym-rule": "jab, vaccination"},
        NATIONAL,
    ),
]


def _targets(app, db, world) -> dict[str, str]:
    with app.app_context(), db.transaction() as session:
        first = agency.apply_for_account(
            session, agency_name="Water Board", contact_name="Ann", email="a@water.example"
        )
        second = agency.apply_for_account(session, agency_name="Fan club", contact_name="Bo", email="b@fans.example")
        editor = session.scalar(select(User).where(User.email == "health-editor@gov.example"))
        token = session.scalar(select(ApiToken).where(ApiToken.name == "health sync"))
        address = {"street": "1 Main St", "city": "Town", "country": "GB"}
        record = {"slug": "clinic-one", "name": "New office", "agency": "health", "address": address}
        office = agency.save_office(session, Actor.system(), record)
        return {
            "health": world.health,
            "vaccination": world.service_id("vaccination"),
            "permit": world.service_id("clinic-permit"),
            "editor": editor.id,
            "token": token.id,
            "office": office.id,
            "apply1": first.id,
            "apply2": second.id,
        }


def test_the_table_covers_every_agency_page(app):
    rules = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("agency.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    public = {"/agency/login", "/agency/logout", "/agency/apply", "/agency/invitations/<token>"}
    public |= {"/agency/password-reset", "/agency/password-reset/<token>", "/agency/"}
    tested = {(method, _rule_of(path)) for _, method, path, _, _ in ROUTES}
    assert {r for r in rules if r[1] not in public} <= tested | {("POST", "/agency/password")}


def _rule_of(path: str) -> str:
    names = {
        "{health}": "<agency_id>",
        "{vaccination}": "<service_id>",
        "{permit}": "<service_id>",
        "{editor}": "<user_id>",
        "{token}": "<token_id>",
        "{office}": "<office_id>",
        "{apply1}": "<application_id>",
        "{apply2}": "<application_id>",
        "/1/": "/<int:number>/",
    }
    for name, rule in names.items():
        path = path.replace(name, rule)
    return path.replace("history/1", "history/<int:number>")


@pytest.mark.parametrize("who", ["anonymous", *EMAILS])
def test_every_visitor_against_every_agency_page(app, db, client, world, who):
    targets = _targets(app, db, world)
    if who != "anonymous":
        sign_in(client, EMAILS[who])
    wrong = []
    for what, method, path, data, allowed in ROUTES:
        url = path.format(**targets)
        if method == "GET":
            response = client.get(url)
        else:
            form = {key.format(**targets): value for key, value in data.items()}
            response = client.post(url, data={"csrf_token": csrf_token(client), **form})
        location = response.headers.get("Location", "")
        if who == "anonymous":
            outcome = "login" if response.status_code == 302 and location.startswith("/agency/login") else "other"
            expected = "login"
        else:
            outcome = (
                "deny"
                if response.status_code == 403
                else "allow"
                if response.status_code in (200, 201, 302)
                else "other"
            )
            expected = "allow" if who in allowed else "deny"
        if outcome != expected:
            wrong.append(f"{what}: {response.status_code} {location} (want {expected})")
    assert wrong == []
    # What was allowed really happened; what was refused changed nothing.
    with db.sessions() as session:
        permit, vaccination = service(session, "clinic-permit"), service(session, "vaccination")
        status = "published" if who in PUBLISHING else "submitted" if who in CONTENT else "draft"
        assert (permit.status.value, permit.name) == (
            status,
            "Clinic permit form" if who in CONTENT else "Clinic permit",
        )
        assert vaccination.status.value == ("retired" if who in PUBLISHING else "published")
        office = session.scalar(select(Office).where(Office.slug == "clinic-one"))
        assert office.name == ("Renamed" if who in CONTENT else "New office")
