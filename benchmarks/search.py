"""1:N search time: Watchkeeper's exact and approximate indexes against a numpy linear scan, in one run.

Run: ``python benchmarks/search.py`` (options: ``--sizes 100000,1000000 --queries 200``). Galleries are
synthetic descriptors clustered like real identities (:mod:`watchkeeper.matching.synthetic`: 3-10 noisy
images per person, same-person distances mostly under 0.6, others mostly over); queries are fresh noisy
images of enrolled people. For each size it measures, for a single query with k=10:

* the numpy scan the face_recognition package does (``np.linalg.norm(known - probe, axis=1)``, then sort);
* the exact index and the approximate index (p50 and p99), and the approximate index's recall@10 against
  the exact one;
* the memory-bandwidth floor: the fastest of several ways to read the gallery's bytes once (a single-thread
  sum, a two-thread max, a BLAS product with a vector of ones), best of several rounds;
* each index's build (enrolment) time.

Ratios named ``*_speedup`` are the baseline's time over ours (higher is better); ``exact_over_floor`` is
exact search time over the floor (1.0 would be reading the gallery at the memory bandwidth and nothing
else). The last line is JSON with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from watchkeeper.matching import ApproximateIndex, ExactIndex, SearchResult, VectorIndex
from watchkeeper.matching.synthetic import clustered_gallery

K = 10


@dataclass(frozen=True)
class Latency:
    p50_ms: float
    p99_ms: float


@dataclass(frozen=True)
class SizeReport:
    size: int
    floor_ms: float
    floor_method: str
    numpy: Latency
    numpy_queries: int
    exact: Latency
    approximate: Latency
    recall_at_10: float
    build_exact_s: float
    build_approximate_s: float


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def latency(search: Callable[[NDArray[np.float32]], object], queries: NDArray[np.float32]) -> Latency:
    """p50 and p99 of single-query times, after one warm-up query."""
    search(queries[0])
    times = []
    for query in queries:
        start = time.perf_counter()
        search(query)
        times.append((time.perf_counter() - start) * 1e3)
    return Latency(float(np.percentile(times, 50)), float(np.percentile(times, 99)))


def bandwidth_floor(gallery: NDArray[np.float32], rounds: int = 7) -> tuple[float, str]:
    """Milliseconds to read the gallery once, best of ``rounds`` for each method, and the fastest method."""
    halves = np.array_split(gallery, 2)
    ones = np.ones(gallery.shape[1], dtype=np.float32)

    def threaded_max() -> None:
        workers = [threading.Thread(target=h.max) for h in halves]
        for w in workers:
            w.start()
        for w in workers:
            w.join()

    methods: dict[str, Callable[[], object]] = {
        "sum, 1 thread": gallery.sum,
        "max, 2 threads": threaded_max,
        "BLAS gallery @ ones": lambda: gallery @ ones,
    }
    best = {name: min(timed(action) for _ in range(rounds)) * 1e3 for name, action in methods.items()}
    method = min(best, key=lambda name: best[name])
    return best[method], method


def numpy_scan(known: NDArray[np.float32], probe: NDArray[np.float32]) -> NDArray[np.intp]:
    """What face_recognition's ``face_distance`` does, then the k nearest by sorting."""
    distances = np.linalg.norm(known - probe, axis=1)
    return np.argsort(distances)[:K]


def build(index: VectorIndex, ids: NDArray[np.int64], vectors: NDArray[np.float32]) -> float:
    return timed(lambda: index.add(ids, vectors))


def recall(reference: list[SearchResult], found: list[SearchResult]) -> float:
    shares = [len(np.intersect1d(r.ids[0], f.ids[0])) / K for r, f in zip(reference, found, strict=True)]
    return statistics.fmean(shares)


