"""Mixed traffic against real gunicorn servers with wrk, on SQLite and on PostgreSQL, beside the bare-Flask floor.

    .venv/bin/python benchmarks/load.py [--backends sqlite,postgresql] [--seconds 20] [--connections 16]
                                        [--workers 2] [--warm-up 10] [--only KIND] [--json out.json]

Needs `wrk` (Debian's package; installed with apt-get when missing and this runs as root). Loopback only, bounded
in time. Per backend: a fresh database with the demo catalogue, gunicorn with the project's gunicorn.conf.py and
`--workers` workers, then wrk with `--connections` connections for `--seconds` seconds sending a fixed mix:
60% searches, 25% service pages, 10% signed SMS webhooks (each a new message from a new number), 5% feedback forms
(with a CSRF token and cookie fetched beforehand, as a browser would) and click-outs. It prints the sustained
requests/s, p50/p95/p99 latency, errors (socket errors and non-2xx/3xx answers), and, after gunicorn is stopped
with SIGTERM (which flushes the buffered usage log), the usage events written per kind beside the requests sent.
The floor is benchmarks/bare_flask.py on the same gunicorn settings, measured the same way.

Before measuring, `--warm-up` seconds of requests for every page of the mix fill each worker's page cache, as on a
server that has been up a while. Beside the rate it prints the CPU time the app's workers and the database spent
per request (from /proc): on a shared machine the rate depends on what else runs, this much less. `--only` sends
one kind of request instead of the mix, to see what each costs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.databases import database_url  # noqa: E402
from benchmarks.web import QUERIES  # noqa: E402
from finder import catalogue, create_app, demo, migrations  # noqa: E402
from finder.metrics.models import UsageEventRow  # noqa: E402

TOKEN = "bench-twilio-token"
PUBLIC_URL = "https://finder.example"
SECRET = "bench-secret-" + uuid.uuid4().hex
# Per 100 requests: the mix.
MIX = {"search": 60, "service": 25, "sms": 10, "feedback": 3, "click": 2}
# The usage event each kind of request writes (channel, kind).
EVENT = {
    "search": ("web", "search"),
    "service": ("web", "service_view"),
    "sms": ("sms", "message_in"),
    "feedback": ("web", "feedback"),
    "click": ("web", "click_out"),
}
# A visitor may send 10 feedback forms an hour: each prefetched browser session sends fewer.
FEEDBACK_PER_SESSION = 8

LUA = r"""
local all_threads, counter = {}, 0
local requests, kinds = {}, {}
local thread_id, threads = 0, 1
generated, responses = 0, 0

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(all_threads, thread)
end

function init(args)
  thread_id = tonumber(wrk.thread:get("id"))
  if args[1] == nil then return end
  threads = tonumber(args[2])
  for line in io.lines(args[1]) do
    local kind, method, path, headers, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local h = {}
    for name, value in headers:gmatch("([^|:]+): ([^|]*)") do h[name] = value end
    if body == "" then body = nil end
    table.insert(requests, wrk.format(method, path, h, body))
  end
end

function request()
  if #requests == 0 then return wrk.request() end
  -- Thread t sends lines t, t + threads, t + 2 * threads...: no MessageSid is sent twice.
  local i = (thread_id + generated * threads) % #requests + 1
  generated = generated + 1
  return requests[i]
end

function response(status, headers, body)
  responses = responses + 1
end

