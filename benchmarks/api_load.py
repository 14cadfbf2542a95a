"""Load on the search endpoint over loopback: several concurrent clients against one client, in one run.

Run: ``python benchmarks/api_load.py`` (options: ``--clients 4 --requests 20 --max-seconds 120``). It starts
a real server (uvicorn, the REST API, a temporary data directory), enrols the labelled people of the shared
examples into a gallery over HTTP, then searches it with probe photos of those people:

* the baseline: one client, its requests one after another;
* the load: ``--clients`` clients at once, each sending ``--requests`` searches.

Every request is a full retrospective search (decode, detect, describe, 1:N search, recorded and audited).
It reports throughput (searches per second), p50 and p99 latency, and errors (any non-200 answer counts);
``concurrency_speedup`` is the load's throughput over the baseline's. Both are bounded in count and in time
(``--max-seconds`` each). The last line is JSON with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from watchkeeper.config import load_settings
from watchkeeper.governance import audit_access, credentials, users
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Role
from watchkeeper.server.app import create_app
from watchkeeper.server.config import ServerConfig
from watchkeeper.server.embedded import serve_in_thread

PEOPLE = {
    "obama": "examples/obama.jpg",
    "biden": "examples/biden.jpg",
    "lin_manuel_miranda": "examples/lin-manuel-miranda.png",
    "alex_lacamoire": "examples/alex-lacamoire.png",
}
PROBES = (
    "examples/obama2.jpg",
    "tests/test_images/obama3.jpg",
    "tests/test_images/biden.jpg",
    "examples/obama-480p.jpg",
)


@dataclass(frozen=True)
class LoadResult:
    clients: int
    requests: int
    errors: int
    seconds: float
    latencies_ms: tuple[float, ...]

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def search_load(
    url: str, token: str, probes: list[tuple[str, bytes]], clients: int, requests: int, limit: float
) -> LoadResult:
    """``clients`` threads, each sending ``requests`` searches (probes in turn) until done or ``limit`` s."""
    deadline = time.monotonic() + limit

    def client(number: int) -> tuple[list[float], int]:
        latencies, errors = [], 0
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=limit) as http:
            for sent in range(requests):
                if time.monotonic() > deadline:
                    break
                name, data = probes[(number + sent) % len(probes)]
                started = time.perf_counter()
                response = http.post(
                    "/api/v1/galleries/people/searches",
                    data={"case_reference": f"LOAD-{number}", "reason": "load test"},
                    files={"probe": (name, data)},
                )
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code != 200
        return latencies, errors

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        outcomes = list(pool.map(client, range(clients)))
    seconds = time.perf_counter() - started
    latencies = tuple(ms for client_latencies, _ in outcomes for ms in client_latencies)
    return LoadResult(clients, len(latencies), sum(e for _, e in outcomes), seconds, latencies)


def prepare(url: str, admin_token: str, faces: Path) -> None:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin_token}"}, timeout=120) as admin:
        admin.post("/api/v1/galleries", json={"name": "people", "reason": "load test"}).raise_for_status()
        for reference, image in PEOPLE.items():
            admin.post(
                "/api/v1/galleries/people/subjects",
                data={
                    "reference": reference,
                    "category": "suspected_offence",
                    "reason": "load test",
                    "source": "shared examples",
                    "expires_at": "2099-01-01T00:00:00Z",
                },
                files=[("images", (Path(image).name, (faces / image).read_bytes()))],
            ).raise_for_status()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared/data/faces")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=20, help="Searches per client.")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="Time bound of each phase.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings({"WATCHKEEPER_DATA_DIR": data_dir})
        gov = Governance.open(settings)
        admin = users.resolve_actor(gov, users.add_user(gov, None, "ada", Role.ADMIN, "load test").name)
        users.add_user(gov, admin, "ann", Role.ANALYST, "load test")
        auditor = users.resolve_actor(gov, users.add_user(gov, admin, "aud", Role.AUDITOR, "load test").name)
        admin_token = credentials.issue_access_key(gov, admin, "ada", "load", "load test").bearer_token
        analyst_token = credentials.issue_access_key(gov, admin, "ann", "load", "load test").bearer_token
        config = ServerConfig(requests_per_second=10_000, burst=10_000)
        probes = [(Path(p).name, (args.data / p).read_bytes()) for p in PROBES]
        try:
            with serve_in_thread(create_app(gov, config)) as url:
                prepare(url, admin_token, args.data)
                search_load(url, analyst_token, probes, 1, 2, args.max_seconds)  # warm the models up
                baseline = search_load(url, analyst_token, probes, 1, args.requests, args.max_seconds)
                loaded = search_load(url, analyst_token, probes, args.clients, args.requests, args.max_seconds)
                audited = sum(
                    1
                    for _, entry in audit_access.entries(gov, auditor, 0, 1_000_000)
                    if entry and entry.action == "search.run"
                )
        finally:
            gov.close()

    for label, result in (("1 client", baseline), (f"{args.clients} clients", loaded)):
        print(
            f"{label:>10}: {result.requests} searches in {result.seconds:.1f} s = {result.throughput:.2f}/s, "
            f"p50 {result.percentile(50):.0f} ms, p99 {result.percentile(99):.0f} ms, {result.errors} errors"
        )
    print(f"searches audited: {audited} (every request is on the record)")
    speedup = loaded.throughput / baseline.throughput if baseline.throughput else 0.0
    print(f"concurrency speedup: {speedup:.2f}x")
    headline = {
        "clients": args.clients,
        "requests": loaded.requests,
        "errors": loaded.errors + baseline.errors,
        "throughput_rps": round(loaded.throughput, 3),
        "p50_ms": round(loaded.percentile(50), 1),
        "p99_ms": round(loaded.percentile(99), 1),
        "baseline_throughput_rps": round(baseline.throughput, 3),
        "concurrency_speedup": round(speedup, 3),
        "searches_audited": audited,
    }
    print(json.dumps(headline))


if __name__ == "__main__":
    main()
