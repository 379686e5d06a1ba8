"""Every string an agency page shows is marked for translation (the citizen pages' check, on these templates)."""

from __future__ import annotations

from pathlib import Path

from tests.web.test_marked_strings import unmarked_in_template

TEMPLATES = Path(__file__).resolve().parents[2] / "finder" / "agency" / "web" / "templates" / "agency"


def test_agency_templates_have_no_unmarked_text():
    templates = sorted(TEMPLATES.glob("*.html"))
    assert len(templates) > 10
    problems = {t.name: unmarked_in_template(t.read_text()) for t in templates if unmarked_in_template(t.read_text())}
    assert problems == {}
