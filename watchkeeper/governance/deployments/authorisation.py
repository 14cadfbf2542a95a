"""A deployment's authorisation and its end.

Authorisation fixes who may be looked for (a frozen snapshot of a gallery), where (cameras, location),
when (start and end), how strictly (threshold) and why (purpose), and whether it is a trial; ending it
records the counts of all its runs and deletes the watchlist snapshot.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, select

from watchkeeper.errors import AlreadyExistsError, InvalidArgumentError
from watchkeeper.face import DEFAULT_MATCH_THRESHOLD, MAX_MATCH_THRESHOLD
from watchkeeper.face.images import decode_image, encode_jpeg, face_with_margin
from watchkeeper.governance.audit.entry import JsonValue
from watchkeeper.governance.audit.events import DeploymentAuthorised, DeploymentCalibrated, DeploymentEnded
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import erase_deleted, transaction
from watchkeeper.governance.deployments.records import (
    DeploymentError,
    DeploymentMode,
    DeploymentStatus,
    _counts,
    _deployment,
)
from watchkeeper.governance.galleries import find_gallery
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import Deployment, EnrolledFace, Subject, WatchlistEntry
from watchkeeper.types import BoundingBox, FrameRegion

LARGEST_MINIMUM_FACE_PX = 1000
"""A minimum face size (inter-ocular pixels) above this would exclude every face a camera can see."""


@dataclass(frozen=True, slots=True, kw_only=True)
class DeploymentSpec:
    """What an authorising officer signs off: every field is required, none is left to discretion later."""

    name: str
    purpose: str
    location: str
    cameras: tuple[str, ...]
    mode: DeploymentMode
    trial: bool
    gallery: str
    authorising_officer: str
    starts_at: datetime
    ends_at: datetime
    threshold: float = DEFAULT_MATCH_THRESHOLD
    minimum_face_px: int | None = None
    """The smallest face matched, as its inter-ocular distance in pixels; smaller faces are counted as seen
    and too small, never matched or kept. None: every face found is matched (``calibrate`` can set it from
    an evaluation by face size)."""
    recognition_zones: dict[str, FrameRegion] = field(default_factory=dict)
    """Per camera, the part of its picture searched for faces; a camera not named is searched whole."""

    def __post_init__(self) -> None:
        for field_name in ("name", "purpose", "location", "authorising_officer", "gallery"):
            if not str(getattr(self, field_name)).strip():
                raise InvalidArgumentError(f"a deployment needs a non-empty {field_name}")
        if not self.cameras or any(not c.strip() for c in self.cameras):
            raise InvalidArgumentError("a deployment needs one or more camera names")
        if self.starts_at.tzinfo is None or self.ends_at.tzinfo is None or self.ends_at <= self.starts_at:
            raise InvalidArgumentError("a deployment needs timezone-aware start and end times, the end after the start")
        if not 0.0 < self.threshold <= MAX_MATCH_THRESHOLD:
            raise InvalidArgumentError(f"threshold must be within (0, {MAX_MATCH_THRESHOLD}], got {self.threshold}")
        check_minimum_face_px(self.minimum_face_px)
        unknown = sorted(set(self.recognition_zones) - set(self.cameras))
        if unknown:
            raise InvalidArgumentError(f"recognition zones name cameras the deployment does not have: {unknown}")


def check_minimum_face_px(minimum_face_px: int | None) -> None:
    if minimum_face_px is not None and not 1 <= minimum_face_px <= LARGEST_MINIMUM_FACE_PX:
        raise InvalidArgumentError(
            f"a minimum face size must be 1 to {LARGEST_MINIMUM_FACE_PX} inter-ocular pixels, got {minimum_face_px}"
        )


def authorise_deployment(gov: Governance, actor: Actor, spec: DeploymentSpec) -> int:
    """Record the authorisation and freeze the watchlist from the gallery as it is now; returns its id."""
    actor.require(Permission.AUTHORISE_DEPLOYMENTS)
    now = gov.clock.now()
    if spec.ends_at <= now:
        raise DeploymentError(f"deployment {spec.name!r}: its end {spec.ends_at:%Y-%m-%d %H:%M} has passed")
    with transaction(gov.sessions) as session:
        if session.scalar(select(Deployment).where(Deployment.name == spec.name)) is not None:
            raise AlreadyExistsError(f"deployment {spec.name!r} already exists")
        gallery = find_gallery(session, spec.gallery)
        faces = session.execute(
            select(Subject.reference, Subject.category, EnrolledFace)
            .join(EnrolledFace, EnrolledFace.subject_id == Subject.id)
            .where(Subject.gallery_id == gallery.id, Subject.expires_at > now)
        ).all()
        rows = [(r, c, face.descriptor, face_portrait(face)) for r, c, face in faces]
        if not rows:
            raise DeploymentError(f"gallery {spec.gallery!r} has no current subjects to watch for")
        deployment = Deployment(
            name=spec.name,
            purpose=spec.purpose,
            location=spec.location,
            cameras=spec.cameras,
            mode=spec.mode.value,
            trial=spec.trial,
            gallery_name=gallery.name,
            threshold=spec.threshold,
            minimum_face_px=spec.minimum_face_px,
            recognition_zones=dict(spec.recognition_zones),
            authorised_by=actor.name,
            authorising_officer=spec.authorising_officer,
            authorised_at=now,
            starts_at=spec.starts_at,
            ends_at=spec.ends_at,
            status=DeploymentStatus.AUTHORISED.value,
            watchlist=[WatchlistEntry(subject_reference=r, category=c, descriptor=d, image=i) for r, c, d, i in rows],
        )
        session.add(deployment)
        session.flush()
        authorised = DeploymentAuthorised(
            deployment=spec.name,
            authorising_officer=spec.authorising_officer,
            location=spec.location,
            cameras=tuple(spec.cameras),
            mode=spec.mode.value,
            trial=spec.trial,
            gallery=gallery.name,
            watchlist_subjects=tuple(sorted({r for r, *_ in rows})),
            watchlist_faces=len(rows),
            threshold=spec.threshold,
            starts_at=spec.starts_at,
            ends_at=spec.ends_at,
            minimum_face_px=spec.minimum_face_px,
            recognition_zones={
                camera: (zone.left, zone.top, zone.right, zone.bottom)
                for camera, zone in sorted(spec.recognition_zones.items())
            }
            or None,
        )
        gov.audit.append(session, actor, authorised, spec.purpose)
        return deployment.id


def face_portrait(face: EnrolledFace) -> bytes:
    """The enrolled face cut from its image, with a margin around it, as JPEG.

    An operator compares it with the live crop, so it should show the face, not a whole photograph; and
    the watchlist snapshot then holds no more of the enrolment image than that face (not, say, the other
    people in a group photo).
    """
    image = decode_image(bytes(face.image), face.image_name).pixels
    box = BoundingBox(face.box_left, face.box_top, face.box_right, face.box_bottom)
    return encode_jpeg(face_with_margin(image, box))


def watchlist_subjects(gov: Governance, actor: Actor, name: str) -> int:
    """How many distinct subjects a deployment's watchlist holds (what a calibration needs to know)."""
    actor.require(Permission.AUTHORISE_DEPLOYMENTS)
    with gov.sessions() as session:
        deployment = _deployment(session, name)
        count = session.scalar(
            select(func.count(func.distinct(WatchlistEntry.subject_reference))).where(
                WatchlistEntry.deployment_id == deployment.id
            )
        )
        return int(count or 0)


