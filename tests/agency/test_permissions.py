"""The authorisation matrix: every role (and nobody, another agency's admin and another agency's token) against
every domain action and every write API operation, with the expected answer written out in one table each."""

from __future__ import annotations

import datetime as dt

import flask
import pytest
from sqlalchemy import select

from finder import agency
from finder.agency import Actor, ApiToken, ApplicationStatus, Role, User
from finder.catalogue.models import Office, ServiceStatus

from .conftest import service

ACTORS = ("anonymous", "coordinator", "health_admin", "health_editor", "lands_admin", "health_token", "lands_token")
CONTENT = {"coordinator", "health_admin", "health_editor", "health_token"}
PUBLISHING = {"coordinator", "health_admin", "health_token"}
PEOPLE = {"coordinator", "health_admin"}
NATIONAL = {"coordinator"}

# Every action is done on the Ministry of Health's records.
EXPECTED = {
    "create service": CONTENT,
    "edit service": CONTENT,
    "submit service": CONTENT,
    "publish service": PUBLISHING,
    "retire service": PUBLISHING,
    "read history": CONTENT,
    "restore version": CONTENT,
    "confirm reviewed": CONTENT,
    "agency stale list": CONTENT,
    "agency services": CONTENT,
    "invite person": PEOPLE,
    "list people": PEOPLE,
    "deactivate person": PEOPLE,
    "change role": PEOPLE,
    "create token": PEOPLE,
    "revoke token": PEOPLE,
    "list tokens": PEOPLE,
    "decide application": NATIONAL,
    "catalogue stale report": NATIONAL,
    "read audit log": NATIONAL,
    "edit search vocabulary": NATIONAL,
    "create office": CONTENT,
    "edit office": CONTENT,
    "agency metrics": {"coordinator", "health_admin", "health_editor"},
    "all metrics": NATIONAL,
}


def _new(slug: str) -> dict:
    return {"slug": slug, "agency": "health", "name": "New", "summary": "A new service."}


def _by_email(session, email: str) -> User:
    return session.scalar(select(User).where(User.email == email))


ACTIONS = {
    "create service": lambda s, a, w: agency.save_service(s, a, _new("brand-new"), create=True),
    "edit service": lambda s, a, w: agency.save_service(
        s, a, {**_new("clinic-permit"), "name": "Clinic"}, create=False
    ),
    "submit service": lambda s, a, w: agency.transition(s, service(s, "clinic-permit"), ServiceStatus.SUBMITTED, a),
    "publish service": lambda s, a, w: agency.transition(s, service(s, "clinic-permit"), ServiceStatus.PUBLISHED, a),
    "retire service": lambda s, a, w: agency.transition(s, service(s, "vaccination"), ServiceStatus.RETIRED, a),
    "read history": lambda s, a, w: agency.versions(s, a, service(s, "vaccination")),
    "restore version": lambda s, a, w: agency.restore(
        s, agency.versions(s, Actor.system(), service(s, "vaccination"))[-1], a
    ),
    "confirm reviewed": lambda s, a, w: agency.confirm_reviewed(s, service(s, "vaccination"), a),
    "agency stale list": lambda s, a, w: agency.stale_services(s, a, months=12, agency_id=w.health),
    "agency services": lambda s, a, w: agency.services_of(s, a, w.health),
    "invite person": lambda s, a, w: agency.invite(s, a, w.health, "new@gov.example", Role.AGENCY_EDITOR),
    "list people": lambda s, a, w: agency.people_of(s, a, w.health),
    "deactivate person": lambda s, a, w: agency.set_active(s, a, _by_email(s, "health-editor@gov.example").id, False),
    "change role": lambda s, a, w: agency.change_role(
        s, a, _by_email(s, "health-editor@gov.example").id, Role.AGENCY_ADMIN
    ),
    "create token": lambda s, a, w: agency.create_token(s, a, w.health, "another"),
    "revoke token": lambda s, a, w: agency.revoke_token(
        s, a, s.scalar(select(ApiToken.id).where(ApiToken.name == "health sync"))
    ),
    "list tokens": lambda s, a, w: agency.tokens_of(s, a, w.health),
    "decide application": lambda s, a, w: agency.reject_application(
        s, a, agency.applications(s, Actor.system())[0].id, "Not a government body."
    ),
    "catalogue stale report": lambda s, a, w: agency.stale_services(s, a, months=12),
    "read audit log": lambda s, a, w: agency.audit_log(s, a),
    # The vocabulary pages call search's editing functions after this check.
    "edit search vocabulary": lambda s, a, w: agency.require(a, agency.Action.VOCABULARY_EDIT),
    "create office": lambda s, a, w: agency.save_office(s, a, _office("new-office")),
    "edit office": lambda s, a, w: agency.save_office(s, a, _office("health-office"), office_id=_office_id(s)),
    "agency metrics": lambda s, a, w: agency.require(a, agency.Action.METRICS_VIEW_AGENCY, w.health),
    "all metrics": lambda s, a, w: agency.require(a, agency.Action.METRICS_VIEW_ALL),
}


