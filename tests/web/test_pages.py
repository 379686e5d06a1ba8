"""The citizens' pages on the demo catalogue: languages, every page type, search, facets and errors."""

from __future__ import annotations

import re

import pytest

from finder import catalogue, search

# Its tests log usage events: a copy of the demo database of its own.
pytestmark = pytest.mark.writes_demo

PASSPORT = "report-and-replace-a-lost-or-stolen-passport"


def body(response) -> str:
    return response.get_data(as_text=True)


def service_links(html: str) -> list[str]:
    return re.findall(r'href="/\w\w/services/([^"]+)"', html)


def test_the_front_door_chooses_remembered_then_browser_then_default_language(demo_app):
    client = demo_app.test_client()
    assert client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}).headers["Location"] == "/es/"
    assert client.get("/", headers={"Accept-Language": "de"}).headers["Location"] == "/en/"
    client.get("/ru/")  # choosing a language on any page remembers it
    assert client.get("/", headers={"Accept-Language": "es"}).headers["Location"] == "/ru/"


def test_the_language_switcher_links_the_same_page_in_every_language(demo_client):
    html = body(demo_client.get("/en/search?q=passport&page=1"))
    for code, name in (("fr", "Français"), ("ar", "العربية"), ("zh", "中文"), ("ru", "Русский"), ("es", "Español")):
        assert re.search(
            rf'<a href="/{code}/search\?[^"]*q=passport[^"]*" lang="{code}" hreflang="{code}">{name}</a>', html
        )


def test_an_unknown_language_or_page_is_a_helpful_404(demo_client):
    for path in ("/de/", "/en/services/no-such-service", "/en/agencies/nobody", "/en/life-events/x", "/fr/nowhere"):
        response = demo_client.get(path)
        assert response.status_code == 404 and "<h1>" in body(response), path


@pytest.mark.parametrize(
    "path",
    [
        "/en/services/a%00b",
        "/en/agencies/a%00b",
        "/en/life-events/A%00",
        "/en/categories/" + "a" * 121,
        "/go/a%00b",
        "/e%00/",
    ],
)
def test_addresses_that_cannot_be_catalogue_slugs_are_404_before_any_query(demo_client, path):
    # PostgreSQL refuses a NUL character in a query parameter: it must never reach the database.
    assert demo_client.get(path).status_code == 404


def test_control_characters_in_a_search_are_dropped(demo_client):
    html = body(demo_client.get("/en/search?q=lost%00+pass%07port"))
    assert "Results for “lost passport”" in html
    assert demo_client.get("/en/search?q=x&life_event=a%00b").status_code == 400


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize(
    "path",
    [
        "/{lang}/",
        "/{lang}/a-z",
        "/{lang}/agencies/",
        "/{lang}/agencies/passport-and-immigration-department",
        "/{lang}/life-events/",
        "/{lang}/life-events/having-a-baby",
        "/{lang}/categories/",
        "/{lang}/categories/passports",
        "/{lang}/privacy",
        "/{lang}/search",
        "/{lang}/services/" + PASSPORT,
    ],
)
def test_every_page_type_has_one_h1_the_language_and_its_direction(demo_client, path, language):
    response = demo_client.get(path.format(lang=language))
    html = body(response)
    assert response.status_code == 200
    assert html.count("<h1") == 1
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert 'href="#main"' in html and 'id="main"' in html


def test_home_offers_search_life_events_categories_and_the_sms_number(demo_app):
    html = body(demo_app.test_client().get("/en/"))
    assert re.search(r'<label for="q">[^<]+</label>', html) and 'name="q"' in html
    assert 'href="/en/life-events/having-a-baby"' in html and ">Having a baby<" in html
    assert 'href="/en/categories/tax"' in html and 'href="/en/agencies/"' in html
    assert demo_app.config["FINDER"].sms_number in html


def test_content_missing_in_the_language_is_marked_with_the_language_it_is_in(demo_client):
    # The demo catalogue has no Chinese text: names fall back to English, marked lang="en".
    html = body(demo_client.get(f"/zh/services/{PASSPORT}"))
    assert '<html lang="zh" dir="ltr">' in html
    assert re.search(r'<h1 lang="en">Report and replace a lost or stolen passport</h1>', html)
    assert "立即开始" in html  # the interface itself is in Chinese
    arabic = body(demo_client.get(f"/ar/services/{PASSPORT}"))
    assert re.search(r"<h1>[^<]*جواز[^<]*</h1>", arabic)
    # Numbers and addresses read left to right inside Arabic text; addresses are in the catalogue's language.
    assert '<a dir="ltr" href="tel:+' in arabic and '<span lang="en" dir="ltr">14 Harbour Road' in arabic
    assert '<bdi dir="ltr">+1 202 555 0142</bdi>' in arabic


