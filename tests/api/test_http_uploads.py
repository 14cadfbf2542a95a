"""Uploaded footage over HTTP: held only in the data directory's ``tmp/`` while it is searched, deleted after,
and, when the server is killed meanwhile, swept and counted in the audit log at its next start; and
everything ``watchkeeper serve`` creates in its data directory private, whatever the umask."""

from __future__ import annotations

import signal
import stat
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from tests.api.serving import running_server
from tests.serve_process import first_key, watchkeeper_serve
from watchkeeper.config import Settings
from watchkeeper.face import FaceEngine
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Role
from watchkeeper.governance.schema import AuditEntryRow
from watchkeeper.governance.uploads import sweep_uploads, upload_file

CLIP = "examples/short_hamilton_clip.mp4"
PROBE = "examples/lin-manuel-miranda.png"
ENROLLED = "examples/obama.jpg"


def footage_form(faces_dir: Path) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    fields = {"case_reference": "OP-9", "reason": "trace a witness"}
    files = {
        "footage": ("clip.mp4", (faces_dir / CLIP).read_bytes()),
        "probe": ("p.png", (faces_dir / PROBE).read_bytes()),
    }
    return fields, files


def swept_counts(gov: Governance) -> list[object]:
    """The file counts of every ``retention.uploads_swept`` entry, in order."""
    with gov.sessions() as session:
        rows = session.scalars(select(AuditEntryRow.canonical).order_by(AuditEntryRow.sequence)).all()
    entries = [AuditEntry.from_canonical_bytes(row) for row in rows if row is not None]
    return [e.details["files"] for e in entries if e.action == "retention.uploads_swept"]


def test_footage_is_held_in_the_data_directory_and_deleted_after_the_search(
    tmp_path: Path, settings: Settings, engine: FaceEngine, faces_dir: Path
) -> None:
    data_dir = tmp_path / "data"
    with running_server(data_dir, settings, engine) as server, server.client(Role.ANALYST) as analyst:
        fields, files = footage_form(faces_dir)
        seen: list[str] = []
        done = threading.Event()

        def watch() -> None:  # what the upload directory holds while the search runs
            while not done.is_set():
                if (data_dir / "tmp").is_dir():
                    seen.extend(p.name for p in (data_dir / "tmp").iterdir() if p.name not in seen)
                time.sleep(0.01)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            response = analyst.post("/api/v1/footage-searches", data=fields, files=files)
        finally:
            done.set()
            watcher.join()
        assert response.status_code == 200, response.text
        assert response.json()["segments"], "the probe person is in the clip"
        assert len(seen) == 1, "the upload was held in the data directory's tmp/"
        assert list((data_dir / "tmp").iterdir()) == [], "and deleted when the search ended"
        assert swept_counts(server.gov) == []


def test_a_leftover_upload_is_swept_at_start_and_counted_but_one_in_use_is_not(
    tmp_path: Path, settings: Settings, engine: FaceEngine
) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "tmp").mkdir(parents=True)
    (data_dir / "tmp" / "upload-left.video").write_bytes(b"footage of someone")
    with running_server(data_dir, settings, engine) as server:
        assert not (data_dir / "tmp" / "upload-left.video").exists()
        assert swept_counts(server.gov) == [1]
        with upload_file(server.gov.settings, ".video") as in_use:  # another process's upload, being searched
            assert sweep_uploads(server.gov) == 0
            assert Path(in_use.name).exists()
        assert swept_counts(server.gov) == [1], "nothing swept: nothing recorded"


def modes(data_dir: Path) -> dict[str, str]:
    """Each path of the data directory (itself included) whose mode is not 0700 (directories) or 0600
    (files), with its mode."""
    wrong = {}
    for path in (data_dir, *data_dir.rglob("*")):
        mode = stat.S_IMODE(path.lstat().st_mode)
        if mode != (0o700 if path.is_dir() else 0o600):
            wrong[str(path.relative_to(data_dir))] = oct(mode)
    return wrong


def test_an_upload_left_by_a_killed_server_is_swept_at_its_next_start(tmp_path: Path, faces_dir: Path) -> None:
    data_dir, log = tmp_path / "data", tmp_path / "server.log"
    with watchkeeper_serve(data_dir, log, umask=0) as (process, url):
        token = first_key(data_dir / "keys" / "first-administrator-key.txt")
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=300) as admin:
            admin.post("/api/v1/galleries", json={"name": "watch", "reason": "tests"}).raise_for_status()
            enrolment = {
                "reference": "obama", "category": "wanted_by_courts", "reason": "warrant", "source": "tests",
                "expires_at": "2099-01-01T00:00:00+00:00",
            }  # fmt: skip
            image = {"images": ("obama.jpg", (faces_dir / ENROLLED).read_bytes())}
            admin.post("/api/v1/galleries/watch/subjects", data=enrolment, files=image).raise_for_status()
            search = {"case_reference": "C-1", "reason": "identify"}
            probe = {"probe": ("p.jpg", (faces_dir / ENROLLED).read_bytes())}
            admin.post("/api/v1/galleries/watch/searches", data=search, files=probe).raise_for_status()
            fields, files = footage_form(faces_dir)
            answered: list[httpx.Response | Exception] = []

            def upload() -> None:
                try:
                    answered.append(admin.post("/api/v1/footage-searches", data=fields, files=files))
                except httpx.TransportError as error:  # the server is killed under it
                    answered.append(error)

            uploading = threading.Thread(target=upload)
            uploading.start()
            deadline = time.monotonic() + 120
            while not _held(data_dir) and not answered and time.monotonic() < deadline:
                time.sleep(0.005)
            assert _held(data_dir), f"no upload appeared in the data directory's tmp/ ({answered})"
            process.send_signal(signal.SIGKILL)
            process.wait()
            uploading.join(timeout=60)
        left = _held(data_dir)
        assert len(left) == 1
        assert modes(data_dir) == {}, "everything the server created is private, the leftover upload too"
        assert "watchkeeper.db-wal" in {p.name for p in data_dir.iterdir()}
        assert any((data_dir / "indexes").iterdir())
    with watchkeeper_serve(data_dir, log, umask=0):
        assert _held(data_dir) == []
        gov = Governance.open(Settings(data_dir=data_dir))
        try:
            assert swept_counts(gov) == [1]
        finally:
            gov.close()
        assert modes(data_dir) == {}


def _held(data_dir: Path) -> list[Path]:
    directory = data_dir / "tmp"
    return sorted(directory.iterdir()) if directory.is_dir() else []
