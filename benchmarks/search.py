"""Search speed on synthetic catalogues, on SQLite and PostgreSQL, each figure beside its floor.

    .venv/bin/python benchmarks/search.py [--sizes 1000,10000,25000,100000] [--backends sqlite,postgresql]

For each backend and catalogue size it builds a catalogue of N services (realistic text lengths, a Zipf-like
vocabulary, English and French text), indexes it, then prints:
- index build time and database size;
- the search call (finder.search.search): p50/p95/p99 latency and queries per second, and its floor: the same
  query terms as a bare FTS5 MATCH ranked by bm25 / a bare tsquery ranked by ts_rank, LIMIT 10. Twice:
  * stream: queries drawn from a Zipf-like distribution, as traffic comes, after as many again of the same
    traffic (not timed) so that the process's result cache is in the state it is in production; a repeated query
    is answered from that cache (the share of repeats is printed);
  * cold: each distinct query of the stream once, with the result cache emptied before each, so every call
    computes its results (what is kept per index version stays warm as in production: the vocabulary, the
    facets, the candidates' names, the hits shown, the frequent words' postings, which the benchmark lets the
    process finish loading ahead after the warm-up);
- the HTTP endpoint (GET /api/v1/services?search=...) through gunicorn, and its floor: a bare Flask endpoint
  returning a constant, on the same server settings.
Figures are medians of what this machine does while other work shares it: read them as ratios to the floors.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from itertools import accumulate
from pathlib import Path
from urllib.parse import quote_plus

from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.databases import database_url  # noqa: E402
from finder import create_app, migrations, search  # noqa: E402
from finder.catalogue.models import Agency, Service, ServiceStatus, derived_id  # noqa: E402
from finder.search.query import normal_form  # noqa: E402
from finder.search.sqlite import WEIGHTS, language_token  # noqa: E402
from finder.search.text import terms  # noqa: E402

LANGUAGES = ("en", "fr")
QUERIES = 300
# Traffic before the timed stream, so the result cache is in a steady state when it is measured.
WARM_UP_QUERIES = 600

EN_WORDS = (
    "apply renew register passport licence driving certificate birth death marriage benefit pension tax "
    "permit business company vehicle school student housing rent grant allowance card identity vote court "
    "police report lost stolen child family health doctor hospital disability carer job training employer "
    "income return refund payment fine parking waste recycling water land property building planning "
    "travel visa residence citizen abroad emergency insurance social security records copy change address"
).split()
FR_WORDS = (
    "demander renouveler inscrire passeport permis conduire certificat naissance deces mariage prestation "
    "retraite impot autorisation entreprise societe vehicule ecole etudiant logement loyer aide allocation "
    "carte identite vote tribunal police declaration perdu vole enfant famille sante medecin hopital handicap"
).split()


def zipf_vocabulary(seed_words: list[str], size: int, rng: random.Random) -> tuple[list[str], list[float]]:
    """Seed words first (most frequent), then made-up words, with Zipf weights 1/rank, cumulated: drawing with
    cumulated weights picks the same words, without summing 30,000 weights again for every sentence (that was
    most of the build's time)."""
    words = list(seed_words)
    letters = "abcdefghijklmnopqrstuvwxyz"
    while len(words) < size:
        words.append("".join(rng.choice(letters) for _ in range(rng.randint(4, 11))))
    return words, list(accumulate(1.0 / (rank + 1) for rank in range(size)))


def sentence(vocabulary, rng: random.Random, low: int, high: int) -> str:
    words, cumulated = vocabulary
    return " ".join(rng.choices(words, cum_weights=cumulated, k=rng.randint(low, high))).capitalize() + "."


def build_catalogue(app, size: int, rng: random.Random) -> None:
    vocabularies = {"en": zipf_vocabulary(EN_WORDS, 30_000, rng), "fr": zipf_vocabulary(FR_WORDS, 20_000, rng)}
    database = app.extensions["finder.db"]
    agencies = [
        {
            "id": derived_id("agency", str(i)),
            "slug": f"agency-{i}",
            "name": f"Agency {i}",
            "extra": {},
            "translations": {},
        }
        for i in range(50)
    ]
    with database.engine.begin() as connection:
        connection.execute(insert(Agency), agencies)
        for start in range(0, size, 2000):
            rows = []
            for i in range(start, min(size, start + 2000)):
                en, fr = vocabularies["en"], vocabularies["fr"]
                rows.append(
                    {
                        "id": str(uuid.UUID(int=rng.getrandbits(128))),
                        "slug": f"service-{i}",
                        "agency_id": agencies[i % 50]["id"],
                        "status": ServiceStatus.PUBLISHED,
                        "name": sentence(en, rng, 3, 6)[:-1],
                        "summary": sentence(en, rng, 10, 20),
                        "description": " ".join(sentence(en, rng, 8, 20) for _ in range(rng.randint(4, 8))),
                        "how_to_apply": " ".join(sentence(en, rng, 6, 12) for _ in range(3)),
                        "keywords": [rng.choice(en[0]) for _ in range(4)],
                        "alternate_names": [],
                        "extra": {},
                        "translations": {}
                        if rng.random() < 0.3
                        else {
                            "fr": {
                                "name": sentence(fr, rng, 3, 6)[:-1],
                                "summary": sentence(fr, rng, 10, 20),
                                "description": " ".join(sentence(fr, rng, 8, 20) for _ in range(rng.randint(4, 8))),
                            }
                        },
                    }
                )
            connection.execute(insert(Service), rows)


def make_queries(rng: random.Random, count: int) -> list[str]:
    vocabulary = zipf_vocabulary(EN_WORDS, 30_000, random.Random(1))
    result = []
    for _ in range(count):
        words = rng.choices(vocabulary[0][:3000], cum_weights=vocabulary[1][:3000], k=rng.choice([1, 2, 2, 3]))
        if rng.random() < 0.15:  # a typo in one word
            w = words[0]
            if len(w) > 4:
                i = rng.randrange(1, len(w) - 1)
                words[0] = w[:i] + w[i + 1 :]
        result.append(" ".join(words))
    return result


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    q = statistics.quantiles(ordered, n=100)
    return {"p50": statistics.median(ordered), "p95": q[94], "p99": q[98], "qps": len(ordered) / sum(ordered)}


def time_calls(calls) -> dict[str, float]:
    samples = []
    for call in calls:
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return percentiles(samples)


def floor_statement(backend: str, query: str) -> tuple[str, dict]:
    """The floor of a query: its terms as a bare full-text match, ranked, LIMIT 10."""
    stems = terms(query, "en")
    if backend == "sqlite":
        match = " AND ".join(f'"{s}"' for s in stems) or '""'
        return (
            f"SELECT rowid, bm25(search_fts, {WEIGHTS}) AS r FROM search_fts WHERE search_fts MATCH :q "
            "ORDER BY r LIMIT 10",
            {"q": f'language : "{language_token("en")}" AND ({match})'},
        )
    tsquery = " & ".join("'" + s.replace("'", "''") + "'" for s in stems) or "''"
    return (
        "SELECT id, ts_rank(document, q) AS r FROM search_documents, CAST(:q AS tsquery) q "
        "WHERE language = 'en' AND document @@ q ORDER BY r DESC LIMIT 10",
        {"q": tsquery},
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str]):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "1",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,  # the project's gunicorn.conf.py logs each request there
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def time_http(port: int, paths: list[str], warm_up: list[str]) -> dict[str, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(path: str):
        def call():
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status >= 500:
                raise RuntimeError(f"{path}: {response.status}")

        return call

    for path in warm_up:
        get(path)()
    result = time_calls(get(p) for p in paths)
    connection.close()
    return result


def database_size(app, backend: str, url: str) -> int:
    if backend == "sqlite":
        path = Path(make_url(url).database)
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    with app.extensions["finder.db"].engine.connect() as c:
        return c.execute(text("SELECT pg_database_size(current_database())")).scalar()


def run(backend: str, size: int, folder: Path) -> dict:
    rng = random.Random(size)
    url, drop = database_url(backend, folder, f"bench-{size}")
    try:
        app = create_app({"database_url": url, "languages": LANGUAGES, "env": "test", "secret_key": "bench"})
        database = app.extensions["finder.db"]
        migrations.upgrade(database.engine)
        build_catalogue(app, size, rng)
        start = time.perf_counter()
        with database.transaction() as session:
            search.rebuild(session)
        build_seconds = time.perf_counter() - start
        if backend == "postgresql":
            with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(text("VACUUM ANALYZE"))

        warm_up, queries = make_queries(rng, WARM_UP_QUERIES), make_queries(rng, QUERIES)
        distinct = list(dict.fromkeys(queries))
        seen = {normal_form(q) for q in warm_up}
        repeats = 0
        for q in queries:
            repeats += normal_form(q) in seen
            seen.add(normal_form(q))

        def ask(session, q: str, cold: bool):
            def call():
                if cold:
                    search.forget_results()
                search.search(session, search.SearchRequest(text=q, language="en"))

            return call

        with database.sessions() as session:
            for q in warm_up:
                search.search(session, search.SearchRequest(text=q, language="en"))
            # A process that has run a while: the frequent words' postings it loads ahead are loaded.
            search.wait_for_loading()
            call = time_calls(ask(session, q, cold=False) for q in queries)
            cold = time_calls(ask(session, q, cold=True) for q in distinct)
            floor, floor_cold = (
                time_calls(
                    (lambda s=s, p=p: session.execute(text(s), p).all())
                    for s, p in (floor_statement(backend, q) for q in asked)
                )
                for asked in (queries, distinct)
            )
        env = {"FINDER_DATABASE_URL": url, "FINDER_SECRET_KEY": "bench", "FINDER_LANGUAGES": ",".join(LANGUAGES)}
        paths = [f"/api/v1/services?search={quote_plus(q)}&per_page=10" for q in queries]
        with gunicorn("wsgi:app", env) as port:
            # The same traffic first as for the call, so the workers' result caches are as warm.
            endpoint = time_http(port, paths, [f"/api/v1/services?search={quote_plus(q)}&per_page=10" for q in warm_up])
        with gunicorn("benchmarks.bare_flask:app", env) as port:
            bare = time_http(port, ["/constant"] * len(paths), ["/constant"] * 20)
        result = {
            "backend": backend,
            "services": size,
            "index_build_s": round(build_seconds, 2),
            "database_mb": round(database_size(app, backend, url) / 1e6, 1),
            "queries": len(queries),
            "repeats": repeats,
            "distinct": len(distinct),
            "search_call_ms": {k: round(v * 1000, 2) if k != "qps" else round(v) for k, v in call.items()},
            "floor_ms": {k: round(v * 1000, 2) if k != "qps" else round(v) for k, v in floor.items()},
            "search_cold_ms": {k: round(v * 1000, 2) if k != "qps" else round(v) for k, v in cold.items()},
            "floor_cold_ms": {k: round(v * 1000, 2) if k != "qps" else round(v) for k, v in floor_cold.items()},
            "http_ms": {k: round(v * 1000, 2) if k != "qps" else round(v) for k, v in endpoint.items()},
            "bare_flask_ms": {k: round(v * 1000, 2) if k != "qps" else round(v) for k, v in bare.items()},
        }
        database.dispose()
        return result
    finally:
        drop()


def report(r: dict) -> str:
    call, floor, http_, bare = r["search_call_ms"], r["floor_ms"], r["http_ms"], r["bare_flask_ms"]
    cold, floor_cold = r["search_cold_ms"], r["floor_cold_ms"]

    def line(name: str, call: dict, floor: dict) -> str:
        return (
            f"  {name:11}  p50 {call['p50']:6.2f}  p95 {call['p95']:6.2f}  p99 {call['p99']:6.2f} ms  {call['qps']:5d}/s"
            f"   floor p50 {floor['p50']:6.2f}  p95 {floor['p95']:6.2f} ms"
            f"   p95 ratio {call['p95'] / max(floor['p95'], 1e-6):5.1f}x\n"
        )

    return (
        f"{r['backend']:10} {r['services']:>7}  build {r['index_build_s']:7.1f} s  db {r['database_mb']:7.1f} MB"
        f"  stream {r['queries']} queries, {r['repeats']} repeats; cold {r['distinct']} distinct\n"
        + line("call stream", call, floor)
        + line("call cold", cold, floor_cold)
        + f"  HTTP         p50 {http_['p50']:6.2f}  p95 {http_['p95']:6.2f}  p99 {http_['p99']:6.2f} ms  {http_['qps']:5d}/s"
        f"   bare Flask p95 {bare['p95']:5.2f} ms   p95 / (call + bare) {http_['p95'] / (call['p95'] + bare['p95']):4.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,10000,25000,100000")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for backend in args.backends.split(","):
            for size in (int(s) for s in args.sizes.split(",")):
                result = run(backend, size, Path(folder))
                print(report(result), flush=True)
                results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
