"""The write API: token authentication, one transaction per request, problem+json with a pointer per bad field,
and every answer valid against the OpenAPI document."""

from __future__ import annotations

import jsonschema
import pytest
from sqlalchemy import func, select

from finder import search
from finder.agency import ApiToken, AuditEvent
from finder.catalogue.models import Service, ServiceStatus, derived_id

NATIVE = "application/vnd.service-finder+json"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _hsds(world, **overrides):
    return {
        "id": "7d7f5a2e-0000-4000-8000-000000000001",
        "name": "Maternity grant",
        "description": "Money for a new baby. Apply within three months.",
        "status": "active",
        "organization_id": world.health,
        **overrides,
    }


def _count(db) -> int:
    with db.sessions() as session:
        return session.scalar(select(func.count()).select_from(Service))


def check_against_openapi(client, method: str, path: str, response) -> None:
    """Validate a real response with the schema the OpenAPI document gives for it."""
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"][path][method]
    declared = operation["responses"][str(response.status_code)]
    if "$ref" in declared:
        declared = document["components"]["responses"][declared["$ref"].rsplit("/", 1)[1]]
    if "content" not in declared:
        assert response.data == b""
        return
    media = response.mimetype
    assert media in declared["content"], f"{method} {path} {response.status_code} answered {media}"
    # The schema's references ("#/components/...") resolve against the document's components.
    schema = {"components": document["components"], **declared["content"][media]["schema"]}
    jsonschema.Draft202012Validator(schema).validate(response.get_json())


def test_create_publishes_at_once_for_the_agency_and_is_found(app, db, client, world):
    response = client.post("/api/v1/services", json=_hsds(world), headers=_auth(world.health_token))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "published" and body["created"] and body["version"] == 1
    assert response.headers["Location"].endswith(f"/api/v1/services/{body['id']}")
    check_against_openapi(client, "post", "/services", response)
    assert client.get(f"/api/v1/services/{body['id']}").get_json()["name"] == "Maternity grant"
    with db.sessions() as session:
        hits = search.search(session, search.SearchRequest(text="maternity grant", language="en")).hits
        assert [h.service_id for h in hits] == [body["id"]]


