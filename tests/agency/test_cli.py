"""The agency commands, through Flask's CLI runner."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from finder import agency
from finder.agency import User

from .conftest import PASSWORD, load_catalogue


def _invoke(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_create_coordinator_from_stdin_and_from_a_prompt(app, db):
    result = _invoke(app, "users", "create-coordinator", "Chief@Gov.example", "--password-stdin", input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "chief@gov.example" in result.output
    result = _invoke(app, "users", "create-coordinator", "deputy@gov.example", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    with db.sessions() as session:
        assert sorted(session.scalars(select(User.email))) == ["chief@gov.example", "deputy@gov.example"]
        assert PASSWORD not in {u.password_hash for u in session.scalars(select(User))}


@pytest.mark.parametrize(
    ("password", "message"), [("short-1", "at least 12 characters"), ("password1234", "less common password")]
)
def test_weak_passwords_are_refused(app, db, password, message):
    result = _invoke(app, "users", "create-coordinator", "chief@gov.example", "--password-stdin", input=password + "\n")
    assert result.exit_code == 1 and message in result.output
    with db.sessions() as session:
        assert session.scalar(select(User)) is None


def test_token_create_list_and_revoke(app, db):
    load_catalogue(db)
    result = _invoke(app, "tokens", "create", "--agency", "health", "--name", "records system")
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    with app.app_context(), db.transaction() as session:
        token = agency.token_agency(session, secret)
        assert token.name == "records system" and token.token_hash != secret
    listed = _invoke(app, "tokens", "list", "--agency", "health")
    assert token.id in listed.output and secret[:10] in listed.output and secret not in listed.output
    assert _invoke(app, "tokens", "revoke", token.id).exit_code == 0
    with app.app_context(), db.transaction() as session, pytest.raises(agency.TokenInvalid):
        agency.token_agency(session, secret)
    assert _invoke(app, "tokens", "create", "--agency", "nowhere", "--name", "x").exit_code == 1


def test_invitations_print_the_link_without_a_mail_server_and_mail_it_with_one(app, db):
    load_catalogue(db)
    result = _invoke(app, "users", "invite", "--agency", "health", "--role", "editor", "ed@gov.example")
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert "/agency/invitations/" in link
    sent = []

    class Captured:
        def send(self, to, subject, body):
            sent.append((to, body))

    app.extensions["finder.mailer"] = Captured()
    result = _invoke(app, "users", "invite", "--agency", "health", "--role", "admin", "boss@gov.example")
    assert result.exit_code == 0 and "mailed" in result.output
    assert sent[0][0] == "boss@gov.example" and "/agency/invitations/" in sent[0][1]
    assert "/agency/invitations/" not in result.output
    with app.app_context(), db.transaction() as session:
        user = agency.accept_invitation(session, link.rsplit("/", 1)[1], PASSWORD)
        assert user.role == "agency_editor"
    again = _invoke(app, "users", "invite", "--agency", "health", "ed@gov.example")
    assert again.exit_code == 1 and "already has an account" in again.output


def test_applications_approve_and_reject(app, db):
    with app.app_context(), db.transaction() as session:
        first = agency.apply_for_account(
            session, agency_name="Fishery Board", contact_name="Ana", email="ana@fish.example"
        )
        second = agency.apply_for_account(session, agency_name="Fake Ministry", contact_name="Bo", email="bo@x.example")
    listed = _invoke(app, "agency", "applications")
    assert first.id in listed.output and second.id in listed.output
    approved = _invoke(app, "agency", "approve", first.id)
    assert approved.exit_code == 0 and "fishery-board" in approved.output and "/agency/invitations/" in approved.output
    assert _invoke(app, "agency", "reject", second.id, "--reason", "").exit_code == 1
    rejected = _invoke(app, "agency", "reject", second.id, "--reason", "Not a public body.")
    assert rejected.exit_code == 0
    assert _invoke(app, "agency", "applications").output.strip() == "No applications."
    assert _invoke(app, "agency", "approve", second.id).exit_code == 1


def test_stale_report(app, db):
    load_catalogue(db)
    result = _invoke(app, "review", "stale", "--months", "12")
    assert result.exit_code == 0
    assert "2 published service(s)" in result.output
    assert "2020-01-01  vaccination" in result.output and "never       land-title" in result.output
    only = _invoke(app, "review", "stale", "--agency", "lands")
    assert "vaccination" not in only.output and "land-title" in only.output


def test_demo_accounts_only_in_development(app, db):
    load_catalogue(db)
    with app.app_context(), db.transaction() as session, pytest.raises(PermissionError):
        agency.create_demo_accounts(session)
    app.config["FINDER"] = app.config["FINDER"].with_overrides({"env": "development"})
    with app.app_context(), db.transaction() as session:
        assert agency.create_demo_accounts(session) == 3
        assert agency.create_demo_accounts(session) == 0
    with app.test_request_context():
        user = agency.authenticate("admin@health.demo.meridia.example", "Meridia-Demo-Password-2026")
        assert user.role == "agency_admin"


def test_imports_keep_versions_of_what_they_change(app, db, tmp_path):
    import json

    from .conftest import CATALOGUE

    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(CATALOGUE))
    assert _invoke(app, "catalogue", "import", str(path)).exit_code == 0
    changed = {**CATALOGUE, "services": [{**CATALOGUE["services"][0], "summary": "Get your jabs."}]}
    path.write_text(json.dumps(changed))
    assert _invoke(app, "catalogue", "import", str(path)).exit_code == 0
    assert _invoke(app, "catalogue", "import", str(path)).exit_code == 0
    with db.sessions() as session:
        rows = session.scalars(select(agency.ServiceVersion)).all()
        assert sorted((v.snapshot["slug"], v.number) for v in rows) == [
            ("clinic-permit", 1),
            ("land-title", 1),
            ("vaccination", 1),
            ("vaccination", 2),
        ]
        second = next(v for v in rows if v.number == 2)
        assert second.changed_fields == ["summary"] and second.actor == "import"
