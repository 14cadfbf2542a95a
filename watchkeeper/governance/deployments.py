"""Deployments of live recognition: authorised in advance, run only inside their window, ended on record.

Authorisation fixes who may be looked for (a frozen snapshot of a gallery), where (cameras, location),
when (start and end), how strictly (threshold) and why (purpose), and whether it is a trial. A run can
only load what was authorised; alerts are written through here, each audited; when the deployment ends,
the counts are recorded and the watchlist snapshot deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, defer

from watchkeeper.errors import AlreadyExistsError, ErrorKind, InvalidArgumentError, NotFoundError, WatchkeeperError
from watchkeeper.face import DEFAULT_MATCH_THRESHOLD, MAX_MATCH_THRESHOLD, similarity_from_distance
from watchkeeper.face.images import decode_image, encode_jpeg, face_with_margin
from watchkeeper.governance.audit.entry import JsonValue
from watchkeeper.governance.audit.events import (
    AlertAdjudicated,
    AlertRaised,
    DeploymentAuthorised,
    DeploymentCalibrated,
    DeploymentEnded,
    RunCounts,
    RunStarted,
    RunStopped,
)
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import erase_deleted, transaction
from watchkeeper.governance.galleries import find_gallery
from watchkeeper.governance.records import record_from_row
from watchkeeper.governance.roles import SYSTEM_ACTOR, Actor, Permission
from watchkeeper.governance.schema import Alert, CameraRun, Deployment, EnrolledFace, Subject, WatchlistEntry
from watchkeeper.matching import LabelledIndex
from watchkeeper.matching.fusion import mean_template
from watchkeeper.types import BoundingBox, RGBImage

CHECKPOINT_EVERY = timedelta(minutes=1)
"""How often a running camera saves its counts (see :func:`checkpoint_run`)."""
SILENT_AFTER = 5 * CHECKPOINT_EVERY
"""A run that has saved nothing for this long is taken to have died with its process."""
INTERRUPTED_REASON = "the run stopped reporting: its process ended without stopping it"


class DeploymentError(WatchkeeperError):
    """A deployment that does not exist, is outside its window, or cannot take the change."""

    code = "deployment_error"
    kind = ErrorKind.CONFLICT


class DeploymentMode(StrEnum):
    STATIC = "static"
    """Fixed cameras (e.g. CCTV at a venue)."""
    PORTABLE = "portable"
    """A van or body-worn camera moved between places."""


class DeploymentStatus(StrEnum):
    AUTHORISED = "authorised"
    RUNNING = "running"
    ENDED = "ended"


class AlertOutcome(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class Watchlist:
    """A running deployment's watchlist in memory: the entries to match, labelled by subject reference,
    and each entry's category."""

    targets: LabelledIndex
    categories: dict[int, SubjectCategory]

    def subject(self, entry_id: int) -> tuple[str, SubjectCategory]:
        return self.targets.labels[entry_id], self.categories[entry_id]


@dataclass(frozen=True, slots=True)
class DeploymentRun:
    """What a pipeline needs to run a deployment: its identity, cameras, threshold and watchlist."""

    deployment_id: int
    name: str
    cameras: tuple[str, ...]
    threshold: float
    ends_at: datetime
    watchlist: Watchlist
    run_id: int
    """This camera run's record (:class:`CameraRun`)."""


@dataclass(frozen=True, slots=True)
class CameraRunRecord:
    """One run of a deployment on one camera, as recorded: from its start to its stop (None while it runs,
    or until its process is found dead), with its counts (so far, for a run that has not stopped)."""

    camera: str
    started_at: datetime
    last_checkpoint_at: datetime
    stopped_at: datetime | None
    interrupted: bool
    """Closed at its last checkpoint because its process died, not stopped by it."""
    counts: DeploymentCounts


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: int
    deployment: str
    camera: str
    raised_at: datetime
    stream_seconds: float
    track_id: int
    subject_reference: str
    category: str
    distance: float
    similarity: float
    outcome: AlertOutcome
    outcome_reason: str | None
    action_taken: str | None
    adjudicated_by: str | None


