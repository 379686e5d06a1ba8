"""The publishing workflow and the version history, through the domain face."""

from __future__ import annotations

import pytest

from finder import agency, search
from finder.agency import Actor, WorkflowError
from finder.catalogue.models import ServiceStatus

from .conftest import service


def _record(**overrides):
    return {
        "slug": "maternity-grant",
        "agency": "health",
        "name": "Maternity grant",
        "summary": "Money for a new baby.",
        **overrides,
    }


def _found(session, text: str) -> list[str]:
    return [hit.slug for hit in search.search(session, search.SearchRequest(text=text, language="en")).hits]


def test_editor_drafts_and_submits_admin_publishes_and_search_finds_it(app, db, world):
    with app.app_context(), db.transaction() as session:
        saved = agency.save_service(session, world.health_editor, _record(), create=True)
        assert saved.created and saved.service.status is ServiceStatus.DRAFT and saved.version.number == 1
        assert _found(session, "maternity grant") == []
        agency.transition(session, saved.service, ServiceStatus.SUBMITTED, world.health_editor)
        with pytest.raises(agency.PermissionDenied):
            agency.transition(session, saved.service, ServiceStatus.PUBLISHED, world.health_editor)
        agency.transition(session, saved.service, ServiceStatus.PUBLISHED, world.health_admin)
    # The index follows the catalogue in the same transaction: findable as soon as it commits.
    with app.app_context(), db.transaction() as session:
        assert "maternity-grant" in _found(session, "maternity grant")
        events = [e.action for e in agency.audit_log(session, world.coordinator)[0]]
        assert events[:2] == ["service.publish", "service.submit"]


def test_transitions_outside_the_workflow_are_refused(app, db, world):
    with app.app_context(), db.transaction() as session:
        draft = service(session, "clinic-permit")
        with pytest.raises(WorkflowError):
            agency.transition(session, draft, ServiceStatus.RETIRED, world.coordinator)
        with pytest.raises(WorkflowError):
            agency.save_service(session, world.health_admin, _record(status="retired"), create=True)


def test_retiring_points_to_the_replacement(app, db, world):
    with app.app_context(), db.transaction() as session:
        old, new = service(session, "vaccination"), service(session, "clinic-permit")
        agency.transition(session, new, ServiceStatus.PUBLISHED, world.health_admin)
        agency.transition(session, old, ServiceStatus.RETIRED, world.health_admin, replaced_by=new)
        assert old.status is ServiceStatus.RETIRED and old.replaced_by_id == new.id
    with db.transaction() as session:
        assert "vaccination" not in _found(session, "vaccination")


def test_an_editors_change_to_a_published_service_returns_it_to_draft(app, db, world):
    with app.app_context(), db.transaction() as session:
        record = {**_record(), "slug": "vaccination", "name": "Vaccination", "status": "published"}
        saved = agency.save_service(session, world.health_editor, record, create=False)
        assert saved.service.status is ServiceStatus.DRAFT
        saved = agency.save_service(session, world.health_admin, {**record, "summary": "Jabs."}, create=False)
        assert saved.service.status is ServiceStatus.PUBLISHED


def test_versions_diff_and_restore(app, db, world):
    with app.app_context(), db.transaction() as session:
        first = agency.save_service(session, world.health_admin, _record(), create=True).version
        second = agency.save_service(
            session,
            world.health_admin,
            _record(summary="A grant for parents.", translations={"fr": {"name": "Allocation de maternité"}}),
        ).version
        assert second.number == 2 and second.changed_fields == ["summary", "translations"]
        changes = {c.field: (c.before, c.after) for c in agency.diff(first, second)}
        assert changes == {
            "summary": ("Money for a new baby.", "A grant for parents."),
            "translations.fr.name": (None, "Allocation de maternité"),
        }
        restored = agency.restore(session, first, world.health_editor)
        assert restored.version.number == 3 and restored.version.note == "restored version 1"
        assert restored.service.summary == "Money for a new baby." and restored.service.translations == {}
        history = agency.versions(session, world.health_editor, restored.service)
        assert [v.number for v in history] == [3, 2, 1]
        assert history[0].actor == "health-editor@gov.example"
        with pytest.raises(agency.PermissionDenied):
            agency.versions(session, world.lands_admin, restored.service)


def test_saving_the_same_record_again_keeps_no_new_version(app, db, world):
    with app.app_context(), db.transaction() as session:
        agency.save_service(session, world.health_admin, _record(), create=True)
        assert agency.save_service(session, world.health_admin, _record()).version is None


def test_stale_services_and_confirming(app, db, world):
    import datetime as dt

    today = dt.date(2026, 11, 26)
    with app.app_context(), db.transaction() as session:
        stale = agency.stale_services(session, world.coordinator, months=12, today=today)
        assert [s.slug for s in stale] == ["land-title", "vaccination"]  # never reviewed first, then oldest
        own = agency.stale_services(session, world.health_editor, months=12, agency_id=world.health, today=today)
        assert [s.slug for s in own] == ["vaccination"]
        with pytest.raises(agency.PermissionDenied):
            agency.stale_services(session, world.health_admin, months=12, today=today)
        version = agency.confirm_reviewed(session, service(session, "vaccination"), world.health_editor, today=today)
        assert version.note == "confirmed still correct"
        assert [s.slug for s in agency.stale_services(session, world.coordinator, months=12, today=today)] == [
            "land-title"
        ]
        with pytest.raises(agency.PermissionDenied):
            agency.confirm_reviewed(session, service(session, "land-title"), Actor.anonymous())


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2026-11-26", 12, "2025-11-26"),
        ("2026-05-31", 3, "2026-02-28"),
        ("2024-05-31", 3, "2024-02-29"),
        ("2026-01-15", 1, "2025-12-15"),
        ("2026-03-31", 1, "2026-02-28"),
    ],
)
def test_months_before(day, months, expected):
    import datetime as dt

    from finder.agency.review import months_before

    assert months_before(dt.date.fromisoformat(day), months) == dt.date.fromisoformat(expected)