function done(summary, latency, requests_)
  local per_thread = {}
  for _, thread in ipairs(all_threads) do
    table.insert(per_thread, string.format("[%d, %d]", thread:get("generated"), thread:get("responses")))
  end
  io.write(string.format("WRK_RESULT {\"requests\": %d, \"seconds\": %.3f, \"connect_errors\": %d, " ..
    "\"read_errors\": %d, \"write_errors\": %d, \"timeouts\": %d, \"status_errors\": %d, " ..
    "\"p50_ms\": %.2f, \"p95_ms\": %.2f, \"p99_ms\": %.2f, \"threads\": [%s]}\n",
    summary.requests, summary.duration / 1e6, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout, summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    table.concat(per_thread, ", ")))
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit("wrk is missing: install Debian's wrk package (apt-get install wrk).")
    print("Installing Debian's wrk...", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "wrk"]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, check=True)
        subprocess.run(install, env=env, capture_output=True, check=True)
    return shutil.which("wrk") or sys.exit("could not install wrk")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    def __init__(self, target: str, environ: dict[str, str], workers: int, log: Path) -> None:
        self.port = free_port()
        env = {name: value for name, value in os.environ.items() if not name.startswith("FINDER_")}
        env |= environ | {"WEB_CONCURRENCY": str(workers), "FINDER_BIND": f"127.0.0.1:{self.port}"}
        # The access log is off: at these rates writing it is measurable, and production ships it elsewhere.
        command = [str(Path(sys.executable).parent / "gunicorn"), "--access-logfile", "/dev/null", target]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                return
            except urllib.error.HTTPError:
                return  # the bare Flask app has no /healthz: it answers 404, so it is up
            except OSError:
                time.sleep(0.2)
        sys.exit(f"gunicorn did not start: {log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User plus system CPU time so far of each process (all its threads), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        found[pid] = (int(fields[11]) + int(fields[12])) / ticks
    return found


def server_processes(server: Gunicorn, database=None) -> list[int]:
    """gunicorn's workers and, on PostgreSQL, the database server processes serving this database."""
    pids = [
        int(pid) for pid in Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    ]
    if database is not None and database.engine.dialect.name == "postgresql":
        with database.engine.connect() as connection:
            pids += connection.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            ).all()
    return pids


def run_wrk(wrk: str, base: str, script: Path, requests_file: Path | None, seconds: int, connections: int) -> dict:
    threads = 2
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), base]
    if requests_file:
        command += ["--", str(requests_file), str(threads)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = json.loads(re.search(r"WRK_RESULT (\{.*\})", output).group(1))
    result["rps"] = result["requests"] / result["seconds"]
    result["errors"] = sum(result[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    result["errors"] += result["status_errors"]
    return result


def browser_session(base: str, slug: str) -> tuple[str, str]:
    """What a browser holds after opening a service page: its cookies and the form's CSRF token."""
    with urllib.request.urlopen(f"{base}/en/services/{slug}") as response:
        cookies = "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie"))
        token = re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode()).group(1)
    return cookies, token


def sms_line(number: int) -> str:
    from twilio.request_validator import RequestValidator

    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + "1" * 32,
        "From": f"+4477{number:08d}",
        "To": "+12025550142",
        "NumMedia": "0",
        "Body": ["lost passport", "birth certificate", "pension", "driving licence"][number % 4],
    }
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC_URL + "/channels/twilio/sms", params)
    headers = f"Content-Type: application/x-www-form-urlencoded|X-Twilio-Signature: {signature}"
    return f"sms\tPOST\t/channels/twilio/sms\t{headers}\t{urllib.parse.urlencode(params)}"


