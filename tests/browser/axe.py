"""axe-core, as shipped by the axe-playwright-python package, run on a Playwright page for WCAG 2.1 A and AA."""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
_axe = Axe()


def violations(page) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the page as loaded (the page's context must bypass CSP)."""
    options = {"runOnly": {"type": "tag", "values": WCAG_21_AA}, "resultTypes": ["violations"]}
    return _axe.run(page, options=options).response["violations"]


def report(found: list[dict]) -> str:
    """One paragraph per violated rule: rule, impact, help, its URL, then each offending element's selector."""
    lines = []
    for violation in found:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
        for node in violation["nodes"]:
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"    {' > '.join(map(str, node['target']))}: {summary}")
    return "\n".join(lines)
