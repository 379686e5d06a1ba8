"""Bad input is refused with a message naming the file, record and field, and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from finder.catalogue.models import Agency, Service
from finder.cli import main
from tests.conftest import HSDS_EXAMPLES

GOOD = json.loads((HSDS_EXAMPLES / "service_full.json").read_text())


def _native(**sections):
    return {"format": "service-finder/1", "default_language": "en", **sections}


AGENCY = {"slug": "tax-office", "name": "Tax Office"}
SERVICE = {
    "slug": "pay-tax",
    "agency": "tax-office",
    "name": "Pay tax",
    "summary": "Pay your income tax.",
    "status": "published",
}


def _run_import(app, path: Path):
    runner = CliRunner()
    return runner.invoke(main, ["catalogue", "import", str(path)], obj=_script_info(app), catch_exceptions=False)


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


def _counts(db) -> tuple[int, int]:
    with db.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Service)),
            session.scalar(select(func.count()).select_from(Agency)),
        )


CASES = {
    "unknown field in HSDS": (
        [{**GOOD, "colour": "blue"}],
        ["ac148810-d857-441c-9679-408f346de14b", "unknown field: colour"],
    ),
    "wrong type in HSDS": (
        [{**GOOD, "minimum_age": "twelve"}],
        ["ac148810-d857-441c-9679-408f346de14b", "minimum_age", "'twelve' is not of type 'number'"],
    ),
    "missing required field in HSDS": (
        [{k: v for k, v in GOOD.items() if k != "status"}],
        ["ac148810-d857-441c-9679-408f346de14b", "missing required field: 'status'"],
    ),
    "bad date in HSDS": (
        [{**GOOD, "assured_date": "2005-13-45"}],
        ["ac148810-d857-441c-9679-408f346de14b", "assured_date", "'2005-13-45' is not a date"],
    ),
    "bad date-time in HSDS": (
        [{**GOOD, "last_modified": "yesterday"}],
        ["ac148810-d857-441c-9679-408f346de14b", "last_modified", "'yesterday' is not a datetime"],
    ),
    "broken reference in HSDS": (
        [{**{k: v for k, v in GOOD.items() if k != "organization"}, "organization_id": "no-such-org"}],
        ["ac148810-d857-441c-9679-408f346de14b", "organization", "'no-such-org', which does not exist"],
    ),
    "unknown field in native": (
        _native(agencies=[{**AGENCY, "colour": "blue"}]),
        ["agencies[0] 'tax-office'", "unknown field: 'colour'"],
    ),
    "wrong type in native": (
        _native(agencies=[AGENCY], services=[{**SERVICE, "keywords": "tax"}]),
        ["services[0] 'pay-tax'", "field keywords", "'tax' is not of type 'array'"],
    ),
    "missing required field in native": (
        _native(agencies=[AGENCY], services=[{k: v for k, v in SERVICE.items() if k != "summary"}]),
        ["services[0] 'pay-tax'", "missing required field: 'summary'"],
    ),
    "broken reference in native": (
        _native(agencies=[AGENCY], services=[{**SERVICE, "life_events": ["no-such-event"]}]),
        ["services[0] 'pay-tax'", "field life_events[0]", "life events 'no-such-event', which does not exist"],
    ),
    "untranslatable field in native": (
        _native(agencies=[{**AGENCY, "translations": {"fr": {"website": "https://x.example"}}}]),
        ["agencies[0] 'tax-office'", "translations.fr.website", "cannot be translated"],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_bad_file_is_refused_with_a_clear_message_and_nothing_written(app, db, tmp_path, case):
    document, expected = CASES[case]
    # A good record first: it must not be written either, since the file is refused whole.
    if isinstance(document, list):
        document = [{**GOOD, "id": "11111111-2222-3333-4444-555555555555"}, *document]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    result = _run_import(app, path)
    assert result.exit_code != 0
    assert str(path) in result.output
    for fragment in expected:
        assert fragment in result.output, result.output
    assert "nothing was imported" in result.output
    assert _counts(db) == (0, 0)


def test_invalid_json_names_line_and_column(app, db, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"id": "a",\n "name": }]')
    result = _run_import(app, path)
    assert result.exit_code != 0
    assert f"{path}: invalid JSON at line 2, column 10" in result.output
    assert _counts(db) == (0, 0)


def test_a_50_megabyte_file_is_refused_before_it_is_read(app, db, tmp_path):
    path = tmp_path / "huge.json"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    result = _run_import(app, path)
    assert result.exit_code != 0
    assert "the file is 52.4 MB; the largest accepted is 21.0 MB" in result.output
    assert _counts(db) == (0, 0)


def test_not_a_catalogue(app, db, tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"hello": "world"}')
    result = _run_import(app, path)
    assert result.exit_code != 0
    assert "not a catalogue" in result.output


def test_a_bad_file_in_a_folder_stops_the_whole_folder(app, db, tmp_path):
    (tmp_path / "a.json").write_text(json.dumps(_native(agencies=[AGENCY], services=[SERVICE])))
    (tmp_path / "b.json").write_text(json.dumps(_native(services=[{**SERVICE, "slug": "x", "agency": "nobody"}])))
    result = _run_import(app, tmp_path)
    assert result.exit_code != 0
    assert "b.json: record services[0] 'x': field agency: refers to agencies 'nobody'" in result.output
    assert _counts(db) == (0, 0)


def test_csv_with_a_broken_reference_is_refused(app, db, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "services.csv").write_text("id,organization_id,name,status\ns1,missing-org,Parking permits,active\n")
    result = _run_import(app, folder)
    assert result.exit_code != 0
    assert "services.csv s1: field organization_id: refers to organizations 'missing-org'" in result.output
    assert _counts(db) == (0, 0)


def test_csv_with_an_unknown_column_is_refused(app, db, tmp_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "services.csv").write_text("id,name,status,colour\ns1,Parking permits,active,blue\n")
    result = _run_import(app, folder)
    assert result.exit_code != 0
    assert "services.csv: field header: unknown column: colour" in result.output


def test_a_good_native_file_imports(app, db, tmp_path):
    path = tmp_path / "good.json"
    path.write_text(json.dumps(_native(agencies=[AGENCY], services=[SERVICE])))
    result = _run_import(app, path)
    assert result.exit_code == 0, result.output
    assert _counts(db) == (1, 1)