def measure(size: int, queries: int, numpy_queries: int, seed: int) -> SizeReport:
    faces = clustered_gallery(size, seed=seed)
    probes, _ = faces.probes(queries, seed=seed + 1)
    ids = np.arange(size, dtype=np.int64)
    floor_ms, floor_method = bandwidth_floor(faces.vectors)

    exact, approximate = ExactIndex(), ApproximateIndex()
    build_exact = build(exact, ids, faces.vectors)
    build_approximate = build(approximate, ids, faces.vectors)

    numpy_latency = latency(lambda q: numpy_scan(faces.vectors, q), probes[:numpy_queries])
    exact_latency = latency(lambda q: exact.search(q, K), probes)
    approximate_latency = latency(lambda q: approximate.search(q, K), probes)
    reference = [exact.search(q, K) for q in probes]
    found = [approximate.search(q, K) for q in probes]
    agree = [
        np.array_equal(numpy_scan(faces.vectors, q), r.ids[0]) for q, r in zip(probes[:5], reference[:5], strict=True)
    ]
    if not all(agree):
        raise SystemExit("the exact index and the numpy scan disagree: the benchmark would compare unequal work")
    return SizeReport(
        size=size,
        floor_ms=floor_ms,
        floor_method=floor_method,
        numpy=numpy_latency,
        numpy_queries=min(numpy_queries, queries),
        exact=exact_latency,
        approximate=approximate_latency,
        recall_at_10=recall(reference, found),
        build_exact_s=build_exact,
        build_approximate_s=build_approximate,
    )


def label(size: int) -> str:
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


def print_table(report: SizeReport) -> None:
    mb = report.size * 128 * 4 / 1e6
    print(f"\n{report.size:,} descriptors ({mb:,.0f} MB float32), single query, k={K}")
    print(f"  {'':38} {'p50 ms':>9} {'p99 ms':>9} {'build s':>9}")
    print(f"  {'memory-bandwidth floor':38} {report.floor_ms:9.2f}  ({report.floor_method})")
    rows = [
        (f"numpy linear scan ({report.numpy_queries} queries)", report.numpy, None),
        ("exact index", report.exact, report.build_exact_s),
        ("approximate index", report.approximate, report.build_approximate_s),
    ]
    for name, lat, built in rows:
        built_text = f"{built:9.2f}" if built is not None else ""
        print(f"  {name:38} {lat.p50_ms:9.2f} {lat.p99_ms:9.2f} {built_text}")
    print(f"  exact over floor            {report.exact.p50_ms / report.floor_ms:6.2f}x")
    print(f"  exact speedup over numpy    {report.numpy.p50_ms / report.exact.p50_ms:6.1f}x")
    print(f"  approx speedup over numpy   {report.numpy.p50_ms / report.approximate.p50_ms:6.1f}x")
    print(f"  approx speedup over exact   {report.exact.p50_ms / report.approximate.p50_ms:6.1f}x")
    print(f"  approx recall@10 vs exact   {report.recall_at_10:8.4f}")


def headline(reports: list[SizeReport]) -> dict[str, float]:
    figures: dict[str, float] = {}
    for r in reports:
        s = label(r.size)
        figures |= {
            f"exact_speedup_{s}": r.numpy.p50_ms / r.exact.p50_ms,
            f"approx_speedup_{s}": r.numpy.p50_ms / r.approximate.p50_ms,
            f"approx_over_exact_speedup_{s}": r.exact.p50_ms / r.approximate.p50_ms,
            f"exact_over_floor_{s}": r.exact.p50_ms / r.floor_ms,
            f"floor_ms_{s}": r.floor_ms,
            f"numpy_p50_ms_{s}": r.numpy.p50_ms,
            f"exact_p50_ms_{s}": r.exact.p50_ms,
            f"exact_p99_ms_{s}": r.exact.p99_ms,
            f"approx_p50_ms_{s}": r.approximate.p50_ms,
            f"approx_p99_ms_{s}": r.approximate.p99_ms,
            f"recall_at_10_{s}": r.recall_at_10,
            f"build_s_exact_{s}": r.build_exact_s,
            f"build_s_approx_{s}": r.build_approximate_s,
        }
    return {name: round(value, 4) for name, value in figures.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="gallery sizes, comma-separated")
    parser.add_argument("--queries", type=int, default=200, help="single queries timed per index and size")
    parser.add_argument(
        "--numpy-queries", type=int, default=30, help="queries for the numpy scan (about 0.3 s each at 1M)"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"search benchmark: {os.cpu_count()} CPUs, numpy {np.__version__}, {args.queries} queries per index")
    reports = []
    for size in sizes:
        reports.append(measure(size, args.queries, args.numpy_queries, args.seed))
        print_table(reports[-1])
    print(json.dumps(headline(reports)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
