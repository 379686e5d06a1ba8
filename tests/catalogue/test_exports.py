"""Exports through the `finder` command: HSDS, native and schema.org JSON-LD."""

from __future__ import annotations

import json

from click.testing import CliRunner
from flask.cli import ScriptInfo

from finder.cli import main


def _export(app, *args: str) -> object:
    result = CliRunner().invoke(main, ["catalogue", "export", *args], obj=ScriptInfo(create_app=lambda: app))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_jsonld_describes_each_published_service_as_a_government_service(demo_app):
    document = _export(demo_app, "--format", "jsonld")
    assert document["@context"] == "https://schema.org"
    graph = document["@graph"]
    assert len(graph) >= 150
    assert {item["@type"] for item in graph} == {"GovernmentService"}
    assert all(item["provider"]["@type"] == "GovernmentOrganization" for item in graph)
    with_offices = [item for item in graph if "serviceLocation" in item.get("availableChannel", {})]
    place = with_offices[0]["availableChannel"]["serviceLocation"][0]
    assert place["@type"] == "GovernmentOffice"
    assert place["openingHoursSpecification"][0]["dayOfWeek"]
    assert any("serviceUrl" in item.get("availableChannel", {}) for item in graph)
    assert any(offer.get("priceCurrency") == "MRD" for item in graph for offer in item.get("offers", []))


def test_jsonld_in_arabic_with_public_links(demo_url):
    from tests.conftest import make_app

    app = make_app(demo_url, public_url="https://services.gov.example")
    graph = _export(app, "--format", "jsonld", "--lang", "ar")["@graph"]
    assert all(item["inLanguage"] == "ar" for item in graph)
    assert all(item["url"].startswith("https://services.gov.example/ar/services/") for item in graph)
    assert any("\u0600" <= ch <= "\u06ff" for ch in graph[0]["name"])


def test_hsds_export_in_french(demo_app):
    records = _export(demo_app, "--format", "hsds", "--lang", "fr")
    assert len(records) >= 150
    assert all({"id", "name", "status", "organization"} <= set(r) for r in records)
    assert any("é" in r["name"] or "è" in r["name"] for r in records)


def test_native_export_to_a_file(demo_app, tmp_path):
    target = tmp_path / "catalogue.json"
    result = CliRunner().invoke(
        main,
        ["catalogue", "export", "--format", "native", "-o", str(target)],
        obj=ScriptInfo(create_app=lambda: demo_app),
    )
    assert result.exit_code == 0, result.output
    document = json.loads(target.read_text())
    assert document["format"] == "service-finder/1"
    assert len(document["life_events"]) >= 12