@pytest.mark.parametrize(("language", "text"), [("en", "lost passport"), ("ar", "جواز سفر")])
def test_search_lists_what_the_search_interface_ranks_first(demo_app, language, text):
    with demo_app.app_context(), demo_app.extensions["finder.db"].sessions() as session:
        expected = search.search(session, search.SearchRequest(text=text, language=language)).hits[0].slug
    html = body(demo_app.test_client().get(f"/{language}/search", query_string={"q": text}))
    assert service_links(html)[0] == expected
    assert "passport" in expected
    assert re.search(r"<ol start=\"1\">", html) and "<mark>" in html


def test_results_show_the_count_agency_facets_and_pages(demo_client):
    html = body(demo_client.get("/en/search?q=certificate"))
    count = int(re.search(r"Services found: (\d+)", html).group(1))
    assert count > 10
    assert len(service_links(html.split('class="facets"')[0])) == 10
    assert 'rel="next"' in html and "Page 1 of" in html
    second = body(demo_client.get("/en/search?q=certificate&page=2"))
    assert '<ol start="11">' in second and 'rel="prev"' in second
    assert set(service_links(second)).isdisjoint(service_links(html.split('class="facets"')[0]))
    facet = re.search(r'href="(/en/search\?[^"]*agency=([\w-]+)[^"]*)">([^<]+)</a> \((\d+)\)', html)
    filtered = body(demo_client.get(facet.group(1).replace("&amp;", "&")))
    assert f"Services found: {facet.group(4)}" in filtered
    assert "Remove filter: " + facet.group(3) in filtered


def test_a_misspelling_gets_did_you_mean(demo_client):
    html = body(demo_client.get("/en/search?q=pasport"))
    assert re.search(r'Did you mean <a href="/en/search\?q=passport">passport</a>\?', html)


def test_zero_results_still_help(demo_app):
    html = body(demo_app.test_client().get("/en/search?q=xqzzyv"))
    assert "Services found: 0" in html
    assert 'href="/en/life-events/having-a-baby"' in html
    settings = demo_app.config["FINDER"]
    assert settings.helpline in html and settings.sms_number in html
    assert 'name="looking_for"' in html and 'action="/en/search/unmet"' in html


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "x" * 201,
        "q=a&page=0",
        "q=a&page=x",
        "q=a&page=101",
        "q=passport&page=90",
        "q=a&category=no-such",
        "q=a&channel=pigeon",
    ],
)
def test_bad_search_parameters_get_a_clear_400(demo_client, query):
    response = demo_client.get("/en/search?" + query)
    assert response.status_code == 400 and "<h1>" in body(response)


def test_browsing_pages_list_their_services(demo_app):
    client = demo_app.test_client()
    with demo_app.app_context(), demo_app.extensions["finder.db"].sessions() as session:
        event = catalogue.life_event(session, "having-a-baby")
        journey = [s.slug for s in catalogue.life_event_journey(session, event)]
    assert service_links(body(client.get("/en/life-events/having-a-baby"))) == journey
    agency = body(client.get("/en/agencies/passport-and-immigration-department"))
    assert PASSPORT in service_links(agency) and '"@type":"GovernmentOrganization"' in agency
    assert PASSPORT in service_links(body(client.get("/en/categories/passports")))
    a_to_z = body(client.get("/en/a-z"))
    assert len(service_links(a_to_z)) == 187 and 'id="letter-1"' in a_to_z


def test_service_page_has_every_part(demo_client):
    html = body(demo_client.get("/en/services/apply-for-first-adult-passport"))
    for heading in ("What it is", "Who can apply", "What you need", "Cost", "How long it takes", "How to apply"):
        assert f">{heading}</h2>" in html
    assert 'href="/go/apply-for-first-adult-passport"' in html and ">Start now<" in html
    assert "Port Alder Passport Office" in html and re.search(r"(Open today: |Closed today)", html)
    assert re.search(r"Last reviewed: \w+ \d+, 2026", html)
    assert re.search(r"<strong>(\$|€|£|[A-Z]{3})?[\d,.]+|<strong>Free</strong>", html)
    assert 'href="/en/agencies/passport-and-immigration-department"' in html
    related = service_links(html.split(">Related services</h2>")[1].split("</section>")[0])
    assert 1 <= len(related) <= 5 and "apply-for-first-adult-passport" not in related
    assert all("passport" in slug or "travel" in slug for slug in related)  # the same category: passports
    assert 'name="useful" value="yes"' in html and 'name="useful" value="no"' in html
    assert 'name="comment"' in html and "personal details" in html
    assert '"@type":"GovernmentService"' in html


def test_service_page_formats_in_the_visitors_language(demo_client):
    html = body(demo_client.get("/fr/services/apply-for-first-adult-passport"))
    assert re.search(r"Dernière vérification : \d+ septembre 2026", html)
