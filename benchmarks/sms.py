"""The SMS webhook's speed through a real WSGI server, on the demo catalogue on SQLite.

    .venv/bin/python benchmarks/sms.py [--messages 400] [--clients 4] [--runs 3] [--backend sqlite|postgresql]

It builds the demo catalogue in a temporary SQLite database (or a PostgreSQL database made for the run on
FINDER_TEST_POSTGRES_URL and dropped after), serves `wsgi:app` with gunicorn (2 workers) on the
loopback, and has `--clients` threads play whole conversations (a search in one of four languages, a pick, MORE,
MENU, a life event), each with its own sender, every request signed as Twilio signs it. It prints p50/p95/p99
latency per kind of message and overall, and throughput, each the median of `--runs` runs; beside them, the floor
(a bare Flask app answering a constant, same server and clients) and the app's own time (the same conversations
in-process through Flask's test client, no server), so figures from a shared, busy machine can be read as ratios.
Target: p95 under 50 ms (Twilio gives up after 15 s).
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.databases import database_url  # noqa: E402
from benchmarks.search import gunicorn  # noqa: E402
from finder import create_app, demo, migrations  # noqa: E402

TOKEN = "benchmark-token"
WEBHOOK = "/channels/twilio/sms"
# (kind, message): one conversation; searches rotate through the languages.
SEARCHES = ("lost passport", "perdu mon passeport", "renovar mi pasaporte", "فقدت جواز سفري", "register a birth")
CONVERSATION = (("search", None), ("pick", "1"), ("more", "MORE"), ("menu", "MENU"), ("event", "2"))


def build_demo(url: str) -> None:
    app = create_app({"env": "test", "database_url": url, "secret_key": "bench"})
    database = app.extensions["finder.db"]
    migrations.upgrade(database.engine)
    settings = app.config["FINDER"]
    with database.transaction() as session:
        demo.load(session, default_language="en", max_bytes=20 * 1024 * 1024, languages=settings.languages)
    database.dispose()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def signed(url: str, sender: str, text: str) -> tuple[dict[str, str], dict[str, str]]:
    params = {"MessageSid": "SM" + uuid.uuid4().hex, "From": sender, "Body": text, "NumMedia": "0"}
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(url, params),
    }
    return params, headers


def over_http(port: int, floor: bool):
    """A function posting one message to the server on `port` (or, for the floor, getting the constant)."""
    url = f"http://127.0.0.1:{port}{WEBHOOK}"
    local = threading.local()

    def send(sender: str, text: str) -> float:
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        params, headers = signed(url, sender, text)
        started = time.perf_counter()
        if floor:
            local.connection.request("GET", "/constant")
        else:
            local.connection.request("POST", WEBHOOK, body=urlencode(params), headers=headers)
        response = local.connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{text!r}: HTTP {response.status}")
        return (time.perf_counter() - started) * 1000

    return send


def in_process(app):
    """A function posting one message through Flask's test client: the app's own time, without a server."""
    client = app.test_client()

    def send(sender: str, text: str) -> float:
        params, headers = signed("http://localhost" + WEBHOOK, sender, text)
        started = time.perf_counter()
        response = client.post(WEBHOOK, data=params, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"{text!r}: HTTP {response.status_code}")
        return (time.perf_counter() - started) * 1000

    return send


def run(send, messages: int, clients: int) -> dict:
    timings: list[tuple[str, float]] = []
    lock = threading.Lock()
    per_client = messages // clients

    def client(index: int) -> None:
        sent, conversation = 0, 0
        while sent < per_client:
            sender = f"+4470{uuid.uuid4().int % 10**8:08d}"
            for kind, body in CONVERSATION:
                if sent >= per_client:
                    break
                elapsed = send(sender, body or SEARCHES[(index + conversation) % len(SEARCHES)])
                with lock:
                    timings.append((kind, elapsed))
                sent += 1
            conversation += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    result = {"all": [t for _k, t in timings], "throughput": len(timings) / wall}
    for kind, _body in CONVERSATION:
        result[kind] = [t for k, t in timings if k == kind]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url, drop = database_url(args.backend, Path(folder), "sms")
        try:
            build_demo(url)
            results, floors, own = measure(url, args)
        finally:
            drop()
    backend = "SQLite" if args.backend == "sqlite" else "PostgreSQL"
    print(f"SMS webhook, demo catalogue on {backend}, gunicorn 2 workers, {args.clients} concurrent clients,")
    print(f"{args.messages} messages a run, median of {args.runs} runs (latency in ms)")
    print(f"{'message':<8} {'count':>6} {'p50':>7} {'p95':>7} {'p99':>7}   {'in-process p50':>14} {'p95':>6}")
    for kind in ("all", *(k for k, _b in CONVERSATION)):
        count = len(results[0][kind])
        figures = [_median(results, kind, f) for f in (0.5, 0.95, 0.99)]
        inside = [_median(own, kind, f) for f in (0.5, 0.95)]
        print(
            f"{kind:<8} {count:>6} "
            + " ".join(f"{v:>7.1f}" for v in figures)
            + f"   {inside[0]:>14.1f} {inside[1]:>6.1f}"
        )
    floor = [_median(floors, "all", f) for f in (0.5, 0.95, 0.99)]
    print(f"{'floor':<8} {len(floors[0]['all']):>6} " + " ".join(f"{v:>7.1f}" for v in floor) + "   (bare Flask)")
    print(f"throughput: {statistics.median(r['throughput'] for r in results):.0f} messages/s over HTTP")


def measure(url: str, args) -> tuple[list[dict], list[dict], list[dict]]:
    env = {
        "FINDER_ENV": "production",
        "FINDER_DATABASE_URL": url,
        "FINDER_SECRET_KEY": "bench-secret",
        "TWILIO_AUTH_TOKEN": TOKEN,
        "FINDER_REDIS_URL": "",
    }
    with gunicorn("wsgi:app", env) as port:
        run(over_http(port, False), 40, 2)  # warm up both workers
        results = [run(over_http(port, False), args.messages, args.clients) for _ in range(args.runs)]
    with gunicorn("benchmarks.bare_flask:app", env) as port:
        floors = [run(over_http(port, True), args.messages, args.clients) for _ in range(args.runs)]
    app = create_app({"env": "test", "database_url": url, "secret_key": "bench", "twilio_auth_token": TOKEN})
    run(in_process(app), 40, 1)
    own = [run(in_process(app), args.messages, 1) for _ in range(args.runs)]
    app.extensions["finder.db"].dispose()
    return results, floors, own


def _median(results: list[dict], kind: str, fraction: float) -> float:
    return statistics.median(percentile(r[kind], fraction) for r in results)


if __name__ == "__main__":
    main()
