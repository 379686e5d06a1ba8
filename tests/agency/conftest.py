"""A small world for the agency tests: two agencies, their people and tokens, a few services."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher

from finder import agency
from finder.agency import Actor, Role, passwords
from finder.catalogue.import_export.native import FORMAT, import_document
from finder.catalogue.import_export.problems import Problems
from finder.catalogue.models import Agency, Service, derived_id

PASSWORD = "Tangerine-Lighthouse-907"

CATALOGUE = {
    "format": FORMAT,
    "agencies": [{"slug": "health", "name": "Ministry of Health"}, {"slug": "lands", "name": "Lands Office"}],
    "services": [
        {
            "slug": "vaccination",
            "agency": "health",
            "name": "Vaccination",
            "summary": "Get vaccinated.",
            "status": "published",
            "last_reviewed": "2020-01-01",
        },
        {
            "slug": "clinic-permit",
            "agency": "health",
            "name": "Clinic permit",
            "summary": "Open a clinic.",
            "status": "draft",
        },
        {
            "slug": "land-title",
            "agency": "lands",
            "name": "Land title",
            "summary": "Register land.",
            "status": "published",
        },
    ],
}


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch):
    """The production argon2 cost takes a second a hash on a busy test machine; tests check behaviour, not cost."""
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@dataclass
class World:
    health: str
    lands: str
    coordinator: Actor
    health_admin: Actor
    health_editor: Actor
    lands_admin: Actor
    health_token: str
    lands_token: str
    revoked_token: str

    def service_id(self, slug: str) -> str:
        return derived_id("service", slug)


@pytest.fixture
def sent_mail(app) -> list[tuple[str, str, str]]:
    """The mail the app sends during the test, as (to, subject, body), instead of sending it."""
    sent: list[tuple[str, str, str]] = []

    class Captured:
        def send(self, to: str, subject: str, body: str) -> None:
            sent.append((to, subject, body))

    app.extensions["finder.mailer"] = Captured()
    return sent


def load_catalogue(db) -> None:
    with db.transaction() as session:
        import_document(session, CATALOGUE, Problems("test"))


@pytest.fixture
def world(app, db) -> World:
    load_catalogue(db)
    health, lands = derived_id("agency", "health"), derived_id("agency", "lands")
    with app.app_context(), db.transaction() as session:
        coordinator = agency.create_coordinator(session, "coord@gov.example", PASSWORD)
        users = {
            name: agency.create_user(session, f"{name}@gov.example", PASSWORD, role, agency_id)
            for name, role, agency_id in (
                ("health-admin", Role.AGENCY_ADMIN, health),
                ("health-editor", Role.AGENCY_EDITOR, health),
                ("lands-admin", Role.AGENCY_ADMIN, lands),
            )
        }
        system = Actor.system()
        _, health_token = agency.create_token(session, system, health, "health sync")
        _, lands_token = agency.create_token(session, system, lands, "lands sync")
        revoked, revoked_token = agency.create_token(session, system, health, "old")
        agency.revoke_token(session, system, revoked.id)
        return World(
            health=health,
            lands=lands,
            coordinator=Actor.of_user(coordinator),
            health_admin=Actor.of_user(users["health-admin"]),
            health_editor=Actor.of_user(users["health-editor"]),
            lands_admin=Actor.of_user(users["lands-admin"]),
            health_token=health_token,
            lands_token=lands_token,
            revoked_token=revoked_token,
        )


def service(session, slug: str) -> Service:
    return session.get(Service, derived_id("service", slug))


def agency_row(session, slug: str) -> Agency:
    return session.get(Agency, derived_id("agency", slug))
