"""Every string a visitor reads is marked for translation: template text, labelling attributes and view messages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "finder" / "web"
# Text nodes between tags, and attributes people read (or hear, from a screen reader).
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
READ_ATTRIBUTES = re.compile(r'\s(?:aria-label|title|placeholder|alt|content)="([^"]*)"')
LETTER = re.compile(r"[^\W\d_]")
# Machine-read text, not for people: robots.txt directives.
NOT_FOR_PEOPLE = {"User-agent: *", "Disallow: /go/", "Disallow: /api/"}


def unmarked_in_template(source: str) -> list[str]:
    found = []
    without_code = re.sub(r"<script.*?</script>|\{%-?\s*trans\b.*?endtrans\s*-?%\}", "", source, flags=re.S)
    for value in READ_ATTRIBUTES.findall(without_code):
        if LETTER.search(JINJA.sub("", value)) and value not in ("width=device-width, initial-scale=1", "noindex"):
            found.append(value)
    text = JINJA.sub(" ", without_code)
    text = re.sub(r"<[^>]*>", " ", text)
    found += [piece.strip() for piece in re.split(r"\s{2,}|\n", text) if LETTER.search(piece)]
    return found


def test_the_checker_finds_unmarked_text():
    assert unmarked_in_template('<p>{{ _("Marked") }}</p><h2>Not marked</h2>') == ["Not marked"]
    assert unmarked_in_template('<nav aria-label="Pages">{{ x }}</nav>') == ["Pages"]
    assert unmarked_in_template("<nav aria-label=\"{{ _('Pages') }}\">{% trans %}Fine{% endtrans %}</nav>") == []


def test_templates_have_no_unmarked_text():
    problems = {
        template.name: unmarked_in_template(template.read_text())
        for template in sorted(WEB.rglob("templates/*.html"))
        if unmarked_in_template(template.read_text())
    }
    assert problems == {}


def _sentences(tree: ast.AST) -> list[str]:
    """String literals that read like words for people (a capital, a space), outside docstrings and gettext calls."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            skip.add(id(first.value))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("_", "gettext", "lazy_gettext"):
            skip.update(id(arg) for arg in node.args)
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and re.match(r"[A-Z][a-z]+ ", node.value)
        and node.value not in NOT_FOR_PEOPLE
    ]


def test_views_mark_every_message_for_visitors():
    problems = {
        str(path.relative_to(WEB)): _sentences(ast.parse(path.read_text()))
        for path in sorted(WEB.rglob("*.py"))
        if _sentences(ast.parse(path.read_text()))
    }
    assert problems == {}


def test_the_view_checker_finds_unmarked_messages():
    source = (
        'def f():\n    """Doc string here."""\n    page(400, _("Marked message"))\n    page(400, "Plain message")\n'
    )
    assert _sentences(ast.parse(source)) == ["Plain message"]
