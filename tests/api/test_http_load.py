"""The search endpoint under concurrent load (the benchmark itself, bounded in count and time): every search
answered and every one on the record."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_concurrent_searches_all_succeed_and_are_audited(faces_dir: Path) -> None:
    clients, requests = 3, 3
    bounds = ["--clients", str(clients), "--requests", str(requests), "--max-seconds", "240"]
    finished = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "benchmarks" / "api_load.py"), "--data", str(faces_dir), *bounds],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    headline = json.loads(finished.stdout.strip().splitlines()[-1])
    print(finished.stdout)
    assert headline["errors"] == 0
    assert headline["requests"] == clients * requests
    warm_up = 2
    assert headline["searches_audited"] == warm_up + requests + clients * requests
    assert headline["throughput_rps"] > 0
    assert headline["p99_ms"] >= headline["p50_ms"] > 0
