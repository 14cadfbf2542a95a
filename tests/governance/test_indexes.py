"""Gallery indexes: never taken for another gallery's, and never ahead of or behind the database after a
failed write."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from watchkeeper.config import Settings
from watchkeeper.errors import WatchkeeperError
from watchkeeper.face import FaceEngine
from watchkeeper.governance import galleries, search, users
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.governance.schema import AuditEntryRow, EnrolledFace, Gallery, Subject

OBAMA = "examples/obama.jpg"
OBAMA_PROBE = "examples/obama2.jpg"
BIDEN = "examples/biden.jpg"


def enrol(gov: Governance, actor: Actor, gallery: str, reference: str, image: Path) -> galleries.EnrolmentOutcome:
    details = galleries.SubjectDetails(
        reference, SubjectCategory.SUSPECTED_OFFENCE, "test", "shared photos", gov.clock.now() + timedelta(days=30)
    )
    return galleries.enrol_subject(
        gov, actor, gallery, details, [galleries.EnrolmentImage(image.name, image.read_bytes())]
    )


def candidates(gov: Governance, actor: Actor, gallery: str, probe: Path) -> list[tuple[str, bool]]:
    request = search.SearchRequest(gallery, probe.name, probe.read_bytes(), "CASE-1", "identify")
    return [(c.reference, c.within_threshold) for c in search.run_search(gov, actor, request).candidates]


def stored(gov: Governance) -> tuple[int, int, int, list[str]]:
    """Subjects, faces, audit entries and every gallery's generation: what a refused request must not change."""
    with gov.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Subject)) or 0,
            session.scalar(select(func.count()).select_from(EnrolledFace)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntryRow)) or 0,
            list(session.scalars(select(Gallery.generation).order_by(Gallery.id))),
        )


def test_a_new_database_beside_old_index_files_never_uses_them(
    tmp_path: Path, settings: Settings, engine: FaceEngine, clock: FixedClock, faces_dir: Path
) -> None:
    """The database starts again (restored, or removed by hand) while ``indexes/`` stays: the new gallery
    gets the old one's id and the same number of changes, and must still not be searched with its faces."""
    local = replace(settings, data_dir=tmp_path / "data")
    first = Governance.open(local, clock, engine=engine)
    admin = users.resolve_actor(first, users.add_user(first, None, "ada", Role.ADMIN, "first").name)
    galleries.create_gallery(first, admin, "custody", "", "setup")
    enrol(first, admin, "custody", "obama", faces_dir / OBAMA)
    assert candidates(first, admin, "custody", faces_dir / OBAMA_PROBE)[0] == ("obama", True)
    first.close()
    for leftover in local.data_dir.glob("watchkeeper.db*"):
        leftover.unlink()

    second = Governance.open(local, clock, engine=engine)
    admin = users.resolve_actor(second, users.add_user(second, None, "ada", Role.ADMIN, "first").name)
    galleries.create_gallery(second, admin, "custody", "", "setup")
    enrol(second, admin, "custody", "biden", faces_dir / BIDEN)
    assert candidates(second, admin, "custody", faces_dir / OBAMA_PROBE) == [("biden", False)]
    second.close()


def test_ids_are_never_reused(gov: Governance, people: dict[Role, Actor], faces_dir: Path) -> None:
    admin = people[Role.ADMIN]
    galleries.create_gallery(gov, admin, "first", "", "setup")
    enrol(gov, admin, "first", "obama", faces_dir / OBAMA)
    with gov.sessions() as session:
        old_gallery, old_face = session.execute(select(Gallery.id, EnrolledFace.id).join(EnrolledFace)).one()
    galleries.delete_gallery(gov, admin, "first", "not needed")
    galleries.create_gallery(gov, admin, "second", "", "setup")
    enrol(gov, admin, "second", "biden", faces_dir / BIDEN)
    with gov.sessions() as session:
        new_gallery, new_face = session.execute(select(Gallery.id, EnrolledFace.id).join(EnrolledFace)).one()
    assert new_gallery > old_gallery
    assert new_face > old_face
    assert not gov.indexes.path(old_gallery).exists()


@pytest.fixture
def admin(gov: Governance, people: dict[Role, Actor]) -> Actor:
    """The administrator, with an empty gallery ``custody``."""
    galleries.create_gallery(gov, people[Role.ADMIN], "custody", "", "setup")
    return people[Role.ADMIN]


def block_index(gov: Governance, gallery: str) -> Path:
    """Puts a directory where the gallery's index file was: the index can then be neither read nor
    replaced, a real OSError on saving."""
    with gov.sessions() as session:
        index_file = gov.indexes.path(galleries.find_gallery(session, gallery).id)
    index_file.unlink()
    index_file.mkdir()
    return index_file


def test_an_enrolment_whose_index_cannot_be_saved_stores_nothing(
    gov: Governance, admin: Actor, people: dict[Role, Actor], faces_dir: Path
) -> None:
    enrol(gov, admin, "custody", "biden", faces_dir / BIDEN)
    index_file = block_index(gov, "custody")
    before = stored(gov)

    with pytest.raises((OSError, WatchkeeperError)) as refused:
        enrol(gov, admin, "custody", "obama", faces_dir / OBAMA)

    assert stored(gov) == before
    assert isinstance(refused.value, WatchkeeperError)
    assert refused.value.code == "index_unavailable"
    assert "could not be saved" in str(refused.value)
    assert candidates(gov, people[Role.ANALYST], "custody", faces_dir / OBAMA_PROBE) == [("biden", False)]
    index_file.rmdir()
    assert enrol(gov, admin, "custody", "obama", faces_dir / OBAMA).enrolled == 1  # nothing half-done in the way
    assert candidates(gov, people[Role.ANALYST], "custody", faces_dir / OBAMA_PROBE)[0] == ("obama", True)


def test_a_removal_stands_when_the_index_cannot_follow(
    gov: Governance, admin: Actor, people: dict[Role, Actor], faces_dir: Path
) -> None:
    enrol(gov, admin, "custody", "obama", faces_dir / OBAMA)
    enrol(gov, admin, "custody", "biden", faces_dir / BIDEN)
    block_index(gov, "custody")  # the index in memory is current, but it cannot be saved again

    assert galleries.remove_subject(gov, admin, "custody", "obama", "released") == 1

    assert [s.reference for s in galleries.list_subjects(gov, admin, "custody")] == ["biden"]
    assert candidates(gov, people[Role.ANALYST], "custody", faces_dir / OBAMA_PROBE) == [("biden", False)]
    fresh = Governance.open(gov.settings, gov.clock, engine=gov.engine)  # another process, rebuilding from the database
    assert candidates(fresh, people[Role.ANALYST], "custody", faces_dir / OBAMA_PROBE) == [("biden", False)]
    fresh.close()