@dataclass(frozen=True, slots=True)
class DeploymentCounts:
    """Counts only: the deployment record keeps how much was seen, never what (or who) was seen."""

    frames_processed: int
    faces_seen: int
    tracks: int
    frames_dropped: int = 0
    """Frames the source dropped because recognition fell behind a live stream."""
    corrupt_skipped: int = 0
    """Packets or frames the source skipped as corrupt."""

    def less(self, other: DeploymentCounts) -> DeploymentCounts:
        """What these counts add to ``other`` (counts only grow during a run)."""
        return DeploymentCounts(
            self.frames_processed - other.frames_processed,
            self.faces_seen - other.faces_seen,
            self.tracks - other.tracks,
            self.frames_dropped - other.frames_dropped,
            self.corrupt_skipped - other.corrupt_skipped,
        )

    def as_recorded(self) -> RunCounts:
        """The counts as the audit log records them."""
        return RunCounts(
            frames_processed=self.frames_processed,
            faces_seen=self.faces_seen,
            tracks=self.tracks,
            frames_dropped=self.frames_dropped,
            corrupt_skipped=self.corrupt_skipped,
        )


@dataclass(frozen=True, slots=True)
class DeploymentRecord:
    """A deployment as its record stands: the authorisation, its state, and the counts of all its runs."""

    id: int
    name: str
    purpose: str
    location: str
    cameras: tuple[str, ...]
    mode: DeploymentMode
    trial: bool
    gallery: str
    threshold: float
    authorised_by: str
    authorising_officer: str
    authorised_at: datetime
    starts_at: datetime
    ends_at: datetime
    status: DeploymentStatus
    ended_at: datetime | None
    watchlist_entries: int
    """Faces in the watchlist snapshot now (0 once the deployment has ended and the snapshot is deleted)."""
    counts: DeploymentCounts
    alerts: int


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


def calibrate_threshold(
    gov: Governance, actor: Actor, name: str, threshold: float, reason: str, evidence: Mapping[str, JsonValue]
) -> float:
    """Set an authorised deployment's threshold from an evaluation, recording the evidence; returns the
    threshold it replaced.

    Only before the deployment first runs: what a deployment ran with must stay what the record says it
    was authorised with, so a running, stopped or ended deployment keeps its threshold.
    """
    actor.require(Permission.AUTHORISE_DEPLOYMENTS)
    if not reason.strip():
        raise InvalidArgumentError("a calibration needs a reason")
    if not 0.0 < threshold <= MAX_MATCH_THRESHOLD:
        raise InvalidArgumentError(f"threshold must be within (0, {MAX_MATCH_THRESHOLD}], got {threshold}")
    with transaction(gov.sessions) as session:
        deployment = _deployment(session, name)
        if deployment.status != DeploymentStatus.AUTHORISED.value or deployment.frames_processed:
            raise DeploymentError(
                f"deployment {name!r} is {deployment.status}"
                + (" and has already run" if deployment.frames_processed else "")
                + "; its threshold can only be calibrated before it first runs"
            )
        previous = deployment.threshold
        deployment.threshold = threshold
        calibrated = DeploymentCalibrated(
            deployment=name, previous_threshold=previous, threshold=threshold, evidence=dict(evidence)
        )
        gov.audit.append(session, actor, calibrated, reason)
        return previous


def begin_deployment(gov: Governance, actor: Actor, name: str, camera: str) -> DeploymentRun:
    """Start running an authorised deployment on one of its cameras, inside its window."""
    actor.require(Permission.RUN_DEPLOYMENTS)
    now = gov.clock.now()
    with transaction(gov.sessions) as session:
        deployment = _deployment(session, name)
        cameras = deployment.cameras
        check_runnable(_deployment_record(session, deployment, 0), camera, now)
        deployment.status = DeploymentStatus.RUNNING.value
        entries = list(deployment.watchlist)
        gov.audit.append(session, actor, RunStarted(deployment=name, camera=camera), "")
        camera_run = CameraRun(deployment_id=deployment.id, camera=camera, started_at=now, checkpoint_at=now)
        _write_counts(camera_run, DeploymentCounts(0, 0, 0))
        session.add(camera_run)
        session.flush()
        templates = _subject_templates(entries)
        targets = LabelledIndex.of(
            np.array([e.id for e, _ in templates], dtype=np.int64),
            np.stack([template for _, template in templates]),
            {e.id: e.subject_reference for e, _ in templates},
        )
        categories = {e.id: SubjectCategory(e.category) for e, _ in templates}
        return DeploymentRun(
            deployment.id,
            name,
            cameras,
            deployment.threshold,
            deployment.ends_at,
            Watchlist(targets, categories),
            camera_run.id,
        )


