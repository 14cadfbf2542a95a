"""Enrolment and retrospective search on the shared labelled photos."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from watchkeeper.errors import NotFoundError
from watchkeeper.face import FaceAnalysis, FaceEngine, LoadedImage
from watchkeeper.governance import galleries, search
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.indexes import GalleryVersion
from watchkeeper.governance.roles import Actor, PermissionDeniedError, Role
from watchkeeper.governance.schema import EnrolledFace, Search, Subject

TRAIN = "examples/knn_examples/train"
HELD_OUT = {
    "examples/knn_examples/test/obama1.jpg": "obama",
    "examples/knn_examples/test/alex_lacamoire1.jpg": "alex_lacamoire",
    "examples/knn_examples/test/johnsnow_test1.jpg": "kit_harington",
    "examples/obama-720p.jpg": "obama",
    "tests/test_images/obama3.jpg": "obama",
    "tests/test_images/32bit.png": "obama",
    "examples/biden.jpg": "biden",
}


def details(reference: str, clock: FixedClock) -> galleries.SubjectDetails:
    return galleries.SubjectDetails(
        reference=reference,
        category=SubjectCategory.SUSPECTED_OFFENCE,
        reason="test enrolment",
        source="shared test photos",
        expires_at=clock.now() + timedelta(days=90),
    )


def enrol_training_set(gov: Governance, actor: Actor, faces_dir: Path, clock: FixedClock, gallery: str) -> None:
    galleries.create_gallery(gov, actor, gallery, "known people", "tests")
    for person in sorted((faces_dir / TRAIN).iterdir()):
        images = [galleries.EnrolmentImage(p.name, p.read_bytes()) for p in sorted(person.iterdir())]
        outcome = galleries.enrol_subject(gov, actor, gallery, details(person.name, clock), images)
        assert outcome.enrolled == len(images), outcome.skipped


@pytest.fixture
def custody(gov: Governance, people: dict[Role, Actor], faces_dir: Path, clock: FixedClock) -> str:
    enrol_training_set(gov, people[Role.ADMIN], faces_dir, clock, "custody")
    return "custody"


def probe(faces_dir: Path, relative: str, case: str = "CASE-1") -> search.SearchRequest:
    return search.SearchRequest("custody", relative, (faces_dir / relative).read_bytes(), case, "identify suspect")


@pytest.mark.parametrize(("relative", "identity"), sorted(HELD_OUT.items()))
def test_true_identity_is_rank_one(
    gov: Governance, people: dict[Role, Actor], custody: str, faces_dir: Path, relative: str, identity: str
) -> None:
    outcome = search.run_search(gov, people[Role.ANALYST], probe(faces_dir, relative))
    assert outcome.candidates[0].reference == identity
    assert outcome.candidates[0].within_threshold
    references = [c.reference for c in outcome.candidates]
    assert len(references) == len(set(references)) == 5  # one candidate per subject, all five subjects


def test_enrolled_counts(gov: Governance, people: dict[Role, Actor], custody: str) -> None:
    (record,) = galleries.list_galleries(gov, people[Role.AUDITOR])
    assert (record.subjects, record.faces) == (5, 9)
    subjects = galleries.list_subjects(gov, people[Role.ANALYST], custody)
    assert [s.reference for s in subjects] == ["alex_lacamoire", "biden", "kit_harington", "obama", "rose_leslie"]


def test_reenrolling_the_same_images_adds_nothing(
    gov: Governance, people: dict[Role, Actor], custody: str, faces_dir: Path, clock: FixedClock
) -> None:
    person = faces_dir / TRAIN / "biden"
    images = [galleries.EnrolmentImage(p.name, p.read_bytes()) for p in sorted(person.iterdir())]
    outcome = galleries.enrol_subject(gov, people[Role.ADMIN], custody, details("biden", clock), images)
    assert outcome.enrolled == 0
    assert all("already enrolled" in s for s in outcome.skipped)


def test_images_without_exactly_one_face_are_skipped_with_reasons(
    gov: Governance, people: dict[Role, Actor], custody: str, faces_dir: Path, clock: FixedClock
) -> None:
    images = [
        galleries.EnrolmentImage("group.jpg", (faces_dir / "examples/two_people.jpg").read_bytes()),
        galleries.EnrolmentImage("dogs.jpg", (faces_dir / "dlib/examples/faces/dogs.jpg").read_bytes()),
        galleries.EnrolmentImage("broken.jpg", b"not an image"),
    ]
    outcome = galleries.enrol_subject(gov, people[Role.ADMIN], custody, details("nobody", clock), images)
    assert outcome.enrolled == 0
    assert [s.split(":")[0] for s in outcome.skipped] == ["group.jpg", "dogs.jpg", "broken.jpg"]
    assert "nobody" not in [s.reference for s in galleries.list_subjects(gov, people[Role.ADMIN], custody)]


def test_removing_a_subject_removes_it_from_index_and_database(
    gov: Governance, people: dict[Role, Actor], custody: str, faces_dir: Path
) -> None:
    with gov.sessions() as session:
        obama_faces = set(
            session.scalars(select(EnrolledFace.id).join(Subject).where(Subject.reference == "obama")).all()
        )
    assert len(obama_faces) == 2
    removed = galleries.remove_subject(gov, people[Role.OPERATOR], custody, "obama", "no longer wanted")
    assert removed == 2
    with gov.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Subject).where(Subject.reference == "obama")) == 0
        assert (
            session.scalar(select(func.count()).select_from(EnrolledFace).where(EnrolledFace.id.in_(obama_faces))) == 0
        )
        version = GalleryVersion.of(galleries.find_gallery(session, custody))
    index = gov.indexes.get(version)
    assert not obama_faces & set(index.ids().tolist())
    assert len(index) == 7
    # and from a fresh process's point of view: the index file on disk agrees
    fresh = Governance.open(gov.settings, gov.clock)
    assert not obama_faces & set(fresh.indexes.get(version).ids().tolist())
    fresh.close()
    outcome = search.run_search(gov, people[Role.ANALYST], probe(faces_dir, "examples/knn_examples/test/obama1.jpg"))
    assert "obama" not in [c.reference for c in outcome.candidates]
    assert not outcome.candidates[0].within_threshold  # nobody else is Obama


def test_search_is_recorded_without_the_probe_unless_asked(
    gov: Governance, people: dict[Role, Actor], custody: str, faces_dir: Path
) -> None:
    plain = search.run_search(gov, people[Role.ANALYST], probe(faces_dir, "examples/biden.jpg"))
    kept_request = search.SearchRequest(
        "custody", "biden.jpg", (faces_dir / "examples/biden.jpg").read_bytes(), "CASE-2", "kept", keep_probe=True
    )
    kept = search.run_search(gov, people[Role.ANALYST], kept_request)
    with gov.sessions() as session:
        first = session.get(Search, plain.search_id)
        second = session.get(Search, kept.search_id)
        assert first is not None
        assert second is not None
        assert (first.probe_descriptor, first.probe_image) == (None, None)
        assert len(first.probe_sha256) == 64
        assert first.case_reference == "CASE-1"
        assert next(c.subject_reference for c in sorted(first.candidates, key=lambda c: c.rank)) == "biden"
        stored = second.probe_descriptor
    assert stored is not None
    assert stored.shape == (128,)
    assert stored.dtype == np.float32


def test_search_needs_case_and_reason() -> None:
    with pytest.raises(ValueError, match="case reference"):
        search.SearchRequest("custody", "p.jpg", b"x", " ", "why")
    with pytest.raises(ValueError, match="stated reason"):
        search.SearchRequest("custody", "p.jpg", b"x", "CASE", "")


def test_unknown_gallery_and_subject_are_named(gov: Governance, people: dict[Role, Actor], custody: str) -> None:
    with pytest.raises(NotFoundError, match="no gallery called 'elsewhere'"):
        galleries.list_subjects(gov, people[Role.ADMIN], "elsewhere")
    with pytest.raises(NotFoundError, match="has no subject 'zed'"):
        galleries.remove_subject(gov, people[Role.ADMIN], custody, "zed", "tidy")


def test_expired_subject_cannot_be_enrolled(
    gov: Governance, people: dict[Role, Actor], custody: str, faces_dir: Path, clock: FixedClock
) -> None:
    stale = galleries.SubjectDetails(
        "late", SubjectCategory.WANTED_BY_COURTS, "r", "s", clock.now() - timedelta(days=1)
    )
    image = galleries.EnrolmentImage("b.jpg", (faces_dir / "examples/biden.jpg").read_bytes())
    with pytest.raises(galleries.GalleryError, match="has passed"):
        galleries.enrol_subject(gov, people[Role.ADMIN], custody, stale, [image])


def test_enrolled_images_are_shown_to_roles_that_work_with_faces_only(
    gov: Governance, people: dict[Role, Actor], faces_dir: Path, clock: FixedClock
) -> None:
    admin = people[Role.ADMIN]
    galleries.create_gallery(gov, admin, "g", "", "setup")
    image = (faces_dir / "examples/biden.jpg").read_bytes()
    details = galleries.SubjectDetails("b", SubjectCategory.WANTED_BY_COURTS, "r", "s", clock.now() + timedelta(1))
    galleries.enrol_subject(gov, admin, "g", details, [galleries.EnrolmentImage("biden.jpg", image)])
    for role in (Role.ADMIN, Role.OPERATOR, Role.ANALYST):
        assert galleries.subject_image(gov, people[role], "g", "b").data == image
    with gov.sessions() as session:
        face = session.scalars(select(EnrolledFace)).one()
        face_id, box = face.id, (face.box_left, face.box_top, face.box_right, face.box_bottom)
    shown = galleries.face_image(gov, people[Role.ANALYST], face_id)
    assert shown.data == image
    assert (shown.box.left, shown.box.top, shown.box.right, shown.box.bottom) == box
    with pytest.raises(PermissionDeniedError, match="may not view face images"):
        galleries.subject_image(gov, people[Role.AUDITOR], "g", "b")
    with pytest.raises(PermissionDeniedError):
        galleries.face_image(gov, people[Role.AUDITOR], face_id)
    with pytest.raises(NotFoundError, match="has no subject 'x'"):
        galleries.subject_image(gov, admin, "g", "x")
    with pytest.raises(NotFoundError, match="no enrolled face 999"):
        galleries.face_image(gov, admin, 999)


class CountingEngine(FaceEngine):
    """The session's engine (same networks, same options), counting the images it analyses."""

    def __init__(self, engine: FaceEngine) -> None:
        self.options, self.settings = engine.options, engine.settings
        self.detector, self.descriptor_backend = engine.detector, engine.descriptor_backend
        self.analysed: list[str] = []

    def analyse(self, image: LoadedImage) -> FaceAnalysis:
        self.analysed.append(image.source)
        return super().analyse(image)