def test_native_records_by_content_type(app, db, client, world):
    record = {
        "slug": "eye-test",
        "agency": "health",
        "name": "Eye test",
        "summary": "Free eye tests.",
        "status": "submitted",
    }
    response = client.post(
        "/api/v1/services", json=record, headers={**_auth(world.health_token), "Content-Type": NATIVE}
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "submitted"


def test_put_patch_and_delete(app, db, client, world):
    sid = world.service_id("clinic-permit")
    put = client.put(
        f"/api/v1/services/{sid}",
        json=_hsds(world, id=sid, name="Clinic licence", status="inactive"),
        headers=_auth(world.health_token),
    )
    assert put.status_code == 200, put.get_json()
    check_against_openapi(client, "put", "/services/{id}", put)
    patch = client.patch(
        f"/api/v1/services/{sid}",
        data='{"description": "Licence to open a private clinic.", "status": "active"}',
        headers={**_auth(world.health_token), "Content-Type": "application/merge-patch+json"},
    )
    assert patch.status_code == 200, patch.get_json()
    assert patch.get_json()["status"] == "published" and patch.get_json()["version"] == 2
    check_against_openapi(client, "patch", "/services/{id}", patch)
    gone = client.delete(
        f"/api/v1/services/{world.service_id('vaccination')}?replaced_by={sid}", headers=_auth(world.health_token)
    )
    assert gone.status_code == 200 and gone.get_json()["status"] == "retired"
    check_against_openapi(client, "delete", "/services/{id}", gone)
    with db.sessions() as session:
        retired = session.get(Service, world.service_id("vaccination"))
        assert retired.status is ServiceStatus.RETIRED and retired.replaced_by_id == sid
        assert session.get(Service, sid).name == "Clinic licence"


def test_deleting_a_never_published_draft_removes_it(app, db, client, world):
    response = client.delete(f"/api/v1/services/{world.service_id('clinic-permit')}", headers=_auth(world.health_token))
    assert response.status_code == 204
    check_against_openapi(client, "delete", "/services/{id}", response)
    with db.sessions() as session:
        assert session.get(Service, world.service_id("clinic-permit")) is None


def test_bulk_is_all_or_nothing(app, db, client, world):
    before = _count(db)
    good = _hsds(world)
    bad = _hsds(world, id="7d7f5a2e-0000-4000-8000-000000000002", status="sometimes")
    response = client.post("/api/v1/services/bulk", json=[good, bad], headers=_auth(world.health_token))
    assert response.status_code == 422
    assert [e["pointer"] for e in response.get_json()["errors"]] == ["/1/status"]
    check_against_openapi(client, "post", "/services/bulk", response)
    assert _count(db) == before
    response = client.post(
        "/api/v1/services/bulk", json=[good, {**bad, "status": "inactive"}], headers=_auth(world.health_token)
    )
    assert response.status_code == 200
    assert [s["status"] for s in response.get_json()["services"]] == ["published", "draft"]
    check_against_openapi(client, "post", "/services/bulk", response)
    assert _count(db) == before + 2


BAD_INPUT = [
    # (method, path, body, content type, status, pointers)
    ("post", "/services", {"name": "No id", "status": "active"}, None, 422, ["/id", "/organization_id"]),
    ("post", "/services", "HSDS", None, 422, ["/status"]),
    ("post", "/services", "HSDS with a bad phone", None, 422, ["/phones/1/number"]),
    (
        "post",
        "/services",
        {
            "slug": "x",
            "agency": "health",
            "name": "X",
            "summary": "Y.",
            "channels": [{"kind": "online", "value": "not a url"}],
        },
        NATIVE,
        422,
        ["/channels/0/value"],
    ),
    ("post", "/services", {"slug": "Bad Slug!", "agency": "nowhere", "name": "X"}, NATIVE, 422, ["/slug", "/summary"]),
    ("post", "/services", {"slug": "x", "agency": "nowhere", "name": "X", "summary": "Y."}, NATIVE, 422, ["/agency"]),
    (
        "put",
        "/services/{draft}",
        {"id": "another-id", "name": "X", "status": "active", "organization_id": "{health}"},
        None,
        409,
        ["/id"],
    ),
    (
        "put",
        "/services/{draft}",
        {"id": "{draft}", "name": "X", "status": "active", "organization_id": "nowhere"},
        None,
        422,
        ["/organization_id"],
    ),
    ("patch", "/services/{draft}", {"name": 5}, "application/merge-patch+json", 422, ["/name"]),
    ("patch", "/services/{draft}", {"summary": None}, NATIVE, 422, ["/summary"]),
    ("delete", "/services/{published}?replaced_by=nothing", None, None, 422, ["/replaced_by"]),
]


@pytest.mark.parametrize(("method", "path", "body", "media", "status", "pointers"), BAD_INPUT)
def test_bad_input_names_each_field_and_writes_nothing(
    app, db, client, world, method, path, body, media, status, pointers
):
    names = {
        "draft": world.service_id("clinic-permit"),
        "published": world.service_id("vaccination"),
        "health": world.health,
    }
    path = path.format(**names)
    if body == "HSDS":
        body = _hsds(world, status="open")
    elif body == "HSDS with a bad phone":
        phones = [
            {"id": f"7d7f5a2e-0000-4000-8000-00000000010{i}", "number": n}
            for i, n in enumerate(["+1 202 555 0100", "555"])
        ]
        body = _hsds(world, phones=phones)
    elif isinstance(body, dict):
        body = {k: v.format(**names) if isinstance(v, str) else v for k, v in body.items()}
    with db.sessions() as session:
        versions_before = session.scalar(select(func.count()).select_from(Service))
    response = client.open(
        f"/api/v1{path}",
        method=method.upper(),
        json=body,
        headers={**_auth(world.health_token), **({"Content-Type": media} if media else {})},
    )
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert sorted(e["pointer"] for e in response.get_json()["errors"]) == sorted(pointers)
    check_against_openapi(
        client, method, path.split("?")[0].replace(names["draft"], "{id}").replace(names["published"], "{id}"), response
    )
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Service)) == versions_before
        assert session.get(Service, names["draft"]).name == "Clinic permit"
        assert session.get(Service, names["published"]).status is ServiceStatus.PUBLISHED


def test_a_body_nested_too_deeply_is_a_problem_not_a_crash(app, client, world):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(
        "/api/v1/services", data=body, headers={**_auth(world.health_token), "Content-Type": "application/json"}
    )
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "The body is nested too deeply."