def _office(slug: str) -> dict:
    return {
        "slug": slug,
        "agency": "health",
        "name": "Office",
        "address": {"street": "1 St", "city": "X", "country": "GB"},
    }


def _office_id(session) -> str:
    return session.scalar(select(Office.id).where(Office.slug == "health-office"))


def _actors(session, world) -> dict[str, Actor]:
    tokens = {t.name: t for t in session.scalars(select(ApiToken))}
    return {
        "anonymous": Actor.anonymous(),
        "coordinator": world.coordinator,
        "health_admin": world.health_admin,
        "health_editor": world.health_editor,
        "lands_admin": world.lands_admin,
        "health_token": Actor.of_token(tokens["health sync"]),
        "lands_token": Actor.of_token(tokens["lands sync"]),
    }


def test_every_role_against_every_domain_action(app, db, world):
    assert set(ACTIONS) == set(EXPECTED)
    with app.app_context():
        with db.transaction() as session:
            agency.save_service(session, Actor.system(), {**_new("vaccination"), "status": "published"})
            agency.apply_for_account(session, agency_name="Fishery Board", contact_name="Ana", email="ana@fish.example")
            agency.save_office(session, Actor.system(), _office("health-office"))
        with db.sessions() as session:
            actors = _actors(session, world)
        wrong = []
        for action, do in ACTIONS.items():
            for name in ACTORS:
                with db.sessions() as session, session.begin():
                    try:
                        do(session, actors[name], world)
                        allowed = True
                    except agency.PermissionDenied:
                        allowed = False
                    session.rollback()
                if allowed != (name in EXPECTED[action]):
                    wrong.append(f"{name} {'may' if allowed else 'may not'} {action}")
        assert wrong == []


API_OPERATIONS = {
    "create": ("POST", "/api/v1/services", lambda w: _hsds(w, "7d7f5a2e-0000-4000-8000-00000000000a")),
    "replace": ("PUT", "/api/v1/services/{draft}", lambda w: _hsds(w, w.service_id("clinic-permit"))),
    "patch": ("PATCH", "/api/v1/services/{draft}", lambda w: {"name": "Clinic"}),
    "retire": ("DELETE", "/api/v1/services/{published}", lambda w: None),
    "bulk": ("POST", "/api/v1/services/bulk", lambda w: [_hsds(w, "7d7f5a2e-0000-4000-8000-00000000000b")]),
}
# The status each kind of caller gets from each operation on the Ministry of Health's services.
API_EXPECTED = {
    "no token": 401,
    "malformed header": 401,
    "revoked token": 401,
    "lands token": 403,
    "health token": {"create": 201, "replace": 200, "patch": 200, "retire": 200, "bulk": 200},
}


def _hsds(world, service_id: str) -> dict:
    return {"id": service_id, "name": "Clinic", "status": "inactive", "organization_id": world.health}


def test_every_caller_against_every_api_operation(app, db, client, world):
    headers = {
        "no token": {},
        "malformed header": {"Authorization": f"Token {world.health_token}"},
        "revoked token": {"Authorization": f"Bearer {world.revoked_token}"},
        "lands token": {"Authorization": f"Bearer {world.lands_token}"},
        "health token": {"Authorization": f"Bearer {world.health_token}"},
    }
    ids = {"draft": world.service_id("clinic-permit"), "published": world.service_id("vaccination")}
    wrong = []
    for operation, (method, path, body) in API_OPERATIONS.items():
        # Refusals first: they must change nothing, so the allowed call still finds the records as they were.
        for caller in ("no token", "malformed header", "revoked token", "lands token", "health token"):
            expected = API_EXPECTED[caller]
            expected = expected[operation] if isinstance(expected, dict) else expected
            response = client.open(path.format(**ids), method=method, json=body(world), headers=headers[caller])
            if response.status_code != expected:
                wrong.append(f"{caller} {operation}: {response.status_code}, expected {expected}")
            elif expected >= 400:
                assert response.mimetype == "application/problem+json"
    assert wrong == []
    with app.app_context(), db.sessions() as session:
        assert service(session, "vaccination").status is ServiceStatus.RETIRED


def test_lockout_after_repeated_failures(app, db, world):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "198.51.100.7"}):
        for _ in range(app.config["FINDER"].lockout_threshold - 1):
            with pytest.raises(agency.LoginFailed):
                agency.authenticate("health-admin@gov.example", "wrong password")
        with pytest.raises(agency.AccountLocked) as locked:
            agency.authenticate("health-admin@gov.example", "wrong password")
        assert locked.value.until > dt.datetime.now(dt.UTC).replace(tzinfo=None)
        # Even the right password is refused while locked.
        with pytest.raises(agency.AccountLocked):
            agency.authenticate("health-admin@gov.example", "Tangerine-Lighthouse-907")
    with db.sessions() as session:
        actions = [e.action for e in agency.audit_log(session, world.coordinator, per_page=100)[0]]
        assert (
            actions.count("login.lockout") == 1 and actions.count("login.failed") == 6
        )  # five wrong, one while locked
        stored = session.scalars(select(agency.AuditEvent.client).where(agency.AuditEvent.action == "login.failed"))
        assert "198.51.100.7" not in set(stored)