def check_runnable(deployment: DeploymentRecord, camera: str, now: datetime) -> None:
    """Refuse, saying why, unless ``deployment`` may run on ``camera`` at ``now``: not ended, inside its
    authorised window, and the camera one of those authorised."""
    name = deployment.name
    if deployment.status is DeploymentStatus.ENDED:
        raise DeploymentError(f"deployment {name!r} has ended")
    if not deployment.starts_at <= now < deployment.ends_at:
        raise DeploymentError(
            f"deployment {name!r} is authorised from {deployment.starts_at:%Y-%m-%d %H:%M} to "
            f"{deployment.ends_at:%Y-%m-%d %H:%M} UTC, not now"
        )
    if camera not in deployment.cameras:
        raise DeploymentError(
            f"camera {camera!r} is not authorised for {name!r} (authorised: {', '.join(deployment.cameras)})"
        )


def _subject_templates(entries: list[WatchlistEntry]) -> list[tuple[WatchlistEntry, NDArray[np.float32]]]:
    """One row per subject: the mean of the subject's watchlist faces, under the subject's first entry.

    A mean template separates mated from non-mated searches better than the nearest of several photos
    (``watchkeeper evaluate``: identification d' 5.45 to 7.00 on the shared photos, the 95% interval of
    the rise 0.59 to 2.67); a subject with one face is matched exactly as before.
    """
    by_subject: dict[str, list[WatchlistEntry]] = {}
    for entry in entries:
        by_subject.setdefault(entry.subject_reference, []).append(entry)
    return [
        (
            faces[0],
            mean_template(np.stack([e.descriptor for e in faces])).astype(np.float32),
        )
        for faces in by_subject.values()
    ]


def raise_alert(
    gov: Governance,
    run: DeploymentRun,
    operator: Actor,
    camera: str,
    track_id: int,
    stream_seconds: float,
    crop: RGBImage,
    entry_id: int,
    distance: float,
) -> int:
    """Store an alert (with the live crop that raised it) and audit it; returns the alert's id. ``operator``
    is who runs the camera (the system, for a configured camera it started) and needs the permission to
    run deployments, as for the run's checkpoints and stop."""
    operator.require(Permission.RUN_DEPLOYMENTS)
    reference, category = run.watchlist.subject(entry_id)
    with transaction(gov.sessions) as session:
        alert = Alert(
            deployment_id=run.deployment_id,
            deployment_name=run.name,
            camera=camera,
            raised_at=gov.clock.now(),
            stream_seconds=stream_seconds,
            track_id=track_id,
            crop=encode_jpeg(crop),
            subject_reference=reference,
            category=category.value,
            distance=distance,
            similarity=similarity_from_distance(distance),
            outcome=AlertOutcome.PENDING.value,
        )
        session.add(alert)
        session.flush()
        raised = AlertRaised(
            deployment=run.name,
            alert=alert.id,
            camera=camera,
            subject=reference,
            distance=round(distance, 6),
            track=track_id,
        )
        gov.audit.append(session, operator, raised, "")
        return alert.id


def checkpoint_run(gov: Governance, actor: Actor, run: DeploymentRun, counts: DeploymentCounts) -> None:
    """Save a running camera's counts so far: if its process dies, the run is closed with these (see
    :func:`close_silent_runs`). Not audited: the run's stop is, with its final counts."""
    actor.require(Permission.RUN_DEPLOYMENTS)
    with transaction(gov.sessions) as session:
        camera_run = session.get(CameraRun, run.run_id)
        if camera_run is not None and camera_run.stopped_at is None:
            _write_counts(camera_run, counts)
            camera_run.checkpoint_at = gov.clock.now()


def stop_run(gov: Governance, actor: Actor, run: DeploymentRun, camera: str, counts: DeploymentCounts) -> None:
    """Record a camera's run as stopped, adding its counts to the deployment's; the deployment stays
    authorised (other cameras, later runs) until it is ended. A run already closed as silent adds what it
    counted since its last checkpoint."""
    actor.require(Permission.RUN_DEPLOYMENTS)
    with transaction(gov.sessions) as session:
        deployment = session.get(Deployment, run.deployment_id)
        if deployment is None:
            raise NotFoundError(f"deployment {run.name!r} no longer exists")
        camera_run = session.get(CameraRun, run.run_id)
        added = counts
        if camera_run is not None:
            if camera_run.stopped_at is not None:
                added = counts.less(_counts(camera_run))
            _write_counts(camera_run, counts)
            camera_run.stopped_at, camera_run.interrupted = gov.clock.now(), False
        _close_run(session, deployment, added)
        gov.audit.append(session, actor, RunStopped(deployment=run.name, camera=camera, counts=added.as_recorded()), "")