def test_malformed_bodies(app, client, world):
    bad_json = client.post(
        "/api/v1/services", data="{not json", headers={**_auth(world.health_token), "Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400 and bad_json.mimetype == "application/problem+json"
    wrong_type = client.post(
        "/api/v1/services", data="name=x", headers={**_auth(world.health_token), "Content-Type": "text/plain"}
    )
    assert wrong_type.status_code == 415
    # Who is asking comes first: nothing about the body is said to a caller without a token.
    anonymous = client.post("/api/v1/services", data="name=x", headers={"Content-Type": "text/plain"})
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    not_a_list = client.post("/api/v1/services/bulk", json={"id": "x"}, headers=_auth(world.health_token))
    assert not_a_list.status_code == 422


def test_tokens_are_noted_once_an_hour_and_csrf_does_not_apply(app, db, client, world):
    assert app.extensions["csrf"]  # the app protects its forms; token calls are exempt
    for _ in range(3):
        response = client.put(
            f"/api/v1/services/{world.service_id('clinic-permit')}",
            json=_hsds(world, id=world.service_id("clinic-permit"), status="inactive"),
            headers=_auth(world.health_token),
        )
        assert response.status_code == 200, response.get_data(as_text=True)
    with db.sessions() as session:
        uses = session.scalars(select(AuditEvent).where(AuditEvent.action == "token.use")).all()
        assert len(uses) == 1 and uses[0].actor == "token health sync"
        token = session.scalar(select(ApiToken).where(ApiToken.name == "health sync"))
        assert token.last_used_at is not None
        assert world.health_token not in {token.token_hash, token.prefix}


def test_unknown_services_are_404(app, client, world):
    missing = derived_id("service", "missing")
    for method in ("PUT", "PATCH", "DELETE"):
        response = client.open(
            f"/api/v1/services/{missing}",
            method=method,
            json=_hsds(world, id=missing),
            headers=_auth(world.health_token),
        )
        assert response.status_code == 404, (method, response.get_json())
        check_against_openapi(client, method.lower(), "/services/{id}", response)


def test_another_agencys_office_cannot_be_rewritten_through_a_nested_location(app, db, client, world):
    from finder.catalogue.import_export.native import FORMAT, import_document
    from finder.catalogue.import_export.problems import Problems
    from finder.catalogue.models import Office

    office = {
        "slug": "lands-registry",
        "agency": "lands",
        "name": "Land Registry",
        "address": {"street": "1 Quay St", "city": "Port Alder", "country": "GB"},
    }
    with db.transaction() as session:
        import_document(session, {"format": FORMAT, "offices": [office]}, Problems("test"))
    office_id = derived_id("office", "lands-registry")
    nested = [
        {
            "id": "7d7f5a2e-0000-4000-8000-000000000201",
            "location": {"id": office_id, "location_type": "physical", "name": "Taken over"},
        }
    ]
    response = client.post(
        "/api/v1/services", json=_hsds(world, service_at_locations=nested), headers=_auth(world.health_token)
    )
    assert response.status_code == 422
    assert [e["pointer"] for e in response.get_json()["errors"]] == ["/service_at_locations/0/location"]
    by_id = [{"id": "7d7f5a2e-0000-4000-8000-000000000201", "location_id": office_id}]
    response = client.post(
        "/api/v1/services", json=_hsds(world, service_at_locations=by_id), headers=_auth(world.health_token)
    )
    assert response.status_code == 201, response.get_json()
    with db.sessions() as session:
        assert session.get(Office, office_id).name == "Land Registry"


def test_merge_patch_follows_rfc_7396():
    from finder.api.write import merge_patch

    # The examples of RFC 7396, appendix A.
    assert merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge_patch({"a": "b"}, {"a": None}) == {}
    assert merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert merge_patch({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}) == {"a": {"b": "d"}}
    assert merge_patch({"e": None}, {"a": 1}) == {"e": None, "a": 1}
    assert merge_patch({}, {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}


def test_problem_details_are_in_english_whatever_the_accept_language(app, client, world):
    response = client.post(
        "/api/v1/services",
        json={"slug": "x", "agency": "nowhere", "name": "X", "summary": "Y."},
        headers={**_auth(world.health_token), "Content-Type": NATIVE, "Accept-Language": "fr"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"pointer": "/agency", "detail": "no agency has the slug 'nowhere'"}]


def test_nan_and_infinity_are_refused_by_field(app, db, client, world):
    # Python's json reads them; they are not JSON, and PostgreSQL's json columns refuse them.
    body = '{"slug": "x", "agency": "health", "name": "X", "summary": "Y.", "extra": {"rating": NaN, "ok": [1, -Infinity]}}'
    response = client.post("/api/v1/services", data=body, headers={**_auth(world.health_token), "Content-Type": NATIVE})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert sorted(e["pointer"] for e in response.get_json()["errors"]) == ["/extra/ok/1", "/extra/rating"]
    with db.sessions() as session:
        assert session.scalar(select(Service).where(Service.slug == "x")) is None
