"""Deployments as recorded: the errors and states they share, and what the record says of a deployment and of
its camera runs, read back for those who may view them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchkeeper.errors import ErrorKind, NotFoundError, WatchkeeperError
from watchkeeper.governance.audit.events import RunCounts
from watchkeeper.governance.context import Governance
from watchkeeper.governance.records import record_from_row
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import Alert, CameraRun, Deployment, WatchlistEntry
from watchkeeper.types import FrameRegion


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


@dataclass(frozen=True, slots=True, kw_only=True)
class CameraRunRecord:
    """One run of a deployment on one camera, as recorded: from its start to its stop (None while it runs,
    or until its process is found dead), with its counts (so far, for a run that has not stopped)."""

    camera: str
    started_at: datetime
    last_checkpoint_at: datetime
    stopped_at: datetime | None
    interrupted: bool
    """Closed at its last checkpoint because its process died, not stopped by it."""
    counts: RunCounts


@dataclass(frozen=True, slots=True, kw_only=True)
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
    minimum_face_px: int | None
    """The smallest face matched (inter-ocular pixels); None: every face found."""
    recognition_zones: dict[str, FrameRegion]
    """Per camera, the part of its picture searched; a camera not named is searched whole."""
    authorised_by: str
    authorising_officer: str
    authorised_at: datetime
    starts_at: datetime
    ends_at: datetime
    status: DeploymentStatus
    ended_at: datetime | None
    watchlist_entries: int
    """Faces in the watchlist snapshot now (0 once the deployment has ended and the snapshot is deleted)."""
    counts: RunCounts
    alerts: int


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
            CameraRunRecord(
                camera=r.camera,
                started_at=r.started_at,
                last_checkpoint_at=r.checkpoint_at,
                stopped_at=r.stopped_at,
                interrupted=r.interrupted,
                counts=_counts(r),
            )
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


def _counts(row: Deployment | CameraRun) -> RunCounts:
    """The counts of a deployment (all its runs) or of one camera run (so far)."""
    return RunCounts(**{f.name: getattr(row, f.name) for f in dataclasses.fields(RunCounts)})


def _deployment(session: Session, name: str) -> Deployment:
    deployment = session.scalar(select(Deployment).where(Deployment.name == name))
    if deployment is None:
        raise NotFoundError(f"no deployment called {name!r}")
    return deployment
