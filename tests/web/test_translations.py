"""The interface's message catalogues: complete, really translated, and up to date with the code."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("ar", "zh", "fr", "ru", "es")
# Words that really are the same in a language (checked by a native speaker), not English left untranslated.
SAME_WORD = {"es": {"No"}, "fr": {"Services"}}
METHODS = [("finder/**.py", "python"), ("channels/**.py", "python"), ("finder/**/templates/**.html", "jinja2")]
# As in babel.cfg: templates use the "do" statement (the agency forms), which the extractor must know to read them.
OPTIONS = {"finder/**/templates/**.html": {"extensions": "jinja2.ext.do"}}


def _catalog(path: Path):
    with path.open("rb") as file:
        return read_po(file)


def _marked_in_code() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(str(ROOT), METHODS, options_map=OPTIONS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_the_template_holds_every_marked_string():
    template = {m.id for m in _catalog(ROOT / "translations" / "messages.pot") if m.id}
    assert _marked_in_code() == template, "run: pybabel extract -F babel.cfg -o translations/messages.pot ..."


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_really_translated(language):
    template = {m.id for m in _catalog(ROOT / "translations" / "messages.pot") if m.id}
    messages = _catalog(ROOT / "translations" / language / "LC_MESSAGES" / "messages.po")
    catalog = {m.id: m.string for m in messages}
    missing = [i for i in template if not catalog.get(i)]
    copied = [i for i in template if catalog.get(i) == i and i not in SAME_WORD.get(language, set())]
    # pybabel update fills a new message with a neighbour's translation marked fuzzy, which compiling leaves out:
    # the page would show English while the catalogue looks complete.
    fuzzy = [m.id for m in messages if m.id and m.fuzzy]
    assert missing == [] and copied == [] and fuzzy == []


def test_the_home_page_speaks_the_visitors_language(demo_client):
    def home(accept: str) -> str:
        # A new visitor each time: a remembered choice would win over Accept-Language.
        client = demo_client.application.test_client()
        return client.get("/", headers={"Accept-Language": accept}, follow_redirects=True).get_data(as_text=True)

    arabic = home("ar")
    assert 'lang="ar" dir="rtl"' in arabic and "دليل الخدمات" in arabic
    french = home("fr-CA,fr;q=0.9")
    assert 'lang="fr" dir="ltr"' in french and "service public" in french
    english = home("de")
    assert 'lang="en"' in english and "Service Finder" in english
