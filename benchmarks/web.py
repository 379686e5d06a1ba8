"""Server time of the citizens' pages on the demo catalogue, per page type, each beside its floor.

    .venv/bin/python benchmarks/web.py [--backends sqlite,postgresql] [--rounds 3] [--json out.json]

Loads the demo catalogue into a fresh database per backend, then requests every page of each type through the WSGI
app in-process (Flask's test client, no network, no server: the time is the app's own), in every interface
language: the service page of each published service, each agency and life event, the home page, results for a
set of everyday queries and a zero-result query. Prints per page type the median, p95 and p99 in milliseconds,
requests per second, the median HTML size, and the ratio of the median to the floor: a bare Flask endpoint that
returns a constant (benchmarks/bare_flask.py), called the same way. The target is a service-page median under 10 ms.
Figures are what this shared 2-core machine does while other work runs beside it: read them as ratios to the floor.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bare_flask import app as bare_flask  # noqa: E402
from benchmarks.databases import database_url  # noqa: E402
from finder import catalogue, create_app, demo, migrations  # noqa: E402

# What citizens type, in the two scripts the suite audits (other languages search the English words too).
QUERIES = {
    "en": ["lost passport", "birth certificate", "driving licence", "pension", "register a business", "tax refund"],
    "ar": ["جواز سفر", "شهادة ميلاد", "رخصة قيادة", "معاش", "تسجيل شركة", "ضريبة"],
}
ZERO_RESULT_QUERY = "xqzzyv"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100)
    return {"p50": statistics.median(ordered), "p95": q[94], "p99": q[98], "rps": len(ordered) / sum(ordered)}


def page_paths(app, languages: tuple[str, ...]) -> dict[str, list[str]]:
    """Every path of each page type, in every language."""
    with app.extensions["finder.db"].sessions() as session:
        services = catalogue.published_services(session, per_page=10_000).items
        agencies = catalogue.agencies(session, per_page=10_000).items
        events = catalogue.life_events(session)
        slugs = {
            "service": [s.slug for s in services],
            "agency": [a.slug for a in agencies],
            "life-event": [e.slug for e in events],
        }
    paths: dict[str, list[str]] = {"home": [], "results": [], "zero-results": []}
    for lang in languages:
        paths["home"].append(f"/{lang}/")
        paths["results"] += [f"/{lang}/search?q={quote_plus(q)}" for q in QUERIES.get(lang, QUERIES["en"])]
        paths["zero-results"].append(f"/{lang}/search?q={ZERO_RESULT_QUERY}")
        for page_type, folder in (("service", "services"), ("agency", "agencies"), ("life-event", "life-events")):
            paths.setdefault(page_type, []).extend(f"/{lang}/{folder}/{slug}" for slug in slugs[page_type])
    return paths


def time_requests(get: Callable[[str], object], paths: list[str], rounds: int) -> tuple[dict[str, float], int]:
    """Percentiles over `rounds` passes of the paths, after one warm-up pass; and the median body size.

    The service and results pages are kept per process once rendered (finder/web/cache.py): the warm-up pass is
    their first rendering, whose median is `first_p50`; the timed passes are what a server that is up serves."""
    sizes, first = [], []
    for path in paths:
        start = time.perf_counter()
        response = get(path)
        first.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code}")
        sizes.append(len(response.get_data()))
    samples = []
    for _ in range(rounds):
        for path in paths:
            start = time.perf_counter()
            get(path)
            samples.append(time.perf_counter() - start)
    return {**percentiles(samples), "first_p50": statistics.median(first)}, int(statistics.median(sizes))


def run(backend: str, folder: Path, rounds: int) -> dict:
    url, drop = database_url(backend, folder, "web-bench")
    try:
        # Production-like: no debug, no testing mode; a fixed key so the benchmark needs no instance folder.
        app = create_app({"database_url": url, "env": "production", "secret_key": "bench-" + uuid.uuid4().hex})
        database = app.extensions["finder.db"]
        migrations.upgrade(database.engine)
        settings = app.config["FINDER"]
        with database.transaction() as session:
            demo.load(session, default_language="en", max_bytes=settings.max_import_bytes, languages=settings.languages)
        client = app.test_client()
        pages = {}
        for page_type, paths in page_paths(app, settings.languages).items():
            figures, html_bytes = time_requests(client.get, paths, rounds)
            pages[page_type] = {"requests": len(paths) * rounds, "html_bytes": html_bytes, **figures}
        floor, _ = time_requests(bare_flask.test_client().get, ["/constant"] * 200, rounds)
        database.dispose()
        return {"backend": backend, "pages": pages, "floor": floor}
    finally:
        drop()


def report(result: dict) -> str:
    floor = result["floor"]
    lines = [
        f"{result['backend']}: server time per page type, ms (floor: bare Flask median {floor['p50'] * 1000:.2f} ms)",
        f"  {'page':13} {'requests':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'req/s':>7} {'HTML':>8} {'p50/floor':>9}"
        f" {'first p50':>9}",
    ]
    for page_type, f in result["pages"].items():
        lines.append(
            f"  {page_type:13} {f['requests']:8d} {f['p50'] * 1000:7.2f} {f['p95'] * 1000:7.2f} {f['p99'] * 1000:7.2f}"
            f" {f['rps']:7.0f} {f['html_bytes'] / 1024:6.1f}KB {f['p50'] / floor['p50']:8.1f}x"
            f" {f['first_p50'] * 1000:9.2f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over every page (after one warm-up)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for backend in args.backends.split(","):
            result = run(backend, Path(folder), args.rounds)
            print(report(result), flush=True)
            results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
