"""Galleries and their subjects: creating, enrolling, listing, removing; each change audited in the same
transaction that makes it.

Enrolment analyses images before it opens a transaction (the slow part holds no lock), then writes one
subject with all its faces and its audit entry atomically: a crash leaves either the whole subject or
nothing. Images the subject already has (by SHA-256) are skipped before they are analysed, so re-running an
interrupted enrolment costs only the images it had not reached. The gallery's generation changes with every
change to its faces, which is how an index knows whether it is current (see
:mod:`watchkeeper.governance.indexes` for the order in which the database and the index are written).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchkeeper.errors import (
    AlreadyExistsError,
    ErrorKind,
    InputError,
    InvalidArgumentError,
    NotFoundError,
    WatchkeeperError,
)
from watchkeeper.face import Face, decode_image
from watchkeeper.governance.audit.events import (
    GalleryCreated,
    GalleryDeleted,
    SubjectEnrolled,
    SubjectExpired,
    SubjectRemoved,
)
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import erase_deleted, transaction
from watchkeeper.governance.indexes import Removal, new_generation
from watchkeeper.governance.records import record_from_row
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import EnrolledFace, Gallery, Subject
from watchkeeper.matching import IndexKind
from watchkeeper.types import BoundingBox, ImageSize


class GalleryError(WatchkeeperError):
    """A gallery or subject that does not exist, already exists, or cannot take the change."""

    code = "gallery_error"
    kind = ErrorKind.CONFLICT


@dataclass(frozen=True, slots=True, kw_only=True)
class GalleryRecord:
    name: str
    description: str
    index_kind: IndexKind
    subjects: int
    faces: int
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class SubjectRecord:
    gallery: str
    reference: str
    category: SubjectCategory
    reason: str
    source: str
    added_by: str
    added_at: datetime
    expires_at: datetime
    faces: int


@dataclass(frozen=True, slots=True)
class SubjectDetails:
    """What the enrolling officer states about a subject: the entry criteria the policy asks for."""

    reference: str
    category: SubjectCategory
    reason: str
    source: str
    expires_at: datetime
    enrolled_on: date | None = None
    """The day another system first enrolled these images, for a history imported from it (see
    :mod:`~watchkeeper.governance.history_import`); None for an enrolment made here."""

    def __post_init__(self) -> None:
        for field_name in ("reference", "reason", "source"):
            if not getattr(self, field_name).strip():
                raise InvalidArgumentError(f"a subject needs a non-empty {field_name}")
        if self.expires_at.tzinfo is None:
            raise InvalidArgumentError("the expiry must be a timezone-aware time")


@dataclass(frozen=True, slots=True)
class EnrolmentImage:
    """One image offered for enrolment: its name (for records and messages) and bytes."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True, eq=False)
class AnalysedFace:
    """A face found in an offered image, ready to be stored: the image, its upright size and digest."""

    image: EnrolmentImage
    size: ImageSize
    face: Face
    digest: str


@dataclass(frozen=True, slots=True)
class EnrolmentOutcome:
    reference: str
    enrolled: int
    skipped: tuple[str, ...]
    """Images not enrolled, each with the reason (already enrolled, no face, several faces, unreadable)."""


def create_gallery(
    gov: Governance, actor: Actor, name: str, description: str, reason: str, index_kind: IndexKind = IndexKind.EXACT
) -> GalleryRecord:
    actor.require(Permission.MANAGE_GALLERIES)
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidArgumentError(f"a gallery name must be 1 to 100 characters, got {name!r}")
    with transaction(gov.sessions) as session:
        if session.scalar(select(Gallery).where(Gallery.name == name)) is not None:
            raise AlreadyExistsError(f"gallery {name!r} already exists")
        gallery = Gallery(
            name=name,
            description=description,
            index_kind=index_kind,
            revision=0,
            generation=uuid.uuid4().hex,
            created_by=actor.name,
            created_at=gov.clock.now(),
        )
        session.add(gallery)
        gov.audit.append(session, actor, GalleryCreated(gallery=name, index_kind=index_kind), reason)
    return record_from_row(GalleryRecord, gallery, subjects=0, faces=0)


