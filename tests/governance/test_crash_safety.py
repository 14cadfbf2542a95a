"""An enrolment killed midway (SIGKILL, in a separate process) leaves the gallery consistent."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from watchkeeper.config import Settings
from watchkeeper.governance import audit_access, galleries, users
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.clock import SystemClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.indexes import GalleryVersion
from watchkeeper.governance.roles import Role
from watchkeeper.governance.schema import AuditEntryRow, EnrolledFace, Gallery, Subject


def subject_count(gov: Governance) -> int:
    with gov.sessions() as session:
        return session.scalar(select(func.count()).select_from(Subject)) or 0


def test_enrolment_killed_midway_leaves_a_consistent_gallery(
    tmp_path: Path, settings: Settings, faces_dir: Path
) -> None:
    data_dir = tmp_path / "data"
    if settings.model_cache_dir.is_dir():
        shutil.copytree(settings.model_cache_dir, data_dir / "models")  # reuse the built networks
    local = Settings(data_dir=data_dir, network_backend=settings.network_backend)
    gov = Governance.open(local, SystemClock())
    admin = users.add_user(gov, None, "ada", Role.ADMIN, "first administrator")
    galleries.create_gallery(gov, users.resolve_actor(gov, admin.name), "johns", "", "crash test")

    command = [
        str(Path(sys.executable).parent / "watchkeeper"),
        "enrol", "johns", str(faces_dir / "dlib/examples/johns"),
        "--category", "suspected_offence", "--reason", "crash test", "--source", "dlib examples",
        "--expires", "2099-01-01", "--user", "ada",
    ]  # fmt: skip
    env = {**os.environ, "WATCHKEEPER_DATA_DIR": str(data_dir)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while subject_count(gov) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "enrolment finished before it could be interrupted"
    process.send_signal(signal.SIGKILL)
    process.wait()

    reopened = Governance.open(local, SystemClock())
    with reopened.sessions() as session:
        subjects = session.scalar(select(func.count()).select_from(Subject)) or 0
        faceless = session.scalar(
            select(func.count())
            .select_from(Subject)
            .where(~select(EnrolledFace.id).where(EnrolledFace.subject_id == Subject.id).exists())
        )
        orphans = session.scalar(
            select(func.count())
            .select_from(EnrolledFace)
            .where(~select(Subject.id).where(Subject.id == EnrolledFace.subject_id).exists())
        )
        face_ids = set(session.scalars(select(EnrolledFace.id)).all())
        gallery = session.scalars(select(Gallery)).one()
        enrol_entries = [
            AuditEntry.from_canonical_bytes(c)
            for c in session.scalars(select(AuditEntryRow.canonical).order_by(AuditEntryRow.sequence))
            if c is not None
        ]
    assert 2 <= subjects < 5, "killed midway: some subjects enrolled, not all"
    assert faceless == 0
    assert orphans == 0
    expected = _distinct_images_per_subject(faces_dir / "dlib/examples/johns")
    assert all(count == expected[reference] for reference, count in _faces_per_subject(reopened).items())
    assert set(reopened.indexes.get(GalleryVersion.of(gallery)).ids().tolist()) == face_ids
    assert sum(e.action == "subject.enrol" for e in enrol_entries) == subjects
    auditor = users.add_user(reopened, users.resolve_actor(reopened, "ada"), "aud", Role.AUDITOR, "check")
    assert audit_access.verify(reopened, users.resolve_actor(reopened, auditor.name)).ok

    # Re-running the enrolment completes it without duplicating anything.
    subprocess.run(command, env=env, check=True, capture_output=True)
    assert _faces_per_subject(reopened) == expected
    gov.close()
    reopened.close()


def _faces_per_subject(gov: Governance) -> dict[str, int]:
    with gov.sessions() as session:
        rows = session.execute(
            select(Subject.reference, func.count(EnrolledFace.id)).join(EnrolledFace).group_by(Subject.reference)
        ).all()
    return {str(reference): int(count) for reference, count in rows}


def _distinct_images_per_subject(folder: Path) -> dict[str, int]:
    """Images per subject folder, byte-identical copies counted once (enrolment skips them)."""
    return {d.name: len({hashlib.sha256(p.read_bytes()).digest() for p in d.iterdir()}) for d in folder.iterdir()}


def test_enrolment_on_a_full_disk_is_refused_and_stores_nothing(
    tmp_path: Path, settings: Settings, faces_dir: Path
) -> None:
    """The index directory on a filesystem with no space left (a small tmpfs, filled, mounted in a mount
    namespace of the command's own): the command says the index could not be saved and nothing is stored."""
    if shutil.which("unshare") is None:
        pytest.skip("needs util-linux's unshare to give the command a full filesystem of its own")
    data_dir = tmp_path / "data"
    if settings.model_cache_dir.is_dir():
        shutil.copytree(settings.model_cache_dir, data_dir / "models")
    local = Settings(data_dir=data_dir, network_backend=settings.network_backend)
    gov = Governance.open(local, SystemClock())
    admin = users.add_user(gov, None, "ada", Role.ADMIN, "first administrator")
    galleries.create_gallery(gov, users.resolve_actor(gov, admin.name), "johns", "", "full disk test")
    with gov.sessions() as session:
        entries_before = session.scalar(select(func.count()).select_from(AuditEntryRow))
    indexes = data_dir / "indexes"
    indexes.mkdir(exist_ok=True)
    enrol = [
        str(Path(sys.executable).parent / "watchkeeper"),
        "enrol", "johns", str(faces_dir / "dlib/examples/johns"),
        "--category", "suspected_offence", "--reason", "full disk test", "--source", "dlib examples",
        "--expires", "2099-01-01", "--user", "ada", "--json",
    ]  # fmt: skip
    script = (
        'mount -t tmpfs -o size=16k tmpfs "$1" || exit 97; '
        'dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null; shift; exec "$@"'
    )
    namespace = ["unshare", "--mount", "--map-root-user", "--propagation", "private"]
    done = subprocess.run(
        [*namespace, "sh", "-c", script, "sh", str(indexes), *enrol],
        env={**os.environ, "WATCHKEEPER_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode == 97 or "unshare failed" in done.stderr:
        pytest.skip(f"this machine does not let a process mount a filesystem of its own: {done.stderr.strip()}")
    error = json.loads(done.stdout)["error"]
    assert done.returncode == 3, done.stdout + done.stderr
    assert error["code"] == "index_unavailable"
    assert "No space left on device" in error["reason"]
    assert subject_count(gov) == 0
    with gov.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntryRow)) == entries_before
    gov.close()
