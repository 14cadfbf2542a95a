"""Deleted biometric data is gone from every file once the act returns, and the data directory is private.

Each test scans the bytes of every file in the data directory (the database, its WAL and shared-memory
files, the index files, anything else) for what a removal must destroy: the descriptor as the float32
values it is stored as, and pieces of the JPEG enrolled (or the portrait cut for a watchlist). The core is
held open throughout, as a server holds it, so no closing connection checkpoints the WAL on its behalf.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from sqlalchemy import select, update

from watchkeeper.config import Settings
from watchkeeper.face import FaceEngine
from watchkeeper.governance import deployments, faces, galleries, retention, search, users
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.policy import RetentionPolicy
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.governance.schema import EnrolledFace, Gallery, WatchlistEntry

KEPT = "examples/obama.jpg"
REMOVED = "examples/biden.jpg"
CHUNK = 256
"""Pieces of an image searched for: any 256 bytes of it surviving anywhere counts as a leak."""


def enrol(gov: Governance, admin: Actor, faces_dir: Path, reference: str, image: str, expires_in: int = 90) -> None:
    details = galleries.SubjectDetails(
        reference, SubjectCategory.WANTED_BY_COURTS, "warrant", "custody", gov.clock.now() + timedelta(days=expires_in)
    )
    data = (faces_dir / image).read_bytes()
    assert galleries.enrol_subject(gov, admin, "watch", details, [galleries.EnrolmentImage(image, data)]).enrolled == 1


def stored_face(gov: Governance, reference_image: str) -> tuple[NDArray[np.float32], bytes]:
    """The descriptor and the image bytes stored for the face enrolled from ``reference_image``."""
    with gov.sessions() as session:
        face = session.scalars(select(EnrolledFace).where(EnrolledFace.image_name == reference_image)).one()
        return face.descriptor, bytes(face.image)


def secrets_of(stored: NDArray[np.float32], image: bytes, kept: bytes = b"") -> dict[str, bytes]:
    """What must not survive: each half of the descriptor's float32 values, and every 256-byte piece of the
    image that is not also in ``kept`` (images share headers, colour profiles and runs of padding)."""
    assert stored.shape == (128,)
    descriptor = stored.astype("<f4").tobytes()
    pieces = {"descriptor[:64]": descriptor[:256], "descriptor[64:]": descriptor[256:]}
    for start in range(0, len(image) - CHUNK + 1, CHUNK):
        piece = image[start : start + CHUNK]
        if piece not in kept:
            pieces[f"image[{start}:{start + CHUNK}]"] = piece
    assert len(pieces) > 2 + len(image) // CHUNK // 2, "most of the image is its own"
    return pieces


def leaks(data_dir: Path, secrets: dict[str, bytes]) -> list[str]:
    """Every file in ``data_dir`` holding any of ``secrets``, and which."""
    found = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        content = path.read_bytes()
        found += [f"{path.relative_to(data_dir)}: {name}" for name, piece in secrets.items() if piece in content]
    return found


def probe(gov: Governance, image: str) -> search.SearchRequest:
    """A search of the gallery with the enrolled image itself as the probe."""
    return search.SearchRequest("watch", "probe.jpg", stored_face(gov, image)[1], "C-1", "identify")


@pytest.fixture
def stocked(gov: Governance, people: dict[Role, Actor], faces_dir: Path) -> Governance:
    """A gallery of two people, searched once so that its index file is written."""
    admin = people[Role.ADMIN]
    galleries.create_gallery(gov, admin, "watch", "", "setup")
    enrol(gov, admin, faces_dir, "obama", KEPT)
    enrol(gov, admin, faces_dir, "biden", REMOVED, expires_in=10)
    search.run_search(gov, people[Role.ANALYST], probe(gov, KEPT))
    assert list((gov.settings.index_dir).iterdir()), "the gallery's index is on disk"
    return gov


def removed_secrets(gov: Governance) -> dict[str, bytes]:
    """What must go with the subject removed (pieces it shares with the subject kept excepted)."""
    return secrets_of(*stored_face(gov, REMOVED), kept=stored_face(gov, KEPT)[1])


def data_dir_of(gov: Governance) -> Path:
    return gov.settings.data_dir


def test_the_scan_finds_a_subject_still_enrolled(stocked: Governance) -> None:
    """The scan itself: before removal the descriptor and image are there to be found."""
    found = leaks(data_dir_of(stocked), removed_secrets(stocked))
    assert any("descriptor" in hit for hit in found)
    assert any("image" in hit for hit in found)


def test_a_removed_subject_is_gone_from_every_file(stocked: Governance, people: dict[Role, Actor]) -> None:
    secrets = removed_secrets(stocked)
    assert galleries.remove_subject(stocked, people[Role.ADMIN], "watch", "biden", "released") == 1
    assert leaks(data_dir_of(stocked), secrets) == []
    kept = secrets_of(*stored_face(stocked, KEPT))
    assert leaks(data_dir_of(stocked), kept), "the subject kept is still stored"


def test_a_removal_the_stale_index_cannot_follow_leaves_no_index_file_behind(
    stocked: Governance, people: dict[Role, Actor]
) -> None:
    """A process that died between committing a change and saving the index left the file a revision
    behind; the next removal cannot be applied to it, and the file, holding the removed face, goes."""
    secrets = removed_secrets(stocked)
    with transaction(stocked.sessions) as session:
        session.execute(update(Gallery).where(Gallery.name == "watch").values(revision=Gallery.revision + 1))
    assert galleries.remove_subject(stocked, people[Role.ADMIN], "watch", "biden", "released") == 1
    assert leaks(data_dir_of(stocked), secrets) == []
    outcome = search.run_search(stocked, people[Role.ANALYST], probe(stocked, KEPT))
    assert [c.reference for c in outcome.candidates] == ["obama"], "rebuilt from the database at the next use"


def test_a_face_removed_by_identifier_is_gone_from_every_file(stocked: Governance, people: dict[Role, Actor]) -> None:
    secrets = removed_secrets(stocked)
    with stocked.sessions() as session:
        face_id = session.scalars(select(EnrolledFace.face_uuid).where(EnrolledFace.image_name == REMOVED)).one()
    removed, _ = faces.remove_faces(stocked, people[Role.ADMIN], "watch", [face_id], "deleted by the client")
    assert removed == [face_id]
    assert leaks(data_dir_of(stocked), secrets) == []


def test_a_deleted_gallery_is_gone_from_every_file(stocked: Governance, people: dict[Role, Actor]) -> None:
    secrets = {**secrets_of(*stored_face(stocked, REMOVED)), **secrets_of(*stored_face(stocked, KEPT))}
    assert galleries.delete_gallery(stocked, people[Role.ADMIN], "watch", "operation closed") == 2
    assert leaks(data_dir_of(stocked), secrets) == []


def test_an_expired_subject_is_gone_from_every_file_after_retention(
    stocked: Governance, people: dict[Role, Actor], clock: FixedClock
) -> None:
    secrets = removed_secrets(stocked)
    clock.advance(timedelta(days=11))
    report = retention.enforce_retention(stocked, people[Role.ADMIN], RetentionPolicy(enrolled_images=None))
    assert report.expired_subjects == 1
    assert leaks(data_dir_of(stocked), secrets) == []


def test_aged_out_faces_are_gone_from_every_file_after_retention(
    stocked: Governance, people: dict[Role, Actor], clock: FixedClock
) -> None:
    secrets = {**secrets_of(*stored_face(stocked, REMOVED)), **secrets_of(*stored_face(stocked, KEPT))}
    clock.advance(timedelta(days=8))
    policy = RetentionPolicy(enrolled_images=timedelta(days=7))
    assert retention.enforce_retention(stocked, people[Role.ADMIN], policy).aged_faces == 2
    assert leaks(data_dir_of(stocked), secrets) == []


def test_an_ended_deployments_watchlist_is_gone_from_every_file(
    stocked: Governance, people: dict[Role, Actor], clock: FixedClock
) -> None:
    now = clock.now()
    deployments.authorise_deployment(
        stocked,
        people[Role.ADMIN],
        deployments.DeploymentSpec(
            name="foyer",
            purpose="find people wanted on warrant",
            location="foyer",
            cameras=("door",),
            mode=deployments.DeploymentMode.STATIC,
            trial=True,
            gallery="watch",
            authorising_officer="Supt. A. Example",
            starts_at=now,
            ends_at=now + timedelta(hours=2),
        ),
    )
    with stocked.sessions() as session:
        snapshot = session.scalars(select(WatchlistEntry)).all()
        secrets = {}
        for entry in snapshot:
            secrets.update({f"{entry.id}/{k}": v for k, v in secrets_of(entry.descriptor, entry.image).items()})
    galleries.delete_gallery(stocked, people[Role.ADMIN], "watch", "the source gallery goes too")
    assert leaks(data_dir_of(stocked), secrets), "the snapshot outlives its gallery until the deployment ends"
    deployments.end_deployment(stocked, people[Role.OPERATOR], "foyer", "event over")
    assert leaks(data_dir_of(stocked), secrets) == []


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """A umask that takes nothing away: whatever is private below is so because Watchkeeper set it."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def modes(data_dir: Path) -> dict[str, int]:
    """The permission bits of the data directory and of everything in it, by relative path."""
    found = {".": stat.S_IMODE(data_dir.stat().st_mode)}
    found.update({str(p.relative_to(data_dir)): stat.S_IMODE(p.stat().st_mode) for p in data_dir.rglob("*")})
    return found


