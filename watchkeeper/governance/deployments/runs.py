"""A deployment's camera runs: begun only inside the window on an authorised camera, with the watchlist
loaded as authorised; alerts and counts written while they run; closed on record when they stop or when
their process is found dead."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchkeeper.errors import NotFoundError
from watchkeeper.face import similarity_from_distance
from watchkeeper.face.images import encode_jpeg
from watchkeeper.governance.audit.events import AlertRaised, RunCounts, RunStarted, RunStopped
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.deployments.records import (
    AlertOutcome,
    DeploymentError,
    DeploymentRecord,
    DeploymentStatus,
    _counts,
    _deployment,
    _deployment_record,
)
from watchkeeper.governance.roles import SYSTEM_ACTOR, Actor, Permission
from watchkeeper.governance.schema import Alert, CameraRun, Deployment, WatchlistEntry
from watchkeeper.matching import LabelledIndex
from watchkeeper.matching.fusion import mean_template
from watchkeeper.types import FrameRegion, RGBImage

CHECKPOINT_EVERY = timedelta(minutes=1)
"""How often a running camera saves its counts (see :meth:`DeploymentRun.checkpoint`)."""
SILENT_AFTER = 5 * CHECKPOINT_EVERY
"""A run that has saved nothing for this long is taken to have died with its process."""
INTERRUPTED_REASON = "the run stopped reporting: its process ended without stopping it"


@dataclass(frozen=True, slots=True, kw_only=True)
class Watchlist:
    """A running deployment's watchlist in memory: the entries to match, labelled by subject reference,
    and each entry's category."""

    targets: LabelledIndex
    categories: dict[int, SubjectCategory]

    def subject(self, entry_id: int) -> tuple[str, SubjectCategory]:
        return self.targets.labels[entry_id], self.categories[entry_id]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeploymentRun:
    """A camera run once begun: what its pipeline needs (threshold, watchlist, the end of the window), and
    the acts of the run itself, written by whoever began it, so a runner never passes who, which run and
    which camera again. Each act still checks its permission, as every act of the governance layer does."""

    gov: Governance
    actor: Actor
    """Who runs the camera: an operator, or the system for a configured camera it started."""
    camera: str
    deployment_id: int
    name: str
    cameras: tuple[str, ...]
    threshold: float
    minimum_face_px: int | None
    """Faces smaller than this (inter-ocular pixels) are counted as too small, never matched or kept."""
    recognition_zone: FrameRegion | None
    """The part of this camera's picture searched for faces; None: all of it."""
    ends_at: datetime
    watchlist: Watchlist
    run_id: int
    """This camera run's record (:class:`CameraRun`)."""

    def raise_alert(
        self, *, track_id: int, stream_seconds: float, crop: RGBImage, entry_id: int, distance: float
    ) -> int:
        """Store an alert (with the live crop that raised it) and audit it; returns the alert's id."""
        self.actor.require(Permission.RUN_DEPLOYMENTS)
        reference, category = self.watchlist.subject(entry_id)
        with transaction(self.gov.sessions) as session:
            alert = Alert(
                deployment_id=self.deployment_id,
                deployment_name=self.name,
                camera=self.camera,
                raised_at=self.gov.clock.now(),
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
                deployment=self.name,
                alert=alert.id,
                camera=self.camera,
                subject=reference,
                distance=round(distance, 6),
                track=track_id,
            )
            self.gov.audit.append(session, self.actor, raised, "")
            return alert.id

    def checkpoint(self, counts: RunCounts) -> None:
        """Save the counts so far: if the run's process dies, the run is closed with these (see
        :func:`close_silent_runs`). Not audited: the run's stop is, with its final counts."""
        self.actor.require(Permission.RUN_DEPLOYMENTS)
        with transaction(self.gov.sessions) as session:
            camera_run = session.get(CameraRun, self.run_id)
            if camera_run is not None and camera_run.stopped_at is None:
                _write_counts(camera_run, counts)
                camera_run.checkpoint_at = self.gov.clock.now()

    def stop(self, counts: RunCounts) -> None:
        """Record the run as stopped, adding its counts to the deployment's; the deployment stays
        authorised (other cameras, later runs) until it is ended. A run already closed as silent adds what
        it counted since its last checkpoint."""
        self.actor.require(Permission.RUN_DEPLOYMENTS)
        with transaction(self.gov.sessions) as session:
            deployment = session.get(Deployment, self.deployment_id)
            if deployment is None:
                raise NotFoundError(f"deployment {self.name!r} no longer exists")
            camera_run = session.get(CameraRun, self.run_id)
            added = counts
            if camera_run is not None:
                if camera_run.stopped_at is not None:
                    added = counts - _counts(camera_run)
                _write_counts(camera_run, counts)
                camera_run.stopped_at, camera_run.interrupted = self.gov.clock.now(), False
            _close_run(session, deployment, added)
            stopped = RunStopped(deployment=self.name, camera=self.camera, counts=added)
            self.gov.audit.append(session, self.actor, stopped, "")


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
        _write_counts(camera_run, RunCounts())
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
            gov=gov,
            actor=actor,
            camera=camera,
            deployment_id=deployment.id,
            name=name,
            cameras=cameras,
            threshold=deployment.threshold,
            minimum_face_px=deployment.minimum_face_px,
            recognition_zone=deployment.recognition_zones.get(camera),
            ends_at=deployment.ends_at,
            watchlist=Watchlist(targets=targets, categories=categories),
            run_id=camera_run.id,
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
                counts=counts,
                interrupted=True,
                last_seen=camera_run.checkpoint_at,
            )
            gov.audit.append(session, SYSTEM_ACTOR, stopped, INTERRUPTED_REASON)
            closed.append(f"{deployment.name}/{camera_run.camera}")
    return closed


def _close_run(session: Session, deployment: Deployment, added: RunCounts) -> None:
    """Add a closed run's counts to its deployment, which is running no more once no camera runs."""
    _write_counts(deployment, _counts(deployment) + added)
    session.flush()
    still_running = session.scalar(
        select(func.count())
        .select_from(CameraRun)
        .where(CameraRun.deployment_id == deployment.id, CameraRun.stopped_at.is_(None))
    )
    if deployment.status == DeploymentStatus.RUNNING.value and not still_running:
        deployment.status = DeploymentStatus.AUTHORISED.value


def _write_counts(row: Deployment | CameraRun, counts: RunCounts) -> None:
    for name, value in dataclasses.asdict(counts).items():
        setattr(row, name, value)