def request_lines(base: str, slugs: list[str], click_slugs: list[str], count: int) -> list[str]:
    """`count` requests in the mix, interleaved (each 100 in a row hold the mix's proportions)."""
    pattern = [kind for kind, share in MIX.items() for _ in range(share)]
    pattern = [pattern[(i * 37) % 100] for i in range(100)]  # spread the kinds through each block of 100
    queries = [(lang, q) for lang, words in QUERIES.items() for q in words]
    feedback_count = count * MIX["feedback"] // 100 + 1
    sessions = [browser_session(base, slugs[i % len(slugs)]) for i in range(feedback_count // FEEDBACK_PER_SESSION + 1)]
    lines = []
    for i in range(count):
        kind = pattern[i % 100]
        if kind == "search":
            lang, query = queries[i % len(queries)]
            lines.append(f"search\tGET\t/{lang}/search?{urllib.parse.urlencode({'q': query})}\t\t")
        elif kind == "service":
            lines.append(f"service\tGET\t/{('en', 'fr', 'ar')[i % 3]}/services/{slugs[i % len(slugs)]}\t\t")
        elif kind == "sms":
            lines.append(sms_line(i))
        elif kind == "click":
            lines.append(f"click\tGET\t/go/{click_slugs[i % len(click_slugs)]}\t\t")
        else:
            cookies, token = sessions[(i * MIX["feedback"] // 100) // FEEDBACK_PER_SESSION]
            body = urllib.parse.urlencode({"csrf_token": token, "useful": "yes" if i % 2 else "no"})
            headers = f"Content-Type: application/x-www-form-urlencoded|Cookie: {cookies}"
            lines.append(f"feedback\tPOST\t/en/services/{slugs[i % len(slugs)]}/feedback\t{headers}\t{body}")
    return lines


def event_counts(database) -> dict[tuple[str, str], int]:
    with database.sessions() as session:
        rows = session.execute(
            select(UsageEventRow.channel, UsageEventRow.kind, func.count()).group_by(
                UsageEventRow.channel, UsageEventRow.kind
            )
        )
        return {(channel, kind): count for channel, kind, count in rows}


def run(
    backend: str, folder: Path, wrk: str, seconds: int, connections: int, workers: int, warm_up: int, only: str | None
) -> dict:
    url, drop = database_url(backend, folder, "load")
    try:
        app = create_app({"database_url": url, "env": "test", "secret_key": SECRET})
        database = app.extensions["finder.db"]
        migrations.upgrade(database.engine)
        settings = app.config["FINDER"]
        with database.transaction() as session:
            demo.load(session, default_language="en", max_bytes=settings.max_import_bytes, languages=settings.languages)
            services = catalogue.published_services(session, per_page=10_000).items
            slugs = [s.slug for s in services]
            click_slugs = [s.slug for s in services if any(c.kind is catalogue.ChannelKind.ONLINE for c in s.channels)]
        environ = {
            # Production settings; SQLite runs as development since production requires PostgreSQL.
            "FINDER_ENV": "production" if backend == "postgresql" else "development",
            "FINDER_DATABASE_URL": url,
            "FINDER_SECRET_KEY": SECRET,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "FINDER_PUBLIC_URL": PUBLIC_URL,
            "FINDER_LOG_FORMAT": "json",
        }
        server = Gunicorn("wsgi:app", environ, workers, folder / f"{backend}.log")
        try:
            # Enough distinct requests that none repeats within the run (a repeated MessageSid is answered from cache).
            lines = request_lines(server.base, slugs, click_slugs, count=max(20_000, seconds * 2_000))
            if only:
                # One kind of request alone: what it costs by itself.
                lines = [line for line in lines if line.startswith(only + "\t")]
            requests_file = folder / f"{backend}-requests.tsv"
            requests_file.write_text("\n".join(lines) + "\n")
            script = folder / "mix.lua"
            script.write_text(LUA)
            # Each worker keeps the pages it rendered (finder/web/cache.py): a server that has been up a while has
            # them all, so the sustained rate is measured after every page was asked for a few times.
            pages = [line for line in lines if line.split("\t", 1)[0] in ("search", "service")]
            if warm_up and pages:
                warm_file = folder / f"{backend}-warm-up.tsv"
                warm_file.write_text("\n".join(dict.fromkeys(pages)) + "\n")
                run_wrk(wrk, server.base, script, warm_file, warm_up, connections)
            time.sleep(2)  # the set-up's own events are written before the baseline is taken
            before = event_counts(database)
            cpu_before = cpu_seconds(server_processes(server, database))
            wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
            result = run_wrk(wrk, server.base, script, requests_file, seconds, connections)
            wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu_after = cpu_seconds(server_processes(server, database))
            # Busy time of the app and the database per request: what limits the rate on an idle machine of N cores.
            server_cpu = sum(cpu - cpu_before.get(pid, 0.0) for pid, cpu in cpu_after.items())
            result["cpu_ms_per_request"] = server_cpu / result["requests"] * 1000
            result["wrk_cpu_ms_per_request"] = (
                (wrk_after.ru_utime + wrk_after.ru_stime - wrk_before.ru_utime - wrk_before.ru_stime)
                / result["requests"]
                * 1000
            )
        finally:
            server.stop()  # SIGTERM: workers finish in-flight requests and flush their usage logs
        after = event_counts(database)
        written = {kind: after.get(EVENT[kind], 0) - before.get(EVENT[kind], 0) for kind in MIX}
        result["events_written"] = written
        result["requests_sent"] = sent_per_kind(lines, [generated for generated, _ in result["threads"]])
        # Sent but not answered when wrk stopped: the server may still have served (and logged) them.
        result["in_flight"] = sum(generated - answered for generated, answered in result["threads"])
        database.dispose()
        return {"backend": backend, **result}
    finally:
        drop()


def sent_per_kind(lines: list[str], generated: list[int]) -> dict[str, int]:
    """Requests of each kind that wrk's threads sent (thread t sends lines t, t + threads, ...)."""
    kinds = [line.split("\t", 1)[0] for line in lines]
    sent = dict.fromkeys(MIX, 0)
    for thread, count in enumerate(generated):
        for k in range(count):
            sent[kinds[(thread + k * len(generated)) % len(kinds)]] += 1
    return sent


def floor(folder: Path, wrk: str, seconds: int, connections: int, workers: int) -> dict:
    server = Gunicorn("benchmarks.bare_flask:app", {}, workers, folder / "floor.log")
    script = folder / "floor.lua"
    script.write_text('wrk.path = "/constant"\n' + LUA)
    try:
        cpu_before = cpu_seconds(server_processes(server))
        result = run_wrk(wrk, server.base, script, None, seconds, connections)
        cpu_after = cpu_seconds(server_processes(server))
        server_cpu = sum(cpu - cpu_before.get(pid, 0.0) for pid, cpu in cpu_after.items())
        return {**result, "cpu_ms_per_request": server_cpu / result["requests"] * 1000}
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warm-up", type=int, default=10, help="seconds of page requests before measuring (0: none)")
    parser.add_argument("--only", choices=list(MIX), help="send only this kind of request, not the mix")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    wrk = ensure_wrk()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = floor(folder, wrk, args.seconds, args.connections, args.workers)
        print(
            f"floor (bare Flask, {args.workers} workers, {args.connections} connections): {base['rps']:.0f} req/s, "
            f"CPU per request {base['cpu_ms_per_request']:.2f} ms"
        )
        for backend in args.backends.split(","):
            result = run(backend, folder, wrk, args.seconds, args.connections, args.workers, args.warm_up, args.only)
            results.append(result)
            print(
                f"{backend}: {result['rps']:.0f} req/s ({result['rps'] / base['rps']:.0%} of the floor), "
                f"p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
                f"errors {result['errors']}"
            )
            print(
                f"  CPU per request: app and database {result['cpu_ms_per_request']:.2f} ms, wrk "
                f"{result['wrk_cpu_ms_per_request']:.2f} ms: an idle {os.cpu_count()}-core machine would serve about "
                f"{os.cpu_count() * 1000 / (result['cpu_ms_per_request'] + result['wrk_cpu_ms_per_request']):.0f} req/s"
            )
            print(f"  usage events (after SIGTERM's flush); {result['in_flight']} requests in flight at the cut-off")
            for kind in MIX:
                sent, written = result["requests_sent"][kind], result["events_written"][kind]
                print(f"  {kind:9} sent {sent:6}  events written {written:6}  not written {sent - written}")
            # wrk cannot tell which request an unanswered one was, so lost events are judged over all kinds: every
            # answered request must have its event (an unanswered one may or may not have reached the app).
            answered = sum(result["requests_sent"].values()) - result["in_flight"]
            written = sum(result["events_written"].values())
            print(f"  answered {answered}, events written {written}: lost {max(0, answered - written)}")
    if args.json:
        args.json.write_text(json.dumps({"floor": base, "backends": results}, indent=2))


if __name__ == "__main__":
    main()