def private(found: dict[str, int], data_dir: Path) -> dict[str, int]:
    """What ``found`` would be if every directory were 0700 and every file 0600."""
    return {name: 0o700 if (data_dir / name).is_dir() else 0o600 for name in found}


def test_the_data_directory_and_every_file_in_it_are_private_whatever_the_umask(
    permissive_umask: None, tmp_path: Path, settings: Settings, engine: FaceEngine, faces_dir: Path
) -> None:
    data_dir = tmp_path / "fresh" / "data"
    gov = Governance.open(replace(settings, data_dir=data_dir, config_file=tmp_path / "none.toml"), engine=engine)
    try:
        admin = users.resolve_actor(gov, users.add_user(gov, None, "ada", Role.ADMIN, "first").name)
        galleries.create_gallery(gov, admin, "watch", "", "setup")
        enrol(gov, admin, faces_dir, "obama", KEPT)
        search.run_search(gov, admin, search.SearchRequest("watch", "p.jpg", (faces_dir / KEPT).read_bytes(), "C", "r"))
        found = modes(data_dir)
        for expected in ("watchkeeper.db", "watchkeeper.db-wal", "watchkeeper.db-shm", "keys", "indexes"):
            assert expected in found
        assert any(name.startswith("indexes/") for name in found)
        assert found == private(found, data_dir)
    finally:
        gov.close()


def test_an_existing_data_directory_is_made_private_when_opened(
    tmp_path: Path, settings: Settings, permissive_umask: None
) -> None:
    """A deployment from before: the directory and its database as a 022 umask left them."""
    data_dir = tmp_path / "data"
    Governance.open(replace(settings, data_dir=data_dir, config_file=tmp_path / "none.toml")).close()
    data_dir.chmod(0o755)
    for name in ("watchkeeper.db", "keys/audit-signing-key.pem"):
        if (data_dir / name).exists():
            (data_dir / name).chmod(0o644)
    gov = Governance.open(replace(settings, data_dir=data_dir, config_file=tmp_path / "none.toml"))
    try:
        found = modes(data_dir)
        assert found == private(found, data_dir)
    finally:
        gov.close()