def close_silent_runs(gov: Governance, silent_after: timedelta = SILENT_AFTER) -> list[str]:
    """Close on record, at their last checkpoint and with its counts, the camera runs that have saved
    nothing for ``silent_after``: their process died (killed, lost power) without stopping them. Without
    this the deployment would stay running and a report would count its hours up to the end of the period.
    Returns the runs closed, as ``deployment/camera``."""
    now = gov.clock.now()
    closed = []
    with transaction(gov.sessions) as session:
        silent = session.scalars(
            select(CameraRun)
            .where(CameraRun.stopped_at.is_(None), CameraRun.checkpoint_at <= now - silent_after)
            .order_by(CameraRun.id)
        ).all()
        for camera_run in silent:
            deployment = session.get(Deployment, camera_run.deployment_id)
            assert deployment is not None  # runs are deleted with their deployment
            camera_run.stopped_at, camera_run.interrupted = camera_run.checkpoint_at, True
            counts = _counts(camera_run)
            _close_run(session, deployment, counts)
            stopped = RunStopped(
                deployment=deployment.name,
                camera=camera_run.camera,
                counts=counts.as_recorded(),
                interrupted=True,
                last_seen=camera_run.checkpoint_at,
            )
            gov.audit.append(session, SYSTEM_ACTOR, stopped, INTERRUPTED_REASON)
            closed.append(f"{deployment.name}/{camera_run.camera}")
    return closed


def _close_run(session: Session, deployment: Deployment, added: DeploymentCounts) -> None:
    """Add a closed run's counts to its deployment, which is running no more once no camera runs."""
    deployment.frames_processed += added.frames_processed
    deployment.faces_seen += added.faces_seen
    deployment.tracks += added.tracks
    deployment.frames_dropped += added.frames_dropped
    deployment.corrupt_skipped += added.corrupt_skipped
    session.flush()
    still_running = session.scalar(
        select(func.count())
        .select_from(CameraRun)
        .where(CameraRun.deployment_id == deployment.id, CameraRun.stopped_at.is_(None))
    )
    if deployment.status == DeploymentStatus.RUNNING.value and not still_running:
        deployment.status = DeploymentStatus.AUTHORISED.value


def _write_counts(camera_run: CameraRun, counts: DeploymentCounts) -> None:
    camera_run.frames_processed = counts.frames_processed
    camera_run.faces_seen = counts.faces_seen
    camera_run.tracks = counts.tracks
    camera_run.frames_dropped = counts.frames_dropped
    camera_run.corrupt_skipped = counts.corrupt_skipped


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
        ended = DeploymentEnded(
            deployment=name, counts=_counts(deployment).as_recorded(), watchlist_entries_deleted=entries or 0
        )
        gov.audit.append(session, actor, ended, reason)
    erase_deleted(gov.sessions)


def adjudicate_alert(
    gov: Governance, actor: Actor, alert_id: int, outcome: AlertOutcome, reason: str, action_taken: str
) -> AlertRecord:
    """An operator's decision on an alert: confirmed or rejected, why, and what was done."""
    actor.require(Permission.ADJUDICATE_ALERTS)
    if outcome is AlertOutcome.PENDING:
        raise InvalidArgumentError("an adjudication confirms or rejects")
    if not reason.strip():
        raise InvalidArgumentError("an adjudication needs a reason")
    with transaction(gov.sessions) as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFoundError(f"no alert {alert_id}")
        if alert.outcome != AlertOutcome.PENDING.value:
            raise DeploymentError(f"alert {alert_id} was already {alert.outcome} by {alert.adjudicated_by}")
        alert.outcome = outcome.value
        alert.outcome_reason = reason
        alert.action_taken = action_taken
        alert.adjudicated_by = actor.name
        alert.adjudicated_at = gov.clock.now()
        adjudicated = AlertAdjudicated(
            deployment=alert.deployment_name, alert=alert_id, outcome=outcome.value, action_taken=action_taken
        )
        gov.audit.append(session, actor, adjudicated, reason)
        return _alert_record(alert)


def list_alerts(
    gov: Governance,
    actor: Actor,
    deployment: str | None = None,
    after_id: int = 0,
    limit: int | None = None,
    *,
    newest_first: bool = False,
) -> list[AlertRecord]:
    """Alerts in the order raised (or the reverse); ``after_id`` and ``limit`` page through them (and let a
    live display ask only for the alerts it has not shown yet, or open with the latest few)."""
    actor.require(Permission.ADJUDICATE_ALERTS)
    with gov.sessions() as session:
        order = Alert.id.desc() if newest_first else Alert.id
        query = select(Alert).options(defer(Alert.crop)).where(Alert.id > after_id).order_by(order).limit(limit)
        if deployment is not None:
            query = query.where(Alert.deployment_name == deployment)
        return [_alert_record(a) for a in session.scalars(query)]


