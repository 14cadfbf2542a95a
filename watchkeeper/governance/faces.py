"""Faces one at a time, beside subjects: what a face-level API (the Rekognition-compatible endpoint) needs.

Such an API indexes each face of an image separately and names it by an identifier of its own (a UUID).
Each face indexed this way becomes a subject of its own, referenced by that identifier: a group photo shows
different people, so its faces cannot share a subject, and one face per subject keeps every entry
criterion, expiry and removal exact. Faces enrolled as subjects (command line, REST API) are listed and
searched here too. Every write is audited in the transaction that makes it, like every other enrolment.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchkeeper.errors import InvalidArgumentError, NotFoundError
from watchkeeper.face import Face
from watchkeeper.governance.audit.events import FaceIndexed, FaceRemoved
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import erase_deleted, transaction
from watchkeeper.governance.galleries import (
    AnalysedFace,
    EnrolmentImage,
    SubjectDetails,
    descriptors_of,
    enrolled_face,
    find_gallery,
    new_subject,
)
from watchkeeper.governance.indexes import Removal, new_generation
from watchkeeper.governance.records import record_from_row
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import EnrolledFace, Subject
from watchkeeper.governance.search import SearchOutcome, SearchRequest, search_with_descriptor
from watchkeeper.types import BoundingBox, ImageSize


@dataclass(frozen=True, slots=True)
class EntryCriteria:
    """What every face indexed from one request is enrolled under (the subject's reference is the face's
    own identifier)."""

    category: SubjectCategory
    reason: str
    source: str
    expires_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class FaceRecord:
    """One enrolled face as a face-level API shows it: identifiers, where it is in its image, its label."""

    face_id: str
    image_id: str
    subject_reference: str
    box: BoundingBox
    image_size: ImageSize
    detection_score: float | None
    external_image_id: str | None
    enrolled_at: datetime


@dataclass(frozen=True, slots=True)
class FaceSearch:
    """A search with an enrolled face as the probe: the case and reason every search is tied to."""

    gallery: str
    face_id: str
    case_reference: str
    reason: str
    candidates: int
    threshold: float
    matches_only: bool = True


def index_faces(
    gov: Governance,
    actor: Actor,
    *,
    gallery_name: str,
    image: EnrolmentImage,
    size: ImageSize,
    faces: Sequence[Face],
    criteria: EntryCriteria,
    external_image_id: str | None = None,
) -> list[FaceRecord]:
    """Enrol each of ``faces`` (found in ``image``, of ``size``, by this core's engine) as a subject of its
    own, all in one transaction with an audit entry per subject; returns the new faces. They are in the
    gallery's index when this returns; if the index cannot be saved, nothing is stored
    (:class:`~watchkeeper.governance.indexes.IndexUnavailableError`)."""
    actor.require(Permission.ENROL)
    if not faces:
        return []
    digest = hashlib.sha256(image.data).hexdigest()
    image_id = str(uuid.uuid4())
    now = gov.clock.now()
    with transaction(gov.sessions) as session:
        gallery = find_gallery(session, gallery_name, for_update=True)
        rows = []
        for face in faces:
            face_id = str(uuid.uuid4())
            details = SubjectDetails(face_id, criteria.category, criteria.reason, criteria.source, criteria.expires_at)
            subject = new_subject(session, gallery, details, actor, now)
            row = enrolled_face(subject, gallery, AnalysedFace(image, size, face, digest), actor, now)
            row.face_uuid, row.image_uuid, row.external_image_id = face_id, image_id, external_image_id
            session.add(row)
            rows.append(row)
        session.flush()
        before, after = new_generation(gallery)
        for row in rows:
            indexed = FaceIndexed(
                gallery=gallery.name,
                subject=row.face_uuid,
                category=criteria.category,
                source=criteria.source,
                expires_at=criteria.expires_at,
                images=(image.name,),
                image_sha256=(digest,),
                image_id=image_id,
                external_image_id=external_image_id,
            )
            gov.audit.append(session, actor, indexed, criteria.reason)
        ids = np.array([row.id for row in rows], dtype=np.int64)
        gov.indexes.add(session, before, after, ids, descriptors_of(rows))
        records = [_record(row, row.face_uuid) for row in rows]
    return records


def list_faces(
    gov: Governance,
    actor: Actor,
    gallery_name: str,
    limit: int,
    after_face_id: str | None = None,
    face_ids: Sequence[str] | None = None,
) -> list[FaceRecord]:
    """Up to ``limit`` faces of the gallery in order of their identifiers, after ``after_face_id`` (the
    last of the previous page); only ``face_ids`` when given."""
    actor.require(Permission.VIEW_SUBJECTS)
    with gov.sessions() as session:
        gallery = find_gallery(session, gallery_name)
        query = (
            select(EnrolledFace, Subject.reference)
            .join(Subject, Subject.id == EnrolledFace.subject_id)
            .where(EnrolledFace.gallery_id == gallery.id)
            .order_by(EnrolledFace.face_uuid)
            .limit(limit)
        )
        if after_face_id is not None:
            query = query.where(EnrolledFace.face_uuid > after_face_id)
        if face_ids is not None:
            query = query.where(EnrolledFace.face_uuid.in_(list(face_ids)))
        return [_record(face, reference) for face, reference in session.execute(query).tuples()]


def faces_by_row(gov: Governance, actor: Actor, row_ids: Sequence[int]) -> dict[int, FaceRecord]:
    """The faces a search returned (by their row ids); faces removed since are absent."""
    actor.require(Permission.VIEW_SUBJECTS)
    with gov.sessions() as session:
        rows = session.execute(
            select(EnrolledFace, Subject.reference)
            .join(Subject, Subject.id == EnrolledFace.subject_id)
            .where(EnrolledFace.id.in_(list(row_ids)))
        ).tuples()
        return {face.id: _record(face, reference) for face, reference in rows}


def remove_faces(
    gov: Governance, actor: Actor, gallery_name: str, face_ids: Sequence[str], reason: str
) -> tuple[list[str], list[str]]:
    """Remove faces by identifier, each audited; a subject left without faces goes with its last face.
    Returns the identifiers removed and those the gallery does not hold."""
    actor.require(Permission.REMOVE_SUBJECTS)
    if not reason.strip():
        raise InvalidArgumentError("removing faces needs a stated reason")
    with transaction(gov.sessions) as session:
        gallery = find_gallery(session, gallery_name, for_update=True)
        rows = session.scalars(
            select(EnrolledFace).where(
                EnrolledFace.gallery_id == gallery.id, EnrolledFace.face_uuid.in_(list(face_ids))
            )
        ).all()
        removed_rows = [row.id for row in rows]
        for row in rows:
            subject = row.subject
            session.delete(row)
            session.flush()
            subject_removed = _remove_if_empty(session, subject)
            removed_face = FaceRemoved(
                gallery=gallery.name,
                subject=subject.reference,
                face_id=row.face_uuid,
                subject_removed=subject_removed,
            )
            gov.audit.append(session, actor, removed_face, reason)
        removal = Removal(*new_generation(gallery), np.array(removed_rows, dtype=np.int64)) if rows else None
    if removal is not None:
        gov.indexes.remove(removal)
        erase_deleted(gov.sessions)
    removed = {row.face_uuid for row in rows}
    unique_ids = list(dict.fromkeys(face_ids))
    return [f for f in unique_ids if f in removed], [f for f in unique_ids if f not in removed]


def search_by_face(gov: Governance, actor: Actor, search: FaceSearch) -> SearchOutcome:
    """Search the gallery with one of its enrolled faces as the probe (the face itself is not a result);
    recorded and audited like every search, the enrolled image standing as the probe."""
    actor.require(Permission.SEARCH)
    with gov.sessions() as session:
        gallery = find_gallery(session, search.gallery)
        face = session.scalar(
            select(EnrolledFace).where(EnrolledFace.gallery_id == gallery.id, EnrolledFace.face_uuid == search.face_id)
        )
        if face is None:
            raise NotFoundError(f"gallery {search.gallery!r} has no face {search.face_id!r}")
        descriptor = face.descriptor
        request = SearchRequest(
            gallery=search.gallery,
            probe_name=f"enrolled face {search.face_id}",
            probe=face.image,
            case_reference=search.case_reference,
            reason=search.reason,
            candidates=search.candidates,
            threshold=search.threshold,
            matches_only=search.matches_only,
        )
        face_row = face.id
    return search_with_descriptor(gov, actor, request, descriptor, exclude_face_id=face_row)


def _remove_if_empty(session: Session, subject: Subject) -> bool:
    remaining = session.scalar(
        select(func.count()).select_from(EnrolledFace).where(EnrolledFace.subject_id == subject.id)
    )
    if remaining:
        return False
    session.delete(subject)
    return True


def _record(face: EnrolledFace, subject_reference: str) -> FaceRecord:
    return record_from_row(
        FaceRecord, face, face_id=face.face_uuid, image_id=face.image_uuid, subject_reference=subject_reference
    )
