"""The report command prints exactly the traffic that was sent, in JSON, CSV and text; bad options are refused."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from tests.metrics.conftest import BIRTH, CIVIL_AGENCY, PASSPORT, TRAVEL_AGENCY, drive_traffic

ZERO = {"web": 0, "sms": 0, "whatsapp": 0, "api": 0}


def by_channel(**counts):
    return {**ZERO, **counts}


def run_report(app, *args):
    today = dt.datetime.now(dt.UTC).date().isoformat()
    result = app.test_cli_runner().invoke(args=["metrics", "report", "--from", today, "--to", today, *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_json_report_counts_the_traffic_exactly(app, client, catalogue):
    drive_traffic(app, client)
    report = json.loads(run_report(app, "--format", "json"))

    assert report["searches"] == {"total": 37, "by_channel": by_channel(api=25, web=8, sms=4)}
    assert report["zero_result_searches"] == {"total": 5, "by_channel": by_channel(api=5)}
    assert report["service_views"] == {"total": 12, "by_channel": by_channel(web=12)}
    assert report["click_outs"] == {"total": 4, "by_channel": by_channel(web=4)}
    assert report["sms_in"] == {"total": 9, "by_channel": by_channel(sms=9)}
    assert report["sms_out"] == {"total": 9, "by_channel": by_channel(sms=9)}
    assert report["sms_segments"] == {"total": 18, "by_channel": by_channel(sms=18)}
    assert report["feedback_useful"] == {"total": 3, "by_channel": by_channel(web=3)}
    assert report["feedback_not_useful"] == {"total": 1, "by_channel": by_channel(web=1)}
    assert report["top_zero_result_queries"] == [{"query": "qqqzzx", "zero_result_searches": 5, "searches": 5}]
    assert report["zero_result_rate"]["total"] == round(5 / 37, 4)
    assert report["zero_result_rate"]["by_channel"] == {"web": 0.0, "sms": 0.0, "whatsapp": None, "api": 0.2}
    assert report["search_to_view_rate"]["total"] == round(12 / 37, 4)
    assert report["click_through_rate"]["total"] == round(4 / 12, 4)
    assert report["satisfaction"]["total"] == 0.75
    assert report["channel_mix"] == {
        "web": round(8 / 37, 4),
        "sms": round(4 / 37, 4),
        "whatsapp": 0.0,
        "api": round(25 / 37, 4),
    }
    assert report["searches_by_language"] == {"en": 29, "fr": 8}
    # Counted per day, channel and language, then summed: web en {w0}, web fr {w0, w1}, sms en nine texters.
    # The API has no visitor id.
    assert report["unique_visitors"] == {
        "total": 12,
        "by_channel": by_channel(web=3, sms=9),
        "by_language": {"en": 10, "fr": 2},
    }
    services = {s["service_id"]: s for s in report["services"]}
    assert services[PASSPORT] == {
        "service_id": PASSPORT,
        "agency_id": TRAVEL_AGENCY,
        "top_result_searches": 24,
        "service_views": 8,
        "click_outs": 4,
        "feedback_useful": 3,
        "feedback_not_useful": 0,
        "click_through_rate": 0.5,
    }
    assert services[BIRTH]["service_views"] == 4 and services[BIRTH]["top_result_searches"] == 8
    assert services[BIRTH]["feedback_not_useful"] == 1 and services[BIRTH]["click_through_rate"] == 0.0


def test_an_agency_report_counts_only_its_services(app, client, catalogue):
    drive_traffic(app, client)
    report = json.loads(run_report(app, "--format", "json", "--agency", CIVIL_AGENCY))
    assert report["agency"] == CIVIL_AGENCY
    # Searches whose top result was the agency's: the 8 web searches for a birth.
    assert report["searches"] == {"total": 8, "by_channel": by_channel(web=8)}
    assert report["service_views"]["total"] == 4 and report["click_outs"]["total"] == 0
    assert report["feedback_not_useful"]["total"] == 1 and report["feedback_useful"]["total"] == 0
    assert report["top_zero_result_queries"] == [] and report["unique_visitors"] is None
    assert [s["service_id"] for s in report["services"]] == [BIRTH]


def test_the_csv_and_text_reports_print_the_same_numbers(app, client, catalogue):
    drive_traffic(app, client)
    rows = {row["metric"]: row for row in csv.DictReader(io.StringIO(run_report(app, "--format", "csv")))}
    assert rows["searches"] == {
        "metric": "searches",
        "total": "37",
        "web": "8",
        "sms": "4",
        "whatsapp": "0",
        "api": "25",
    }
    assert rows["zero_result_searches"]["total"] == "5" and rows["click_outs"]["web"] == "4"
    assert rows["zero_result_rate"]["whatsapp"] == "" and rows["satisfaction"]["total"] == "0.7500"
    queries = list(csv.reader(io.StringIO(run_report(app, "--format", "csv", "--table", "zero-result-queries"))))
    assert queries == [["query", "zero_result_searches", "searches"], ["qqqzzx", "5", "5"]]
    services = list(csv.DictReader(io.StringIO(run_report(app, "--format", "csv", "--table", "services"))))
    assert [(s["service_id"], s["service_views"], s["click_outs"]) for s in services] == [
        (PASSPORT, "8", "4"),
        (BIRTH, "4", "0"),
    ]

    text = run_report(app)
    lines = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.strip()}
    assert lines["searches"] == ["37", "8", "4", "0", "25"]
    assert lines["service_views"] == ["12", "12", "0", "0", "0"]
    assert lines["sms_in"] == ["9", "0", "9", "0", "0"]
    assert "       5  qqqzzx" in text


def test_a_report_reads_only_its_date_range(app, client, catalogue):
    drive_traffic(app, client, when=dt.datetime(2026, 3, 10, 23, 59))
    runner = app.test_cli_runner()
    for start, end, searches in (("2026-03-10", "2026-03-10", 12), ("2026-03-11", "2026-03-31", 0)):
        result = runner.invoke(args=["metrics", "report", "--from", start, "--to", end, "--format", "json"])
        assert result.exit_code == 0, result.output
        # The 12 web and SMS searches were dated; the 25 API searches happened today.
        assert json.loads(result.output)["searches"]["total"] == searches


def test_bad_options_are_refused_naming_the_option(app, catalogue):
    runner = app.test_cli_runner()
    cases = [
        (["--from", "2026-13-01", "--to", "2026-12-31"], "'--from'"),
        (["--from", "2026-01-01", "--to", "yesterday"], "'--to'"),
        (["--from", "2026-02-01", "--to", "2026-01-01"], "'--to'"),
        (["--from", "2026-01-01", "--to", "2026-01-31", "--agency", "nobody"], "'--agency'"),
        (["--to", "2026-01-31"], "'--from'"),
        (["--from", "2026-01-01", "--to", "2026-01-31", "--format", "xml"], "'--format'"),
    ]
    for args, option in cases:
        result = runner.invoke(args=["metrics", "report", *args])
        assert result.exit_code == 2, (args, result.output)
        assert option in result.output, (args, result.output)