def list_deployments(gov: Governance, actor: Actor) -> list[DeploymentRecord]:
    actor.require(Permission.VIEW_DEPLOYMENTS)
    with gov.sessions() as session:
        counted = session.execute(
            select(WatchlistEntry.deployment_id, func.count()).group_by(WatchlistEntry.deployment_id)
        ).all()
        entries: dict[int, int] = {int(row[0]): int(row[1]) for row in counted}
        return [
            _deployment_record(session, d, entries.get(d.id, 0))
            for d in session.scalars(select(Deployment).order_by(Deployment.id))
        ]


def camera_runs(gov: Governance, actor: Actor, name: str) -> list[CameraRunRecord]:
    """Every camera run of deployment ``name``, by any process, oldest first."""
    actor.require(Permission.VIEW_DEPLOYMENTS)
    with gov.sessions() as session:
        deployment = _deployment(session, name)
        rows = session.scalars(
            select(CameraRun).where(CameraRun.deployment_id == deployment.id).order_by(CameraRun.id)
        ).all()
        return [
            CameraRunRecord(r.camera, r.started_at, r.checkpoint_at, r.stopped_at, r.interrupted, _counts(r))
            for r in rows
        ]


def describe_deployment(gov: Governance, actor: Actor, name: str) -> DeploymentRecord:
    actor.require(Permission.VIEW_DEPLOYMENTS)
    with gov.sessions() as session:
        deployment = _deployment(session, name)
        entries = session.scalar(
            select(func.count()).select_from(WatchlistEntry).where(WatchlistEntry.deployment_id == deployment.id)
        )
        return _deployment_record(session, deployment, entries or 0)


def alert_crop(gov: Governance, actor: Actor, alert_id: int) -> bytes:
    """The JPEG of the live face that raised an alert, for the operator who adjudicates it."""
    actor.require(Permission.ADJUDICATE_ALERTS)
    with gov.sessions() as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFoundError(f"no alert {alert_id}")
        return bytes(alert.crop)


def watchlist_image(gov: Governance, actor: Actor, alert_id: int) -> bytes:
    """The watchlist portrait (:func:`face_portrait`) of the person an alert names, to show beside the live
    crop; it goes with the watchlist snapshot when the deployment ends."""
    actor.require(Permission.ADJUDICATE_ALERTS)
    with gov.sessions() as session:
        alert = session.get(Alert, alert_id, options=[defer(Alert.crop)])
        if alert is None:
            raise NotFoundError(f"no alert {alert_id}")
        image = session.scalar(
            select(WatchlistEntry.image)
            .where(
                WatchlistEntry.deployment_id == alert.deployment_id,
                WatchlistEntry.subject_reference == alert.subject_reference,
            )
            .order_by(WatchlistEntry.id)
            .limit(1)
        )
    if image is None:
        raise NotFoundError(f"alert {alert_id}: the watchlist of {alert.deployment_name!r} was deleted when it ended")
    return bytes(image)


def _deployment_record(session: Session, deployment: Deployment, watchlist_entries: int) -> DeploymentRecord:
    alerts = session.scalar(select(func.count()).select_from(Alert).where(Alert.deployment_id == deployment.id))
    return record_from_row(
        DeploymentRecord,
        deployment,
        mode=DeploymentMode(deployment.mode),
        gallery=deployment.gallery_name,
        status=DeploymentStatus(deployment.status),
        watchlist_entries=watchlist_entries,
        counts=_counts(deployment),
        alerts=alerts or 0,
    )


def _counts(row: Deployment | CameraRun) -> DeploymentCounts:
    """The counts of a deployment (all its runs) or of one camera run (so far)."""
    return DeploymentCounts(row.frames_processed, row.faces_seen, row.tracks, row.frames_dropped, row.corrupt_skipped)


def _deployment(session: Session, name: str) -> Deployment:
    deployment = session.scalar(select(Deployment).where(Deployment.name == name))
    if deployment is None:
        raise NotFoundError(f"no deployment called {name!r}")
    return deployment


def _alert_record(alert: Alert) -> AlertRecord:
    return record_from_row(AlertRecord, alert, deployment=alert.deployment_name, outcome=AlertOutcome(alert.outcome))
