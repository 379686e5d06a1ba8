"""WCAG 2.1 AA in Chromium: axe-core on every page type, in English and Arabic, at phone and desktop widths; and
what axe cannot judge alone (one h1, heading order, language and direction, skip link, visible focus, 400% zoom)."""

from __future__ import annotations

import itertools

import pytest

from tests.browser import axe
from tests.browser.conftest import LANGUAGES, WIDTHS

pytestmark = pytest.mark.browser

PAGE_TYPES = ("home", "results", "zero-results", "service", "agency", "life-event")


def load(new_page, audit_paths, page_type: str, language: str, width: int = 1280, **options):
    page = new_page(WIDTHS.get(width, {"width": width, "height": 640}), language=language, **options)
    response = page.goto(audit_paths[page_type][language])
    assert response.status == 200, f"{page.url}: HTTP {response.status}"
    return page


def test_axe_reports_the_violations_of_a_faulty_page(browser):
    # The audit itself can fail: a page without a language and with an image without text is caught and named.
    context = browser.new_context()
    page = context.new_page()
    page.set_content('<html><body><main><img src="data:,"><a href="/x"></a></main></body></html>')
    found = axe.violations(page)
    context.close()
    assert {"html-has-lang", "image-alt", "link-name"} <= {v["id"] for v in found}
    assert "image-alt (critical): Images must have alternative text <https://" in axe.report(found)


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_axe_finds_no_wcag_violation(new_page, audit_paths, page_type, language, width):
    page = load(new_page, audit_paths, page_type, language, width, bypass_csp=True)
    found = axe.violations(page)
    assert not found, f"{page.url} at {width} px:\n{axe.report(found)}"


# Heading levels in document order, for the headings a reader (or a screen reader) meets.
HEADING_LEVELS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
    .filter(h => h.getClientRects().length > 0)
    .map(h => Number(h.tagName[1]))"""


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_one_h1_headings_in_order_and_language_declared(new_page, audit_paths, page_type, language):
    page = load(new_page, audit_paths, page_type, language)
    levels = page.evaluate(HEADING_LEVELS)
    assert levels.count(1) == 1 and levels[0] == 1, f"{page.url}: headings {levels}, want exactly one h1, first"
    skips = [(a, b) for a, b in itertools.pairwise(levels) if b > a + 1]
    assert not skips, f"{page.url}: heading levels skip {skips} (all: {levels})"
    html = page.locator("html")
    assert html.get_attribute("lang") == language
    expected_direction = "rtl" if language == "ar" else "ltr"
    assert (html.get_attribute("dir") or "ltr") == expected_direction
    assert page.evaluate("getComputedStyle(document.body).direction") == expected_direction


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_type", ["home", "service"])
def test_skip_link_is_first_and_moves_focus_to_main(new_page, audit_paths, page_type, language):
    page = load(new_page, audit_paths, page_type, language)
    page.keyboard.press("Tab")
    skip = page.evaluate_handle("document.activeElement")
    href = skip.get_attribute("href") or ""
    assert href.startswith("#") and len(href) > 1, f"{page.url}: the first Tab stop is not a same-page link: {href!r}"
    assert skip.is_visible(), f"{page.url}: the skip link stays hidden when focused"
    page.keyboard.press("Enter")
    in_main = page.evaluate(
        "() => { const main = document.querySelector('main'); const el = document.activeElement;"
        " return !!main && (el === main || main.contains(el)); }"
    )
    assert in_main, f"{page.url}: after the skip link ({href}), focus is not in <main>"


# The focus indicator of an element: what changes on :focus-visible in any reasonable stylesheet.
FOCUS_STYLE = """el => { const s = getComputedStyle(el);
    return {outline: s.outlineStyle === 'none' ? 'none' : `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor}`,
            boxShadow: s.boxShadow, background: s.backgroundColor, color: s.color,
            decoration: `${s.textDecorationLine} ${s.textDecorationThickness}`}; }"""


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_type", ["home", "service"])
def test_keyboard_focus_is_visible(new_page, audit_paths, page_type, language):
    page = load(new_page, audit_paths, page_type, language)
    # Tab (as a keyboard user does, so :focus-visible applies) to the first link inside main.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('main') && document.activeElement.matches('a[href]')"):
            break
    else:
        pytest.fail(f"{page.url}: no link inside <main> reached by Tab")
    link = page.evaluate_handle("document.activeElement")
    focused = link.evaluate(FOCUS_STYLE)
    link.evaluate("el => el.blur()")
    unfocused = link.evaluate(FOCUS_STYLE)
    shows_ring = focused["outline"] != "none" and not focused["outline"].split()[1].startswith("0")
    assert focused != unfocused, f"{page.url}: a focused link looks the same as an unfocused one: {focused}"
    assert shows_ring or focused["boxShadow"] != "none", f"{page.url}: no outline or box-shadow on focus: {focused}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_no_horizontal_scroll_at_320_css_pixels(new_page, audit_paths, page_type, language):
    # 320 CSS pixels wide is a 1280 px window at 400% zoom (WCAG 1.4.10, reflow).
    page = load(new_page, audit_paths, page_type, language, width=320)
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{page.url}: content is {widths[0]} px wide in a {widths[1]} px window"


# Every phone number in the page's text with the left edge of each of its digit groups, when they share a line.
PHONE_NUMBERS = r"""() => { const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        for (const match of node.data.matchAll(/\+\d[\d ]{6,}\d/g)) {
            const boxes = [];
            let offset = match.index;
            for (const group of match[0].split(' ')) {
                const range = document.createRange();
                range.setStart(node, offset);
                range.setEnd(node, offset + group.length);
                boxes.push(range.getBoundingClientRect());
                offset += group.length + 1;
            }
            if (boxes.every(box => box.width > 0 && box.top === boxes[0].top)) {
                found.push({number: match[0], lefts: boxes.map(box => box.left)});
            }
        }
    }
    return found; }"""


@pytest.mark.parametrize("page_type", ["home", "service"])
def test_phone_numbers_read_left_to_right_on_arabic_pages(new_page, audit_paths, page_type):
    # In a right-to-left paragraph the spaces between digit groups are neutral, so without an isolate
    # (<bdi>, dir="ltr") "+1 202 555 0142" is shown as "0142 555 202 +1": a wrong number to call or text.
    page = load(new_page, audit_paths, page_type, "ar")
    numbers = page.evaluate(PHONE_NUMBERS)
    assert numbers, f"{page.url}: no phone number found to check"
    backwards = sorted({n["number"] for n in numbers if n["lefts"] != sorted(n["lefts"])})
    assert not backwards, f"{page.url}: shown with their digit groups in reverse order: {backwards}"
