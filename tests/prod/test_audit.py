"""bin/audit's verdict on pip-audit's report: a known vulnerability fails; nothing audited only warns."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _verdict(tmp_path: Path, dependencies: list[dict], status: int = 0, strict: bool = False):
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"dependencies": dependencies, "fixes": []}))
    env = {"FINDER_AUDIT": "strict"} if strict else {}
    return subprocess.run(
        [sys.executable, str(ROOT / "bin" / "audit_report.py"), str(report), str(status)],
        capture_output=True,
        text=True,
        env=env,
    )


def test_a_known_vulnerability_fails(tmp_path):
    vulnerable = {"name": "flask", "version": "0.1", "vulns": [{"id": "PYSEC-0000-1", "fix_versions": ["3.1"]}]}
    result = _verdict(tmp_path, [{"name": "twilio", "version": "9.0", "vulns": []}, vulnerable], status=1)
    assert result.returncode == 1 and "flask 0.1" in result.stdout and "PYSEC-0000-1" in result.stdout


def test_clean_dependencies_pass(tmp_path):
    result = _verdict(tmp_path, [{"name": "twilio", "version": "9.0", "vulns": []}, {"name": "x", "skip_reason": "?"}])
    assert result.returncode == 0 and "1 packages audited" in result.stdout


def test_an_unreachable_advisory_service_warns_or_fails_when_strict(tmp_path):
    skipped = [{"name": "twilio", "skip_reason": "Dependency not found on PyPI and could not be audited"}]
    warned = _verdict(tmp_path, skipped)
    assert warned.returncode == 0 and "WARNING" in warned.stdout
    assert _verdict(tmp_path, skipped, strict=True).returncode == 1