def calibrate_deployment(
    gov: Governance,
    actor: Actor,
    name: str,
    *,
    threshold: float,
    minimum_face_px: int | None = None,
    reason: str,
    evidence: Mapping[str, JsonValue],
) -> float:
    """Set an authorised deployment's threshold (and, when given, its minimum face size) from an
    evaluation, recording the evidence; returns the threshold it replaced.

    Only before the deployment first runs: what a deployment ran with must stay what the record says it
    was authorised with, so a running, stopped or ended deployment keeps its threshold and minimum.
    """
    actor.require(Permission.AUTHORISE_DEPLOYMENTS)
    if not reason.strip():
        raise InvalidArgumentError("a calibration needs a reason")
    if not 0.0 < threshold <= MAX_MATCH_THRESHOLD:
        raise InvalidArgumentError(f"threshold must be within (0, {MAX_MATCH_THRESHOLD}], got {threshold}")
    check_minimum_face_px(minimum_face_px)
    with transaction(gov.sessions) as session:
        deployment = _deployment(session, name)
        if deployment.status != DeploymentStatus.AUTHORISED.value or deployment.frames_processed:
            raise DeploymentError(
                f"deployment {name!r} is {deployment.status}"
                + (" and has already run" if deployment.frames_processed else "")
                + "; it can only be calibrated before it first runs"
            )
        previous, previous_minimum = deployment.threshold, deployment.minimum_face_px
        deployment.threshold = threshold
        if minimum_face_px is not None:
            deployment.minimum_face_px = minimum_face_px
        calibrated = DeploymentCalibrated(
            deployment=name,
            previous_threshold=previous,
            threshold=threshold,
            evidence=dict(evidence),
            minimum_face_px=minimum_face_px,
            previous_minimum_face_px=previous_minimum if minimum_face_px is not None else None,
        )
        gov.audit.append(session, actor, calibrated, reason)
        return previous


def end_deployment(gov: Governance, actor: Actor, name: str, reason: str) -> None:
    """End a deployment for good and delete its watchlist snapshot."""
    actor.require(Permission.RUN_DEPLOYMENTS)
    with transaction(gov.sessions) as session:
        deployment = _deployment(session, name)
        if deployment.status == DeploymentStatus.ENDED.value:
            raise DeploymentError(f"deployment {name!r} has already ended")
        entries = session.scalar(
            select(func.count()).select_from(WatchlistEntry).where(WatchlistEntry.deployment_id == deployment.id)
        )
        session.execute(delete(WatchlistEntry).where(WatchlistEntry.deployment_id == deployment.id))
        deployment.status = DeploymentStatus.ENDED.value
        deployment.ended_at = gov.clock.now()
        ended = DeploymentEnded(deployment=name, counts=_counts(deployment), watchlist_entries_deleted=entries or 0)
        gov.audit.append(session, actor, ended, reason)
    erase_deleted(gov.sessions)
