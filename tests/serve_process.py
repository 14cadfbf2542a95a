"""``watchkeeper serve`` as a real subprocess on loopback: a free port, waiting until it answers, and the
first administrator's access key it writes on its first start."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

STARTUP_GUARD_SECONDS = 300
"""A hang guard only: a fresh server builds its networks first, which takes tens of seconds on a busy machine."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Return once ``/health`` answers; fail the test, with the server's log, if it exits or hangs."""
    deadline = time.monotonic() + STARTUP_GUARD_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the server did not answer within {STARTUP_GUARD_SECONDS} s:\n{log.read_text()}")


def first_key(path: Path) -> str:
    """The bearer token in the first administrator's key file."""
    fields = dict(line.split(": ", 1) for line in path.read_text().splitlines() if ": " in line)
    return fields["bearer_token"]