def list_galleries(gov: Governance, actor: Actor) -> list[GalleryRecord]:
    actor.require(Permission.VIEW_SUBJECTS)
    with gov.sessions() as session:
        galleries = session.scalars(select(Gallery).order_by(Gallery.name)).all()
        subjects = dict(
            session.execute(select(Subject.gallery_id, func.count()).group_by(Subject.gallery_id)).tuples().all()
        )
        faces = dict(
            session.execute(select(EnrolledFace.gallery_id, func.count()).group_by(EnrolledFace.gallery_id))
            .tuples()
            .all()
        )
        return [
            record_from_row(GalleryRecord, g, subjects=subjects.get(g.id, 0), faces=faces.get(g.id, 0))
            for g in galleries
        ]


def delete_gallery(gov: Governance, actor: Actor, name: str, reason: str) -> int:
    """Delete a gallery with all its subjects, faces and images; returns how many subjects went."""
    actor.require(Permission.MANAGE_GALLERIES)
    with transaction(gov.sessions) as session:
        gallery = find_gallery(session, name, for_update=True)
        subjects = session.scalar(select(func.count()).select_from(Subject).where(Subject.gallery_id == gallery.id))
        session.delete(gallery)
        gov.audit.append(session, actor, GalleryDeleted(gallery=name, subjects=subjects or 0), reason)
        gallery_id = gallery.id
    gov.indexes.discard(gallery_id)
    erase_deleted(gov.sessions)
    return subjects or 0


def enrol_subject(
    gov: Governance, actor: Actor, gallery_name: str, details: SubjectDetails, images: Sequence[EnrolmentImage]
) -> EnrolmentOutcome:
    """Enrol ``images`` of one person as ``details.reference`` (created, or added to if it exists).

    Each image must show exactly one face; images already enrolled for the subject (same bytes) are
    skipped without being analysed, so re-running an interrupted enrolment is safe and resumes where it
    stopped. The faces are in the gallery's index when this returns; if the index cannot be saved,
    :class:`~watchkeeper.governance.indexes.IndexUnavailableError` is raised and nothing is stored.
    """
    actor.require(Permission.ENROL)
    if details.enrolled_on is not None and details.enrolled_on > gov.clock.now().date():
        raise InvalidArgumentError(f"an original enrolment date cannot be in the future: {details.enrolled_on}")
    enrolled = _enrolled_digests(gov, gallery_name, details.reference)
    faces, skipped = _analyse(gov, images, details.reference, enrolled)
    with transaction(gov.sessions) as session:
        gallery = find_gallery(session, gallery_name, for_update=True)
        subject = session.scalar(
            select(Subject).where(Subject.gallery_id == gallery.id, Subject.reference == details.reference)
        )
        known = _digests_of(session, subject)
        fresh = []
        for analysed in faces:
            if analysed.digest in known:  # enrolled by someone else while these were analysed
                skipped.append(_already_enrolled(analysed.image, details.reference))
                continue
            known.add(analysed.digest)
            fresh.append(analysed)
        if not fresh:
            return EnrolmentOutcome(details.reference, 0, tuple(skipped))
        if subject is None:
            subject = new_subject(session, gallery, details, actor, gov.clock.now())
        new_faces = [enrolled_face(subject, gallery, analysed, actor, gov.clock.now()) for analysed in fresh]
        session.add_all(new_faces)
        session.flush()
        before, after = new_generation(gallery)
        enrolment = SubjectEnrolled(
            gallery=gallery.name,
            subject=details.reference,
            category=details.category,
            source=details.source,
            expires_at=details.expires_at,
            images=tuple(f.image_name for f in new_faces),
            image_sha256=tuple(f.image_sha256 for f in new_faces),
            enrolled_on=details.enrolled_on,
        )
        gov.audit.append(session, actor, enrolment, details.reason)
        ids = np.array([f.id for f in new_faces], dtype=np.int64)
        gov.indexes.add(session, before, after, ids, descriptors_of(new_faces))
    return EnrolmentOutcome(details.reference, len(new_faces), tuple(skipped))