def test_login_success_and_per_address_limit(app, db, world):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        user = agency.authenticate(" Health-Editor@gov.example ", "Tangerine-Lighthouse-907")
        assert user.role == Role.AGENCY_EDITOR
    app.config["FINDER"] = app.config["FINDER"].with_overrides({"login_rate_limit": "3/minute"})
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.10"}):
        for _ in range(3):
            with pytest.raises(agency.LoginFailed):
                agency.authenticate("nobody@gov.example", "whatever it is")
        with pytest.raises(agency.TooManyAttempts):
            agency.authenticate("health-editor@gov.example", "Tangerine-Lighthouse-907")
    with db.sessions() as session:
        assert session.get(User, user.id).last_login_at is not None


def test_applications_are_approved_into_an_invitation_for_the_first_admin(app, db, world, sent_mail):
    with app.app_context(), db.transaction() as session:
        application = agency.apply_for_account(
            session, agency_name="Fishery Board", contact_name="Ana Costa", email="Ana@Fish.example"
        )
        new_agency, invitation, link = agency.approve_application(session, world.coordinator, application.id)
        assert new_agency.slug == "fishery-board" and invitation.role == Role.AGENCY_ADMIN
        assert application.status == ApplicationStatus.APPROVED
        assert sent_mail[0][0] == "ana@fish.example" and link in sent_mail[0][2]
        token = link.rsplit("/", 1)[1]
        assert invitation.token_hash != token
        admin = agency.accept_invitation(session, token, "Mackerel-Harbour-Lantern-3")
        assert admin.agency_id == new_agency.id
        with pytest.raises(agency.TokenInvalid):
            agency.accept_invitation(session, token, "Mackerel-Harbour-Lantern-3")
        _, editor_link = agency.invite(
            session, Actor.of_user(admin), new_agency.id, "ed@fish.example", Role.AGENCY_EDITOR
        )
        invitation = agency.pending_invitation(session, editor_link.rsplit("/", 1)[1])
        invitation.expires_at = dt.datetime(2000, 1, 1)
        with pytest.raises(agency.TokenInvalid):
            agency.pending_invitation(session, editor_link.rsplit("/", 1)[1])


def test_mail_is_in_the_language_the_action_was_taken_in(app, db, world, sent_mail):
    # The agency pages take ?lang=; a French-speaking admin invites, a French-speaking editor asks for a reset.
    with app.test_request_context("/agency/people?lang=fr"), db.transaction() as session:
        flask.g.language = "fr"
        _, link = agency.invite(session, world.health_admin, world.health, "ana@health.example", Role.AGENCY_EDITOR)
        reset = agency.request_password_reset(session, "health-editor@gov.example")
        application = agency.apply_for_account(
            session, agency_name="Fishery Board", contact_name="Ana Costa", email="ana@fish.example"
        )
        agency.reject_application(session, world.coordinator, application.id, "Pas une agence publique.")
    (_, invite_subject, invite_body), (_, reset_subject, reset_body), (_, reject_subject, reject_body) = sent_mail
    assert link.endswith("?lang=fr") and reset.endswith("?lang=fr")
    assert invite_subject == "Rejoindre Ministry of Health sur Service Finder" and invite_body.endswith(link + "\n")
    assert "mot de passe" in reset_body and reset_body.endswith(reset + "\n") and "mot de passe" in reset_subject
    assert "Pas une agence publique." in reject_body and reject_subject != "Your Service Finder application"
    # The link opens the invitation (the language parameter is not part of its token).
    with db.transaction() as session:
        assert agency.pending_invitation(session, link.rsplit("/", 1)[1].split("?")[0]).email == "ana@health.example"


def test_the_review_queue_holds_what_each_may_publish(app, db, world):
    with app.app_context(), db.transaction() as session:
        agency.transition(session, service(session, "clinic-permit"), ServiceStatus.SUBMITTED, world.health_editor)
        lands = agency.save_service(
            session, world.lands_admin, {"slug": "survey", "agency": "lands", "name": "Survey", "summary": "Maps."}
        ).service
        agency.transition(session, lands, ServiceStatus.SUBMITTED, world.lands_admin)
        queues = {
            name: [s.slug for s in agency.review_queue(session, actor)]
            for name, actor in (
                ("coordinator", world.coordinator),
                ("health_admin", world.health_admin),
                ("health_editor", world.health_editor),
                ("lands_admin", world.lands_admin),
            )
        }
    assert queues == {
        "coordinator": ["clinic-permit", "survey"],
        "health_admin": ["clinic-permit"],
        "health_editor": [],
        "lands_admin": ["survey"],
    }
