"""Retrospective search: one probe face against a gallery, a ranked candidate list for a person to review.

A search is an act on the record: it needs a case reference and a stated reason, and it is written, with
its candidates, in the same transaction as its audit entry. The probe's descriptor and image are kept
only when the case asks for it; otherwise only the probe's name and SHA-256 are recorded (enough to show
later which image was searched, nothing that identifies a face).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from watchkeeper.errors import InvalidArgumentError
from watchkeeper.face import DEFAULT_MATCH_THRESHOLD, FaceEngine, decode_image, similarity_from_distance
from watchkeeper.governance.audit.events import GallerySearched
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.galleries import GalleryError, find_gallery
from watchkeeper.governance.indexes import GalleryVersion
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import EnrolledFace, Gallery, Search, SearchCandidate, Subject
from watchkeeper.types import Descriptors

DEFAULT_CANDIDATES = 10
_FACES_PER_SUBJECT_MARGIN = 4
"""Faces fetched per candidate wanted: several faces of one subject collapse into one candidate."""


class SearchPurpose(StrEnum):
    """What a retrospective search was for, by category, so reports can say how searches were used.

    Chosen from a closed list (the free-text reason stays the justification); ``not_stated`` marks searches
    recorded without one, which a report counts openly rather than guessing.
    """

    VIOLENCE_AGAINST_THE_PERSON = "violence_against_the_person"
    SEXUAL_OFFENCE = "sexual_offence"
    ROBBERY = "robbery"
    BURGLARY_OR_THEFT = "burglary_or_theft"
    CRIMINAL_DAMAGE_OR_ARSON = "criminal_damage_or_arson"
    DRUGS = "drugs"
    PUBLIC_ORDER = "public_order"
    FRAUD = "fraud"
    MISSING_OR_VULNERABLE_PERSON = "missing_or_vulnerable_person"
    UNIDENTIFIED_PERSON = "unidentified_person"
    """A person unable to identify themselves, or a deceased person."""
    OTHER = "other"
    NOT_STATED = "not_stated"


def require_case(case_reference: str, reason: str) -> None:
    """Every retrospective search (of a gallery or of footage) is tied to a case and a stated reason."""
    if not case_reference.strip():
        raise InvalidArgumentError("a search needs a case reference")
    if not reason.strip():
        raise InvalidArgumentError("a search needs a stated reason")


def probe_descriptor(engine: FaceEngine, name: str, data: bytes, face_index: int | None) -> Descriptors:
    """The descriptor of the chosen face of a probe image, by ``engine`` (held in memory only, unless a case
    keeps it)."""
    image = decode_image(data, name, engine.options.image_limits)
    return engine.analyse(image).single_face(face_index).require_descriptor()


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """What an analyst asks: which gallery, which probe face, for which case and why."""

    gallery: str
    probe_name: str
    probe: bytes
    case_reference: str
    reason: str
    face_index: int | None = None
    candidates: int = DEFAULT_CANDIDATES
    threshold: float = DEFAULT_MATCH_THRESHOLD
    keep_probe: bool = False
    matches_only: bool = False
    """Keep only candidates within the threshold, for clients that are shown nothing else: the record then
    names no one who did not match."""
    purpose: SearchPurpose = SearchPurpose.NOT_STATED

    def __post_init__(self) -> None:
        require_case(self.case_reference, self.reason)
        if self.candidates < 1:
            raise InvalidArgumentError(f"candidates must be 1 or more, got {self.candidates}")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One subject proposed for review: their best-matching enrolled face's distance and similarity."""

    rank: int
    reference: str
    category: SubjectCategory
    distance: float
    similarity: float
    within_threshold: bool
    face_id: int


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    search_id: int
    gallery: str
    case_reference: str
    performed_at: datetime
    threshold: float
    candidates: tuple[Candidate, ...]


def run_search(gov: Governance, actor: Actor, request: SearchRequest) -> SearchOutcome:
    """Search the probe's chosen face against the gallery; the result is recorded and audited."""
    actor.require(Permission.SEARCH)
    descriptor = probe_descriptor(gov.engine, request.probe_name, request.probe, request.face_index)
    return search_with_descriptor(gov, actor, request, descriptor)