def _enrolled_digests(gov: Governance, gallery_name: str, reference: str) -> set[str]:
    """The SHA-256 of every image the subject already has (none for a new subject); raises
    :class:`NotFoundError` for an unknown gallery before anything is analysed."""
    with gov.sessions() as session:
        gallery = find_gallery(session, gallery_name)
        subject = session.scalar(
            select(Subject).where(Subject.gallery_id == gallery.id, Subject.reference == reference)
        )
        return _digests_of(session, subject)


def _digests_of(session: Session, subject: Subject | None) -> set[str]:
    if subject is None:
        return set()
    return set(session.scalars(select(EnrolledFace.image_sha256).where(EnrolledFace.subject_id == subject.id)))


def _already_enrolled(image: EnrolmentImage, reference: str) -> str:
    return f"{image.name}: already enrolled for {reference}"


def list_subjects(gov: Governance, actor: Actor, gallery_name: str) -> list[SubjectRecord]:
    actor.require(Permission.VIEW_SUBJECTS)
    with gov.sessions() as session:
        gallery = find_gallery(session, gallery_name)
        rows = session.execute(
            select(Subject, func.count(EnrolledFace.id))
            .outerjoin(EnrolledFace, EnrolledFace.subject_id == Subject.id)
            .where(Subject.gallery_id == gallery.id)
            .group_by(Subject.id)
            .order_by(Subject.reference)
        ).all()
        return [record_from_row(SubjectRecord, subject, gallery=gallery.name, faces=count) for subject, count in rows]


@dataclass(frozen=True, slots=True)
class EnrolledImage:
    """An enrolled image as stored, and where its enrolled face is in it (upright: EXIF orientation applied)."""

    data: bytes
    box: BoundingBox


def face_image(gov: Governance, actor: Actor, face_id: int) -> EnrolledImage:
    """The image an enrolled face was taken from (for a person comparing a candidate with a probe)."""
    actor.require(Permission.VIEW_FACE_IMAGES)
    with gov.sessions() as session:
        face = session.get(EnrolledFace, face_id)
        if face is None:
            raise NotFoundError(f"no enrolled face {face_id}")
        return _enrolled_image(face)


def subject_image(gov: Governance, actor: Actor, gallery_name: str, reference: str) -> EnrolledImage:
    """The image of a subject's first enrolled face."""
    actor.require(Permission.VIEW_FACE_IMAGES)
    with gov.sessions() as session:
        gallery = find_gallery(session, gallery_name)
        face = session.scalar(
            select(EnrolledFace)
            .join(Subject, Subject.id == EnrolledFace.subject_id)
            .where(Subject.gallery_id == gallery.id, Subject.reference == reference)
            .order_by(EnrolledFace.id)
            .limit(1)
        )
        if face is None:
            raise NotFoundError(f"gallery {gallery_name!r} has no subject {reference!r}")
        return _enrolled_image(face)


def _enrolled_image(face: EnrolledFace) -> EnrolledImage:
    return EnrolledImage(bytes(face.image), face.box)


def remove_subject(gov: Governance, actor: Actor, gallery_name: str, reference: str, reason: str) -> int:
    """Remove a subject with all their faces and images, from the database and the index; returns the
    number of faces removed."""
    actor.require(Permission.REMOVE_SUBJECTS)
    with transaction(gov.sessions) as session:
        gallery = find_gallery(session, gallery_name, for_update=True)
        removal = remove_subjects(
            session, gallery, references=[reference], gov=gov, actor=actor, removal=SubjectRemoved, reason=reason
        )
    gov.indexes.remove(removal)
    erase_deleted(gov.sessions)
    return len(removal.ids)


