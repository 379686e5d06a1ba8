"""The metrics pages: the coordinator's and an agency's dashboards and the public performance page show the report's
numbers for known traffic; their CSV and JSON exports are the report's; who may see what; filters; suppression."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest

from finder.catalogue.models import Service
from finder.metrics import dashboards
from finder.metrics.charts import LABEL_WIDTH, PADDING, VALUE_WIDTH, WIDTH, bar_chart
from tests.channels.twilio.conftest import TOKEN, Phone
from tests.metrics.conftest import BIRTH, CIVIL_AGENCY, PASSPORT, TRAVEL_AGENCY, cells, drive_traffic, sign_in
from tests.web.test_marked_strings import unmarked_in_template

TEMPLATES = Path(__file__).resolve().parents[2] / "finder" / "metrics" / "templates"


def cli_report(app, *args: str) -> str:
    today = dt.datetime.now(dt.UTC).date().isoformat()
    result = app.test_cli_runner().invoke(args=["metrics", "report", "--from", today, "--to", today, *args])
    assert result.exit_code == 0, result.output
    return result.output


def today_range() -> str:
    today = dt.datetime.now(dt.UTC).date().isoformat()
    return f"from={today}&to={today}"


def test_the_coordinator_dashboard_and_its_exports_show_the_reports_numbers(app, client, people):
    drive_traffic(app, client)
    report = json.loads(cli_report(app, "--format", "json"))  # rolls up first, as the server's timer would
    sign_in(app, client, people["coordinator"])
    response = client.get(f"/coordinator/metrics?{today_range()}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = cells(page)

    # The traffic, exactly.
    assert (shown["searches-total"], shown["zero_result_searches-total"]) == ("37", "5")
    assert (shown["service_views-total"], shown["click_outs-total"], shown["sms_in-total"]) == ("12", "4", "9")
    assert (shown["searches-api"], shown["searches-web"], shown["searches-sms"]) == ("25", "8", "4")
    # And every count and rate of the metrics table is the report's.
    assert_the_page_shows(app, shown, report)
    assert shown["satisfaction-total"] == "75.0%" and shown["zero_result_rate-whatsapp"] == "not available"
    assert (shown["language-en"], shown["language-fr"]) == ("29", "8")
    assert (shown["visitors-web"], shown["visitors-sms"]) == ("3", "9")
    assert (shown[f"{PASSPORT}-views"], shown[f"{PASSPORT}-clicks"], shown[f"{PASSPORT}-top"]) == ("8", "4", "24")
    assert shown[f"{BIRTH}-views"] == "4" and "Renew your passport" in page and "Travel Office" in page
    assert shown["zero-1"] == "5" and "<bdi>qqqzzx</bdi>" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "<desc id=" in page

    # Every table as CSV, and the whole report as JSON, are the report command's.
    for table in dashboards.TABLES:
        export = client.get(f"/coordinator/metrics?{today_range()}&format=csv&table={table}")
        assert export.status_code == 200 and export.mimetype == "text/csv"
        assert "attachment" in export.headers["Content-Disposition"]
        assert export.get_data(as_text=True) == cli_report(app, "--format", "csv", "--table", table)
    export = client.get(f"/coordinator/metrics?{today_range()}&format=json")
    assert export.get_json() == report


def assert_the_page_shows(app, shown: dict[str, str], report: dict) -> None:
    """Every count and rate of the page's figures table is the report's, in every channel."""
    with app.test_request_context():
        for key in dashboards.METRIC_ROWS:
            render = dashboards.rate if key.endswith("rate") or key == "satisfaction" else dashboards.count
            assert shown[f"{key}-total"] == render(report[key]["total"]), key
            for channel, value in report[key]["by_channel"].items():
                assert shown[f"{key}-{channel}"] == render(value), (key, channel)


def test_traffic_through_the_web_pages_the_api_and_the_sms_webhook(app, client, people):
    app.config["FINDER"] = app.config["FINDER"].with_overrides({"twilio_auth_token": TOKEN})
    for path in ["/en/search?q=passport"] * 3 + ["/en/search?q=qqqzzx", "/en/search?q=birth"]:
        assert client.get(path).status_code == 200
    for _ in range(2):
        assert client.get("/en/services/renew-passport").status_code == 200
    for _ in range(4):
        assert client.get("/api/v1/services?search=passport").status_code == 200
    for _ in range(3):
        assert Phone(client).text("passport")
    assert app.extensions["finder.usage_log"].flush()
    report = json.loads(cli_report(app, "--format", "json"))
    assert report["searches"]["by_channel"] == {"web": 5, "sms": 3, "whatsapp": 0, "api": 4}
    assert report["zero_result_searches"]["total"] == 1 and report["service_views"]["by_channel"]["web"] == 2
    assert report["sms_in"]["total"] == 3 and report["sms_out"]["total"] >= 3

    sign_in(app, client, people["coordinator"])
    shown = cells(client.get(f"/coordinator/metrics?{today_range()}").get_data(as_text=True))
    assert_the_page_shows(app, shown, report)
    assert shown["searches-total"] == "12" and shown["sms_in-sms"] == "3"
    sign_in(app, client, people["travel_admin"])
    agency_report = json.loads(cli_report(app, "--format", "json", "--agency", TRAVEL_AGENCY))
    shown = cells(client.get(f"/agency/metrics?{today_range()}").get_data(as_text=True))
    assert_the_page_shows(app, shown, agency_report)
    assert shown[f"{PASSPORT}-views"] == "2"


def test_unmet_demand_is_turned_into_actions(app, client, people, db):
    drive_traffic(app, client)
    cli_report(app)
    sign_in(app, client, people["coordinator"])
    page = client.get(f"/coordinator/metrics?{today_range()}").get_data(as_text=True)
    assert 'href="/agency/vocabulary?add=synonym&amp;query=qqqzzx"' in page
    assert 'href="/agency/vocabulary?add=best-bet&amp;query=qqqzzx"' in page
    # Nothing in the catalogue comes near this query; a query with a word that does names the agency to ask.
    assert "No agency's services come near" in page
    with app.test_request_context(), db.sessions() as session:
        assert dashboards.nearest_agencies(session, "qqqzzx passport", "en") == ["Travel Office"]
        assert dashboards.nearest_agencies(session, "qqqzzx", "en") == []


def test_the_nearest_agencies_are_searched_once_per_catalogue(app, client, people, db, monkeypatch):
    drive_traffic(app, client)
    cli_report(app)
    sign_in(app, client, people["coordinator"])
    asked = []
    search_once = dashboards.nearest_agencies
    monkeypatch.setattr(dashboards, "nearest_agencies", lambda *args: asked.append(args[1:]) or search_once(*args))
    first = client.get(f"/coordinator/metrics?{today_range()}").get_data(as_text=True)
    assert asked == [("qqqzzx", "en")]
    assert client.get(f"/coordinator/metrics?{today_range()}").get_data(as_text=True) == first
    assert asked == [("qqqzzx", "en")]
    # A changed catalogue may bring a service near: asked again.
    with db.transaction() as session:
        session.get(Service, PASSPORT).updated_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    client.get(f"/coordinator/metrics?{today_range()}")
    assert asked == [("qqqzzx", "en")] * 2


def test_an_agency_dashboard_shows_its_own_services_only(app, client, people):
    drive_traffic(app, client)
    report = json.loads(cli_report(app, "--format", "json", "--agency", CIVIL_AGENCY))
    sign_in(app, client, people["civil_editor"])
    page = client.get(f"/agency/metrics?{today_range()}").get_data(as_text=True)
    shown = cells(page)
    assert shown["searches-total"] == "8" == str(report["searches"]["total"])
    assert shown["service_views-total"] == "4" and shown["click_outs-total"] == "0"
    assert shown[f"{BIRTH}-views"] == "4" and f"{PASSPORT}-views" not in shown
    assert "Unmet demand" not in page and "qqqzzx" not in page
    export = client.get(f"/agency/metrics?{today_range()}&format=json")
    assert export.get_json() == report
    services = client.get(f"/agency/metrics?{today_range()}&format=csv&table=services").get_data(as_text=True)
    assert services == cli_report(app, "--format", "csv", "--table", "services", "--agency", CIVIL_AGENCY)


# Who may open what: the status each person gets.
ACCESS = {
    "/coordinator/metrics": {
        None: 302,
        "coordinator": 200,
        "travel_admin": 403,
        "travel_editor": 403,
        "civil_editor": 403,
    },
    f"/agency/metrics?agency={TRAVEL_AGENCY}": {
        None: 302,
        "coordinator": 200,
        "travel_admin": 200,
        "travel_editor": 200,
        "civil_editor": 403,
    },
    "/agency/metrics": {None: 302, "coordinator": 200, "travel_admin": 200, "travel_editor": 200, "civil_editor": 200},
    "/en/performance": {None: 200, "coordinator": 200, "travel_admin": 200, "travel_editor": 200, "civil_editor": 200},
}


def test_access_follows_the_permission_matrix(app, client, people):
    wrong = []
    for path, expected in ACCESS.items():
        for person, status in expected.items():
            sign_in(app, client, people.get(person))
            response = client.get(path)
            if response.status_code != status:
                wrong.append(f"{person} {path}: {response.status_code}, expected {status}")
            if status == 403:
                assert "cannot see these figures" in response.get_data(as_text=True)
            if status == 302:  # nobody signed in: to the sign-in page, and back after it
                assert response.headers["Location"].startswith("/agency/login?next=")
    assert wrong == []
    # The coordinator, who belongs to no agency, is asked to pick one; exports of another agency are refused too.
    sign_in(app, client, people["coordinator"])
    picker = client.get("/agency/metrics").get_data(as_text=True)
    assert f'<option value="{TRAVEL_AGENCY}"' in picker and 'id="metrics"' not in picker
    sign_in(app, client, people["civil_editor"])
    assert client.get(f"/agency/metrics?agency={TRAVEL_AGENCY}&format=json").status_code == 403


def test_the_public_page_suppresses_counts_under_ten(app, client, people):
    drive_traffic(app, client)
    cli_report(app)
    page = client.get(f"/en/performance?{today_range()}").get_data(as_text=True)
    shown = cells(page)
    assert shown["searches-total"] == "37" and shown["searches-api"] == "25"
    for small in ("searches-web", "searches-sms", "searches-whatsapp", "click_outs-total", "sms_in-total"):
        assert shown[small] == "fewer than 10", small
    # French (8) is hidden, so English (29) is too: otherwise 37 - 29 would tell.
    assert shown["language-fr"] == shown["language-en"] == "fewer than 10"
    assert shown["service_views-total"] == shown["service_views-web"] == "12"
    # A rate built on a small count is hidden: 5 searches found nothing, 4 feedback answers.
    assert shown["zero_result_rate-total"] == shown["satisfaction-total"] == "not available"
    assert shown["search_to_view_rate-total"] == "32.4%"
    assert "qqqzzx" not in page and "Renew your passport" not in page

    figures = client.get(f"/en/performance?{today_range()}&format=json").get_json()
    assert figures["suppressed_below"] == 10
    assert figures["searches"] == {"total": 37, "by_channel": {"web": None, "sms": None, "whatsapp": None, "api": 25}}
    assert figures["click_outs"]["total"] is None and figures["searches_by_language"] == {"en": None, "fr": None}
    csv_rows = client.get(f"/en/performance?{today_range()}&format=csv").get_data(as_text=True).splitlines()
    assert csv_rows[0] == "metric,total,web,sms,whatsapp,api"
    assert "searches,37,<10,<10,<10,25" in csv_rows


def test_suppression_hides_a_second_cell_only_where_one_would_be_derived():
    assert dashboards._suppressed({"a": 30, "b": 3, "c": 12}) == {"a": 30, "b": None, "c": None}
    assert dashboards._suppressed({"a": 30, "b": 3, "c": 2}) == {"a": 30, "b": None, "c": None}
    assert dashboards._suppressed({"a": 30, "b": 13, "c": 12}) == {"a": 30, "b": 13, "c": 12}


def test_the_channel_filter_narrows_the_figures(app, client, people):
    drive_traffic(app, client)
    cli_report(app)
    sign_in(app, client, people["coordinator"])
    shown = cells(client.get(f"/coordinator/metrics?{today_range()}&channel=api").get_data(as_text=True))
    assert shown["searches-api"] == "25" and "searches-total" not in shown and "searches-web-" not in shown
    assert shown["zero_result_searches-api"] == "5"


@pytest.mark.parametrize(
    "query, problem",
    [
        ("from=2026-13-01", "Enter the start date as YYYY-MM-DD"),
        ("to=yesterday", "Enter the end date as YYYY-MM-DD"),
        ("from=2026-1-1", "Enter the start date as YYYY-MM-DD"),
        ("from=2026-03-02&to=2026-03-01", "The end date must be on or after the start date."),
        ("from=2020-01-01&to=2026-01-01", "Choose a range of at most 731 days."),
        ("channel=fax", "Choose a channel from the list."),
        ("format=xml", "Choose a download format: CSV or JSON."),
        ("format=csv&table=secrets", "Choose a table to download from the list."),
    ],
)
def test_bad_filters_are_explained_not_failed(app, client, people, query, problem):
    sign_in(app, client, people["coordinator"])
    for path in ("/coordinator/metrics?", f"/agency/metrics?agency={TRAVEL_AGENCY}&", "/en/performance?"):
        response = client.get(f"{path}{query}")
        assert response.status_code == 400, (path, query)
        text = response.get_data(as_text=True)
        if "format=csv" in query:  # a download asked for gets its problems as JSON
            assert problem in response.get_json()["errors"]
        else:
            assert problem in html.unescape(text) and 'role="alert"' in text
    assert client.get("/coordinator/metrics?format=json&channel=fax").get_json() == {
        "errors": ["Choose a channel from the list."]
    }
    assert client.get("/agency/metrics?agency=nobody").status_code == 400
    assert client.get("/xx/performance").status_code == 404


def test_the_pages_are_translated(app, client, people):
    drive_traffic(app, client)
    cli_report(app)
    page = client.get(f"/fr/performance?{today_range()}").get_data(as_text=True)
    assert 'lang="fr"' in page and "Recherches" in page and "moins de 10" in page
    arabic = client.get(f"/ar/performance?{today_range()}").get_data(as_text=True)
    assert 'dir="rtl"' in arabic and "How Service Finder is used" not in arabic
    sign_in(app, client, people["coordinator"])
    client.set_cookie("lang", "es")
    dashboard = client.get(f"/coordinator/metrics?{today_range()}").get_data(as_text=True)
    assert 'lang="es"' in dashboard and "Añadir un sinónimo" in dashboard


def test_templates_have_no_unmarked_text():
    problems = {
        template.name: unmarked_in_template(template.read_text())
        for template in sorted(TEMPLATES.rglob("*.html"))
        if unmarked_in_template(template.read_text())
    }
    assert problems == {}


def test_digital_take_up_from_the_monthly_transactions_agencies_enter(app, client, people, db):
    runner = app.test_cli_runner()
    month = dt.datetime.now(dt.UTC).date().strftime("%Y-%m")
    for counts in (("1", "1", "1", "1"), ("300", "150", "40", "10")):  # the second entry replaces the first
        args = dict(zip(("--online", "--counter", "--phone", "--post"), counts, strict=True))
        result = runner.invoke(
            args=["metrics", "transactions", "renew-passport", "--month", month, *sum(args.items(), ())]
        )
        assert result.exit_code == 0, result.output
    assert "300 of 500 transactions online" in result.output
    report = json.loads(cli_report(app, "--format", "json"))
    assert report["digital_take_up"] == [
        {
            "service_id": PASSPORT,
            "agency_id": TRAVEL_AGENCY,
            "online": 300,
            "counter": 150,
            "phone": 40,
            "post": 10,
            "digital_take_up": 0.6,
        }
    ]
    assert json.loads(cli_report(app, "--format", "json", "--agency", CIVIL_AGENCY))["digital_take_up"] == []

    sign_in(app, client, people["travel_editor"])
    shown = cells(client.get(f"/agency/metrics?{today_range()}").get_data(as_text=True))
    assert shown[f"{PASSPORT}-take-up"] == "60.0%"
    export = client.get(f"/agency/metrics?{today_range()}&format=csv&table=digital-take-up").get_data(as_text=True)
    assert export == cli_report(app, "--format", "csv", "--table", "digital-take-up", "--agency", TRAVEL_AGENCY)
    assert export.splitlines()[1] == f"{PASSPORT},{TRAVEL_AGENCY},300,150,40,10,0.6000"


@pytest.mark.parametrize(
    "args, option",
    [
        (
            ["renew-passport", "--month", "2026-13", "--online", "1", "--counter", "1", "--phone", "1", "--post", "1"],
            "'--month'",
        ),
        (
            ["renew-passport", "--month", "2026-03", "--online", "-1", "--counter", "1", "--phone", "1", "--post", "1"],
            "'--online'",
        ),
        (["renew-passport", "--month", "2026-03", "--online", "1", "--counter", "1", "--phone", "1"], "'--post'"),
        (
            ["nothing-here", "--month", "2026-03", "--online", "1", "--counter", "1", "--phone", "1", "--post", "1"],
            "'SERVICE'",
        ),
    ],
)
def test_bad_transaction_counts_are_refused(app, catalogue, args, option):
    result = app.test_cli_runner().invoke(args=["metrics", "transactions", *args])
    assert result.exit_code == 2 and option in result.output, result.output


def test_a_month_not_begun_is_refused_by_the_command(app, catalogue):
    today = dt.datetime.now(dt.UTC).date()
    month = (today.replace(day=28) + dt.timedelta(days=5)).strftime("%Y-%m")
    counts = ["--online", "1", "--counter", "1", "--phone", "1", "--post", "1"]
    result = app.test_cli_runner().invoke(args=["metrics", "transactions", "renew-passport", "--month", month, *counts])
    assert result.exit_code == 2 and "'--month'" in result.output and "not begun" in result.output, result.output


def test_bar_lengths_are_proportional_and_missing_values_draw_no_bar():
    chart = bar_chart("t", "d", [("a", 40, "40"), ("b", 10, "10"), ("c", None, "fewer than 10"), ("d", 0, "0")])
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    assert [bar.width for bar in chart.bars] == [room, round(room / 4), 0, 0]
    assert [bar.shown for bar in chart.bars][2] == "fewer than 10"
    assert chart.height > chart.bars[-1].y + chart.bar_height - 1
    assert bar_chart("t", "d", [("a", None, "-")]).bars[0].width == 0


def test_a_language_tag_babel_does_not_know_is_shown_as_its_code(app, client, people):
    # The API accepts any well-formed tag and logs it; once seen, the public page drew a 500 (found by the browser
    # suite after the API's property tests had searched with lang=yes on a shared database).
    for _ in range(12):
        assert client.get("/api/v1/services?search=passport&lang=yes").status_code == 200
    assert app.extensions["finder.usage_log"].flush()
    cli_report(app)
    page = client.get(f"/en/performance?{today_range()}")
    assert page.status_code == 200
    assert cells(page.get_data(as_text=True))["language-yes"] == "12"
    assert dashboards.language_name("yes", "fr") == "yes" and dashboards.language_name("fr", "en") == "French"


def test_a_right_to_left_chart_is_the_mirror_image_of_the_left_to_right_one():
    rows = [("a", 40, "40"), ("b", 10, "10"), ("c", None, "fewer than 10")]
    ltr, rtl = bar_chart("t", "d", rows), bar_chart("t", "d", rows, right_to_left=True)
    assert (ltr.direction, rtl.direction) == ("ltr", "rtl")
    for left, right in zip(ltr.bars, rtl.bars, strict=True):
        assert right.width == left.width and right.y == left.y
        # Bars grow leftwards from the labels' edge; labels sit to their right, values at their far (left) end.
        assert right.x + right.width == WIDTH - LABEL_WIDTH
        assert right.x == WIDTH - (left.x + left.width)
        assert right.label_x == WIDTH - left.label_x > right.x + right.width
        assert right.value_x == WIDTH - left.value_x == right.x - PADDING


SVG_TEXT = re.compile(r'<text class="(label|value)" x="(\d+)"')
SVG_BAR = re.compile(r'<rect class="bar" x="(\d+)" y="\d+" width="(\d+)"')


def test_charts_on_arabic_pages_draw_right_to_left(app, client, people):
    drive_traffic(app, client)
    cli_report(app)  # rolls up
    pages = {lang: client.get(f"/{lang}/performance?{today_range()}").get_data(as_text=True) for lang in ("en", "ar")}
    assert 'direction="ltr"' in pages["en"] and 'direction="rtl"' in pages["ar"]
    english, arabic = SVG_BAR.findall(pages["en"]), SVG_BAR.findall(pages["ar"])
    assert english and len(english) == len(arabic)
    for (left_x, left_width), (right_x, right_width) in zip(english, arabic, strict=True):
        assert left_width == right_width and int(left_x) == LABEL_WIDTH
        assert int(right_x) + int(right_width) == WIDTH - LABEL_WIDTH
    labels = [int(x) for kind, x in SVG_TEXT.findall(pages["ar"]) if kind == "label"]
    assert labels and all(x > WIDTH - LABEL_WIDTH for x in labels)
    sign_in(app, client, people["coordinator"])
    coordinator = client.get(f"/coordinator/metrics?{today_range()}", headers={"Accept-Language": "ar"})
    assert 'direction="rtl"' in coordinator.get_data(as_text=True)