def search_with_descriptor(
    gov: Governance, actor: Actor, request: SearchRequest, descriptor: Descriptors, exclude_face_id: int | None = None
) -> SearchOutcome:
    """The recorded, audited search of ``request`` with the probe face's descriptor already computed (by
    the caller, from ``request.probe`` or an enrolled face); ``exclude_face_id`` is left out of the results
    (an enrolled face used as the probe would otherwise find itself)."""
    actor.require(Permission.SEARCH)
    with gov.sessions() as session:
        version = GalleryVersion.of(find_gallery(session, request.gallery))
    wanted = request.candidates * _FACES_PER_SUBJECT_MARGIN + (exclude_face_id is not None)
    found = gov.indexes.search(version, descriptor, wanted)
    now = gov.clock.now()
    with transaction(gov.sessions) as session:
        gallery = find_gallery(session, request.gallery)
        if gallery.id != version.gallery_id:  # ids are never reused: a new gallery of the same name
            raise GalleryError(f"gallery {request.gallery!r} was replaced during the search; search again")
        candidates = _candidates(session, gallery, found.ids[0], found.distances[0], request, exclude_face_id)
        search = Search(
            gallery_id=gallery.id,
            gallery_name=gallery.name,
            case_reference=request.case_reference,
            reason=request.reason,
            performed_by=actor.name,
            performed_at=now,
            probe_name=request.probe_name,
            probe_sha256=hashlib.sha256(request.probe).hexdigest(),
            probe_descriptor=descriptor if request.keep_probe else None,
            probe_image=request.probe if request.keep_probe else None,
            probe_kept_at=now if request.keep_probe else None,
            k=request.candidates,
            threshold=request.threshold,
            candidates=[
                SearchCandidate(
                    rank=c.rank,
                    subject_id=subject_id,
                    subject_reference=c.reference,
                    face_id=c.face_id,
                    distance=c.distance,
                    similarity=c.similarity,
                )
                for c, subject_id in candidates
            ],
        )
        session.add(search)
        session.flush()
        searched = GallerySearched(
            gallery=gallery.name,
            search=search.id,
            case_reference=request.case_reference,
            purpose=request.purpose.value,
            probe=request.probe_name,
            probe_sha256=search.probe_sha256,
            probe_kept=request.keep_probe,
            candidates=tuple(c.reference for c, _ in candidates),
            within_threshold=sum(c.within_threshold for c, _ in candidates),
        )
        gov.audit.append(session, actor, searched, request.reason)
        search_id = search.id
    return SearchOutcome(
        search_id=search_id,
        gallery=request.gallery,
        case_reference=request.case_reference,
        performed_at=now,
        threshold=request.threshold,
        candidates=tuple(c for c, _ in candidates),
    )


def _candidates(
    session: Session,
    gallery: Gallery,
    face_ids: np.ndarray,
    distances: np.ndarray,
    request: SearchRequest,
    exclude_face_id: int | None,
) -> list[tuple[Candidate, int]]:
    """Best face per subject of ``gallery``, nearest first, at most ``request.candidates`` subjects."""
    valid = [
        (int(i), float(d))
        for i, d in zip(face_ids, distances, strict=True)
        if i >= 0 and i != exclude_face_id and not (request.matches_only and d > request.threshold)
    ]
    if not valid:
        return []
    rows = session.execute(
        select(EnrolledFace.id, Subject.id, Subject.reference, Subject.category)
        .join(Subject, Subject.id == EnrolledFace.subject_id)
        .where(EnrolledFace.id.in_([i for i, _ in valid]), EnrolledFace.gallery_id == gallery.id)
    ).all()
    by_face = {face_id: (subject_id, reference, category) for face_id, subject_id, reference, category in rows}
    chosen: list[tuple[Candidate, int]] = []
    seen: set[int] = set()
    for face_id, distance in valid:
        if face_id not in by_face:
            continue  # removed since the index was read
        subject_id, reference, category = by_face[face_id]
        if subject_id in seen:
            continue
        seen.add(subject_id)
        candidate = Candidate(
            rank=len(chosen) + 1,
            reference=reference,
            category=category,
            distance=distance,
            similarity=similarity_from_distance(distance),
            within_threshold=distance <= request.threshold,
            face_id=face_id,
        )
        chosen.append((candidate, subject_id))
        if len(chosen) == request.candidates:
            break
    return chosen
