"""``watchkeeper serve`` as a real subprocess on loopback: a free port, waiting until it answers, stopping it,
and the first administrator's access key it writes on its first start."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from watchkeeper.config import DATA_DIR_VARIABLE

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


@contextmanager
def watchkeeper_serve(data_dir: Path, log: Path, *, umask: int = -1) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``watchkeeper serve`` on ``data_dir`` and a free loopback port, its output appended to ``log``, until
    the block ends (``umask`` 0 shows that nothing is private unless made so); yields the process and URL."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "watchkeeper"), "serve", "--port", str(port)]
    environment = {**os.environ, DATA_DIR_VARIABLE: str(data_dir)}
    with log.open("a") as output:
        process = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT, umask=umask)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, log)
        yield process, url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
