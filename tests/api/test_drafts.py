"""Only published services are public."""

from __future__ import annotations

import json

from finder.catalogue import import_path


def test_drafts_and_retired_services_are_not_listed(app, db, client, tmp_path):
    document = {
        "format": "service-finder/1",
        "agencies": [{"slug": "council", "name": "Council"}],
        "services": [
            {"slug": "live", "agency": "council", "name": "Live", "summary": "On.", "status": "published"},
            {"slug": "draft", "agency": "council", "name": "Draft", "summary": "Not yet.", "status": "draft"},
            {"slug": "old", "agency": "council", "name": "Old", "summary": "Gone.", "status": "retired"},
        ],
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps(document))
    with db.transaction() as session:
        import_path(session, path, max_bytes=10**6, default_language="en")
    body = client.get("/api/v1/services").get_json()
    assert [s["name"] for s in body["contents"]] == ["Live"]
    from finder.catalogue.models import derived_id

    assert client.get(f"/api/v1/services/{derived_id('service', 'draft')}").status_code == 404
