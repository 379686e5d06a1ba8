"""The whole agency journey through the domain face, ending with a citizen finding the service: an agency applies,
the coordinator approves, the first admin joins and invites an editor, the editor drafts in two languages and
submits, the admin publishes, and search (directly and through the API) finds it in both languages."""

from __future__ import annotations

from finder import agency, search
from finder.agency import Actor, Role
from finder.catalogue.models import ServiceStatus

PASSWORDS = {"admin": "Mackerel-Harbour-Lantern-3", "editor": "Copper-Kettle-Meadow-51"}


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


def test_from_application_to_a_citizen_finding_the_service(app, db, client):
    with app.app_context(), db.transaction() as session:
        coordinator = agency.create_coordinator(session, "chief@gov.example", "Granite-Observatory-Willow-4")
        application = agency.apply_for_account(
            session, agency_name="Fisheries Board", contact_name="Ana Costa", email="ana@fish.example"
        )
    with app.app_context(), db.transaction() as session:
        fisheries, _, admin_link = agency.approve_application(session, Actor.of_user(coordinator), application.id)
    with app.app_context(), db.transaction() as session:
        admin = agency.accept_invitation(session, _token(admin_link), PASSWORDS["admin"])
        _, editor_link = agency.invite(
            session, Actor.of_user(admin), fisheries.id, "ed@fish.example", Role.AGENCY_EDITOR
        )
    with app.app_context(), db.transaction() as session:
        agency.accept_invitation(session, _token(editor_link), PASSWORDS["editor"])
    with app.test_request_context():
        editor = Actor.of_user(agency.authenticate("ed@fish.example", PASSWORDS["editor"]))
        admin = Actor.of_user(agency.authenticate("ana@fish.example", PASSWORDS["admin"]))

    record = {
        "slug": "fishing-licence",
        "agency": fisheries.slug,
        "name": "Get a fishing licence",
        "summary": "Fish in rivers and lakes legally.",
        "channels": [
            {"kind": "online", "value": "https://fish.example/licence"},
            {"kind": "sms", "value": "+44 7700 900123"},
        ],
        "translations": {"fr": {"name": "Obtenir un permis de pêche", "summary": "Pêcher légalement en rivière."}},
    }
    with app.app_context(), db.transaction() as session:
        saved = agency.save_service(session, editor, record, create=True)
        assert saved.service.status is ServiceStatus.DRAFT
        assert saved.service.channels[1].value == "+447700900123"
        assert agency.untranslated(saved.service, ("en", "fr"), "en") == {}
        agency.transition(session, saved.service, ServiceStatus.SUBMITTED, editor)
    with app.app_context(), db.transaction() as session:
        queue = agency.review_queue(session, admin)
        assert [s.slug for s in queue] == ["fishing-licence"]
        agency.transition(session, queue[0], ServiceStatus.PUBLISHED, admin)

    with db.sessions() as session:
        for text, language in (("fishing licence", "en"), ("permis de pêche", "fr")):
            hits = search.search(session, search.SearchRequest(text=text, language=language)).hits
            assert [h.slug for h in hits][:1] == ["fishing-licence"], (text, hits)
    body = client.get("/api/v1/services", query_string={"search": "permis de peche", "lang": "fr"}).get_json()
    assert body["contents"][0]["name"] == "Obtenir un permis de pêche"
    with db.sessions() as session:
        history = agency.versions(session, Actor.of_user(coordinator), queue[0])
        assert [(v.status, v.actor) for v in reversed(history)] == [
            ("draft", "ed@fish.example"),
            ("submitted", "ed@fish.example"),
            ("published", "ana@fish.example"),
        ]
