"""Speed of the agency write API, in process (Flask's test client), on SQLite with the demo catalogue.

    .venv/bin/python benchmarks/write_api.py [--writes 100] [--bulk 100]

Prints p50/p95 latency of POST (create, published), PATCH (merge patch, HSDS) and PUT with the native format,
the time of one bulk upsert of --bulk records, and the cost of one argon2 password hash (each login pays it).
Each write is a transaction that validates, writes, reindexes the service and keeps a version.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from finder import agency, create_app, demo, migrations  # noqa: E402
from finder.agency import passwords  # noqa: E402
from finder.catalogue.models import derived_id  # noqa: E402
from finder.db import database  # noqa: E402


def _percentiles(label: str, seconds: list[float]) -> None:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    print(f"{label:28} n={len(ordered):4}  p50 {statistics.median(ordered) * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms")


def _record(agency_id: str, name: str) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "description": f"{name}: apply online with your national identity number. It takes about ten minutes.",
        "status": "active",
        "organization_id": agency_id,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--writes", type=int, default=100)
    parser.add_argument("--bulk", type=int, default=100)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    app = create_app({"env": "test", "database_url": f"sqlite:///{folder / 'bench.db'}", "secret_key": "bench"})
    with app.app_context():
        migrations.upgrade(database().engine)
        with database().transaction() as session:
            demo.load(session, default_language="en", max_bytes=20 * 1024 * 1024, languages=("en", "fr"))
        agency_id = derived_id("agency", "revenue-authority")
        with database().transaction() as session:
            _, token = agency.create_token(session, agency.Actor.system(), agency_id, "benchmark")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}

    created, times = [], []
    for i in range(args.writes):
        start = time.perf_counter()
        response = client.post("/api/v1/services", json=_record(agency_id, f"Benchmark service {i}"), headers=headers)
        times.append(time.perf_counter() - start)
        assert response.status_code == 201, response.get_json()
        created.append(response.get_json()["id"])
    _percentiles("POST /services (HSDS)", times)

    times = []
    for i, service_id in enumerate(created):
        start = time.perf_counter()
        response = client.patch(
            f"/api/v1/services/{service_id}",
            json={"description": f"Changed text number {i}."},
            headers={**headers, "Content-Type": "application/merge-patch+json"},
        )
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.get_json()
    _percentiles("PATCH /services/{id}", times)

    times = []
    for i, service_id in enumerate(created):
        record = {"slug": f"benchmark-native-{i}", "agency": "revenue-authority", "name": "Native", "summary": "Sum."}
        start = time.perf_counter()
        response = client.put(
            f"/api/v1/services/{service_id}",
            json=record,
            headers={**headers, "Content-Type": "application/vnd.service-finder+json"},
        )
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, response.get_json()
    _percentiles("PUT /services/{id} (native)", times)

    records = [_record(agency_id, f"Bulk service {i}") for i in range(args.bulk)]
    start = time.perf_counter()
    response = client.post("/api/v1/services/bulk", json=records, headers=headers)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, response.get_json()
    print(
        f"{'POST /services/bulk':28} {args.bulk} records in {elapsed:.2f} s ({elapsed / args.bulk * 1000:.1f} ms each)"
    )

    times = []
    for _ in range(10):
        start = time.perf_counter()
        passwords.hash_password("Tangerine-Lighthouse-907")
        times.append(time.perf_counter() - start)
    _percentiles("argon2id hash (login cost)", times)


if __name__ == "__main__":
    main()