def test_an_interrupted_enrolment_resumes_without_analysing_what_it_stored(
    gov: Governance, people: dict[Role, Actor], faces_dir: Path, clock: FixedClock
) -> None:
    """An enrolment stopped after some images (here: offered only those) is run again over all of them:
    only the images not yet stored are analysed, and an image offered twice is analysed once."""
    admin = people[Role.ADMIN]
    galleries.create_gallery(gov, admin, "custody", "", "setup")
    folder = faces_dir / TRAIN / "obama"
    images = [galleries.EnrolmentImage(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]
    assert len(images) == 2
    assert galleries.enrol_subject(gov, admin, "custody", details("obama", clock), images[:1]).enrolled == 1

    counting = CountingEngine(gov.engine)
    gov = dataclasses.replace(gov, engine=counting)
    rerun = [*images, galleries.EnrolmentImage("copy-" + images[1].name, images[1].data)]
    outcome = galleries.enrol_subject(gov, admin, "custody", details("obama", clock), rerun)

    assert counting.analysed == [images[1].name]
    assert outcome.enrolled == 1
    assert outcome.skipped == (
        f"{images[0].name}: already enrolled for obama",
        f"copy-{images[1].name}: the same image as {images[1].name}",
    )
    assert galleries.enrol_subject(gov, admin, "custody", details("obama", clock), rerun).enrolled == 0
    assert counting.analysed == [images[1].name]
