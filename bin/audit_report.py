"""The verdict on a pip-audit JSON report: `python bin/audit_report.py REPORT EXIT_STATUS [ERRORS_FILE]`.

A known vulnerability fails (exit 1). When the advisory service cannot be reached, or answers for no package at all
(as a PyPI mirror without the JSON API does), nothing was checked: that is a loud warning but exit 0, because a suite
that fails whenever the network does gets switched off. FINDER_AUDIT=strict makes it a failure (for CI that has
the network and must prove it audited something).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path


def verdict(report: Path, status: int, errors: Path | None, strict: bool) -> int:
    text = report.read_text() if report.exists() else ""
    dependencies = json.loads(text)["dependencies"] if text.strip() else []
    audited = [d for d in dependencies if "vulns" in d]
    vulnerable = [d for d in audited if d["vulns"]]
    for dependency in vulnerable:
        ids = ", ".join(v["id"] for v in dependency["vulns"])
        print(f"pip-audit: {dependency['name']} {dependency['version']} has known vulnerabilities: {ids}")
    if vulnerable:
        return 1
    if not audited:
        last = errors.read_text().strip().splitlines()[-1:] if errors and errors.exists() else []
        print("pip-audit: WARNING: the advisory service answered for no package, nothing was audited.", *last)
        return 1 if strict else 0
    skipped = len(dependencies) - len(audited)
    print(f"pip-audit: {len(audited)} packages audited, no known vulnerabilities ({skipped} skipped).")
    return status


if __name__ == "__main__":
    errors = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    sys.exit(verdict(Path(sys.argv[1]), int(sys.argv[2]), errors, os.environ.get("FINDER_AUDIT") == "strict"))
