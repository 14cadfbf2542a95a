"""Failures of the server's surroundings and tricks with headers, reported in the documented shapes.

A full disk is real: the data directory is a small tmpfs, filled to the last byte, under a server that
has the database open and a command line run beside it. Mounting needs root; elsewhere those tests skip,
saying so. A refused form never sends the browser back to a page of another site.
"""

from __future__ import annotations

import errno
import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.hostile.hostile_requests import rest_refusal
from tests.api.serving import PEOPLE, RunningServer, running_server
from watchkeeper.config import DATA_DIR_VARIABLE, Settings
from watchkeeper.face import FaceEngine
from watchkeeper.governance.roles import Role

TMPFS_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class FullDisk:
    server: RunningServer
    data_dir: Path
    filler: Path


def _fill(path: Path) -> None:
    """Write ``path`` until its filesystem has no byte left."""
    with path.open("wb", buffering=0) as filler:
        for chunk in (b"\0" * 65536, b"\0"):
            try:
                while True:
                    filler.write(chunk)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise


@pytest.fixture
def full_disk(tmp_path: Path, settings: Settings, engine: FaceEngine) -> Iterator[FullDisk]:
    """A server on a data directory whose filesystem is full; the database's write-ahead log is
    checkpointed and truncated first, so that the next write needs space the disk does not have."""
    if os.geteuid() != 0:
        pytest.skip("a full filesystem is made by mounting a small tmpfs, which needs root")
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={TMPFS_BYTES}", "tmpfs", str(data_dir)], check=True)
    try:
        with running_server(data_dir, settings, engine) as server:
            with closing(sqlite3.connect(data_dir / "watchkeeper.db")) as database:
                database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            filler = data_dir / "filler"
            _fill(filler)
            yield FullDisk(server, data_dir, filler)
    finally:
        subprocess.run(["umount", "--lazy", str(data_dir)], check=True)


def test_a_full_disk_is_a_503_in_the_documented_shape_and_stores_nothing(full_disk: FullDisk) -> None:
    server = full_disk.server
    audit_size = server.gov.audit.size()
    with server.client(Role.ADMIN) as admin:
        response = admin.post("/api/v1/galleries", json={"name": "custody", "reason": "custody images"})
        assert "full" in rest_refusal(response, 503, "unavailable")
        assert admin.get("/api/v1/galleries").json() == []
        assert server.gov.audit.size() == audit_size
        full_disk.filler.unlink()
        assert admin.post("/api/v1/galleries", json={"name": "custody", "reason": "custody images"}).status_code == 201


def test_footage_that_cannot_be_held_on_a_full_disk_is_a_503_and_leaves_nothing(
    full_disk: FullDisk, faces_dir: Path
) -> None:
    """The upload is copied into the data directory's own tmp/ before the search: on a full disk that copy
    fails outside the database, and is still the server's storage failing, not the client's input."""
    server = full_disk.server
    audit_size = server.gov.audit.size()
    fields = {"case_reference": "OP-9", "reason": "trace a witness"}
    files = {
        "footage": ("clip.mp4", (faces_dir / "examples" / "short_hamilton_clip.mp4").read_bytes()),
        "probe": ("probe.png", (faces_dir / "examples" / "lin-manuel-miranda.png").read_bytes()),
    }
    with server.client(Role.ANALYST) as analyst:
        response = analyst.post("/api/v1/footage-searches", data=fields, files=files)
    assert "No space left" in rest_refusal(response, 503, "unavailable")
    assert list((full_disk.data_dir / "tmp").iterdir()) == []
    assert server.gov.audit.size() == audit_size


def watchkeeper(data_dir: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "watchkeeper"), *arguments]
    environment = {**os.environ, DATA_DIR_VARIABLE: str(data_dir)}
    return subprocess.run(command, env=environment, capture_output=True, text=True, timeout=300, check=False)


def test_a_full_disk_ends_a_command_with_one_line_and_exit_3(full_disk: FullDisk) -> None:
    """The command opens the database the server holds open, then cannot write its change."""
    admin = PEOPLE[Role.ADMIN]
    arguments = ("gallery", "create", "custody", "--reason", "custody images", "--user", admin)
    shown = watchkeeper(full_disk.data_dir, *arguments)
    assert shown.returncode == 3, shown.stderr
    assert "Traceback" not in shown.stderr
    assert re.fullmatch(r"error: .*full.*\n", shown.stderr), shown.stderr
    as_json = watchkeeper(full_disk.data_dir, *arguments, "--json")
    assert as_json.returncode == 3, as_json.stderr
    assert json.loads(as_json.stdout)["error"]["code"] == "unavailable"
    with full_disk.server.client(Role.ADMIN) as client:
        assert client.get("/api/v1/galleries").json() == []


def _csrf_token(page: httpx.Response) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, page.text
    return token[1]


@pytest.fixture
def signed_in(server: RunningServer) -> Iterator[httpx.Client]:
    """A browser-like client signed in to the web pages as the administrator."""
    secret = server.tokens[Role.ADMIN].partition(".")[2]
    with httpx.Client(base_url=server.url, headers={"Accept": "text/html"}, timeout=120.0) as client:
        token = _csrf_token(client.get("/sign-in"))
        assert client.post("/sign-in", data={"user": PEOPLE[Role.ADMIN], "secret": secret, "csrf_token": token})
        yield client


@pytest.mark.parametrize("referrer", ["//other.host/x", "{url}//other.host/x", "{url}/\t/other.host/x"])
def test_a_refused_form_never_redirects_to_another_site(
    server: RunningServer, signed_in: httpx.Client, referrer: str
) -> None:
    """A form without its CSRF token is refused; the page it names as its origin is not on this server,
    so the refusal is shown here rather than followed there."""
    response = signed_in.post("/galleries", data={"name": "x"}, headers={"Referer": referrer.format(url=server.url)})
    assert response.status_code == 403, response.headers.get("location")
    assert "did not come from this session" in response.text


def test_a_refused_form_goes_back_to_its_own_page(server: RunningServer, signed_in: httpx.Client) -> None:
    response = signed_in.post("/galleries", data={"name": "x"}, headers={"Referer": f"{server.url}/galleries?page=2"})
    assert response.status_code == 303
    assert response.headers["location"] == "/galleries?page=2"