def remove_subjects(
    session: Session,
    gallery: Gallery,
    *,
    references: Sequence[str],
    gov: Governance,
    actor: Actor,
    removal: type[SubjectRemoved | SubjectExpired],
    reason: str,
) -> Removal:
    """Delete subjects by reference inside the caller's transaction (which has locked ``gallery``), each
    audited; starts the gallery's next generation and returns the removal, for the caller to pass to the
    index once the transaction commits."""
    removed: list[int] = []
    for reference in references:
        subject = session.scalar(
            select(Subject).where(Subject.gallery_id == gallery.id, Subject.reference == reference)
        )
        if subject is None:
            raise NotFoundError(f"gallery {gallery.name!r} has no subject {reference!r}")
        face_ids = list(session.scalars(select(EnrolledFace.id).where(EnrolledFace.subject_id == subject.id)).all())
        session.delete(subject)
        removed.extend(face_ids)
        gov.audit.append(session, actor, removal(gallery=gallery.name, subject=reference, faces=len(face_ids)), reason)
    before, after = new_generation(gallery)
    return Removal(before, after, np.array(removed, dtype=np.int64))


def _analyse(
    gov: Governance, images: Sequence[EnrolmentImage], reference: str, enrolled: set[str]
) -> tuple[list[AnalysedFace], list[str]]:
    """Analyse each offered image that subject ``reference`` does not have yet (``enrolled`` holds the
    SHA-256 of those it has); an image offered twice is analysed once. Returns the faces and, in the order
    offered, why each other image was skipped."""
    faces = []
    skipped = []
    first_offered: dict[str, str] = {}
    for image in images:
        digest = hashlib.sha256(image.data).hexdigest()
        if digest in enrolled:
            skipped.append(_already_enrolled(image, reference))
            continue
        if digest in first_offered:
            skipped.append(f"{image.name}: the same image as {first_offered[digest]}")
            continue
        first_offered[digest] = image.name
        try:
            loaded = decode_image(image.data, image.name, gov.engine.options.image_limits)
            face = gov.engine.analyse(loaded).single_face(option="a single-face image")
        except InputError as error:
            skipped.append(str(error))
            continue
        faces.append(AnalysedFace(image, loaded.size, face, digest))
    return faces, skipped


def new_subject(session: Session, gallery: Gallery, details: SubjectDetails, actor: Actor, now: datetime) -> Subject:
    if details.expires_at <= now:
        raise GalleryError(f"subject {details.reference!r}: the expiry {details.expires_at:%Y-%m-%d} has passed")
    subject = Subject(
        gallery_id=gallery.id,
        reference=details.reference,
        category=details.category,
        reason=details.reason,
        source=details.source,
        added_by=actor.name,
        added_at=now,
        expires_at=details.expires_at,
    )
    session.add(subject)
    session.flush()
    return subject


def enrolled_face(
    subject: Subject, gallery: Gallery, analysed: AnalysedFace, actor: Actor, now: datetime
) -> EnrolledFace:
    """The row of one analysed face of ``subject`` (the caller adds it inside its audited transaction)."""
    face, image = analysed.face, analysed.image
    return EnrolledFace(
        subject_id=subject.id,
        gallery_id=gallery.id,
        descriptor=face.require_descriptor(),
        image_name=image.name,
        image_sha256=analysed.digest,
        image_format=Path(image.name).suffix.lstrip(".").lower() or "unknown",
        image=image.data,
        box=face.box,
        inter_ocular_px=face.quality.inter_ocular_px,
        enrolled_by=actor.name,
        enrolled_at=now,
        image_size=analysed.size,
        detection_score=face.detection.score,
    )


def descriptors_of(faces: Sequence[EnrolledFace]) -> NDArray[np.float32]:
    return np.stack([f.descriptor for f in faces]).astype(np.float32, copy=False)


def find_gallery(session: Session, name: str, for_update: bool = False) -> Gallery:
    """The gallery called ``name`` in this session; raises :class:`NotFoundError` naming it if absent.

    ``for_update`` locks its row until the transaction ends (on PostgreSQL; SQLite's write transactions
    are one at a time already), so a change to its faces starts from the generation it read."""
    query = select(Gallery).where(Gallery.name == name)
    gallery = session.scalar(query.with_for_update() if for_update else query)
    if gallery is None:
        raise NotFoundError(f"no gallery called {name!r}")
    return gallery
