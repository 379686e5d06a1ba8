"""Search speed on synthetic catalogues, on SQLite and PostgreSQL, each figure beside its floor.

    .venv/bin/python benchmarks/search.py [--sizes 1000,10000,25000,100000] [--backends sqlite,postgresql]

For each backend and catalogue size it builds a catalogue of N services (realistic text lengths, a Zipf-like
vocabulary, English and French text), indexes it, then prints:
- index build time and database size;
- the search call (finder.search.search): p50/p95/p99 latency and queries per second, and its floor: the same
  query terms as a bare FTS5 MATCH ranked by bm25 / a bare tsquery ranked by ts_rank, LIMIT 10. Twice:
  * stream: queries drawn from a Zipf-like distribution, as traffic comes, after 600 of the same traffic (not
    timed) so that the process's result cache is in the state it is in production; a repeated query is answered
    from that cache (the repeats are printed). Three streams of new queries, one after the other;
  * cold: each distinct query of the first stream once, with the result cache emptied before each, so every call
    computes its results (what is kept per index version stays warm as in production: the vocabulary, the
    facets, the candidates' names, the hits shown, the frequent words' postings, which the benchmark lets the
    process finish loading ahead after the warm-up);
- the HTTP endpoint (GET /api/v1/services?search=...) through gunicorn (the project's settings, 2 workers of one
  thread), and its floor: a bare Flask endpoint returning a constant, on the same server settings. The client
  keeps one connection, which gunicorn keeps with one worker: that worker gets the same warm-up and the same
  streams as the call, each stream timed right before or after the call's (alternately), so the two are compared
  on the same queries in the same state.
Each stream figure is the median of the three streams'; the HTTP ratio is printed for each stream too. Figures are
what this machine does while other work shares it: read them as ratios to the floors.
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
# Timed streams, each of new queries; every figure is the median of the rounds' (a p95 of 300 samples moves a lot
# from one stream to the next on a shared machine).
ROUNDS = 3

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


def median_of(figures: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the rounds."""
    return {name: statistics.median(f[name] for f in figures) for name in figures[0]}


def in_ms(figures: dict[str, float]) -> dict[str, float]:
    return {k: round(v * 1000, 2) if k != "qps" else round(v) for k, v in figures.items()}


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
            # The client's one connection stays with one worker for the whole run, however long a round takes.
            "--keep-alive",
            "3600",
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


@contextlib.contextmanager
def http_client(port: int):
    """A GET-maker on one kept-alive connection (gunicorn keeps it with the worker that accepted it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(path: str):
        def call():
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status >= 500:
                raise RuntimeError(f"{path}: {response.status}")

        return call

    try:
        yield get
    finally:
        connection.close()


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

        warm_up = make_queries(rng, WARM_UP_QUERIES)
        rounds = [make_queries(rng, QUERIES) for _ in range(ROUNDS)]
        seen = {normal_form(q) for q in warm_up}
        repeats = []
        for queries in rounds:
            repeats.append(sum(normal_form(q) in seen for q in queries))
            seen.update(normal_form(q) for q in queries)
        distinct = list(dict.fromkeys(rounds[0]))

        def ask(session, q: str, cold: bool = False):
            def call():
                if cold:
                    search.forget_results()
                search.search(session, search.SearchRequest(text=q, language="en"))

            return call

        def floor_of(session, asked: list[str]) -> dict[str, float]:
            return time_calls(
                (lambda s=s, p=p: session.execute(text(s), p).all())
                for s, p in (floor_statement(backend, q) for q in asked)
            )

        def api(q: str) -> str:
            return f"/api/v1/services?search={quote_plus(q)}&per_page=10"

        env = {"FINDER_DATABASE_URL": url, "FINDER_SECRET_KEY": "bench", "FINDER_LANGUAGES": ",".join(LANGUAGES)}
        call, floor, endpoint = [], [], []
        with gunicorn("wsgi:app", env) as port, http_client(port) as get, database.sessions() as session:
            # The same traffic first for the call (in this process) and for the endpoint (one connection, so one
            # worker), so that what each keeps is in the same state.
            for q in warm_up:
                search.search(session, search.SearchRequest(text=q, language="en"))
                get(api(q))()
            # A process that has run a while: the frequent words' postings it loads ahead are loaded.
            search.wait_for_loading()
            for number, queries in enumerate(rounds):
                # Each round's queries are new to both; which of the two meets them first alternates, since the
                # first warms the database's pages for the second.
                measured = [(call, [ask(session, q) for q in queries]), (endpoint, [get(api(q)) for q in queries])]
                for figures, calls in measured if number % 2 == 0 else reversed(measured):
                    figures.append(time_calls(calls))
                floor.append(floor_of(session, queries))
            cold = time_calls(ask(session, q, cold=True) for q in distinct)
            floor_cold = floor_of(session, distinct)
        with gunicorn("benchmarks.bare_flask:app", env) as port, http_client(port) as get:
            for _ in range(20):
                get("/constant")()
            bare = [time_calls(get("/constant") for _ in range(QUERIES)) for _ in range(ROUNDS)]
        result = {
            "backend": backend,
            "services": size,
            "index_build_s": round(build_seconds, 2),
            "database_mb": round(database_size(app, backend, url) / 1e6, 1),
            "rounds": ROUNDS,
            "queries": QUERIES,
            "repeats": repeats,
            "distinct": len(distinct),
            "search_call_ms": in_ms(median_of(call)),
            "floor_ms": in_ms(median_of(floor)),
            "search_cold_ms": in_ms(cold),
            "floor_cold_ms": in_ms(floor_cold),
            "http_ms": in_ms(median_of(endpoint)),
            "bare_flask_ms": in_ms(median_of(bare)),
            "http_ratio_by_round": [
                round(e["p95"] / (c["p95"] + median_of(bare)["p95"]), 2) for e, c in zip(endpoint, call, strict=True)
            ],
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
        f"  {r['rounds']} streams of {r['queries']} queries ({'/'.join(map(str, r['repeats']))} repeats);"
        f" cold {r['distinct']} distinct\n"
        + line("call stream", call, floor)
        + line("call cold", cold, floor_cold)
        + f"  HTTP         p50 {http_['p50']:6.2f}  p95 {http_['p95']:6.2f}  p99 {http_['p99']:6.2f} ms  {http_['qps']:5d}/s"
        f"   bare Flask p95 {bare['p95']:5.2f} ms   p95 / (call + bare) {http_['p95'] / (call['p95'] + bare['p95']):4.2f}"
        f" (rounds {' '.join(f'{x:.2f}' for x in r['http_ratio_by_round'])})"
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
