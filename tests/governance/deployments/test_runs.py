"""Camera runs: nothing runs unauthorised, outside its window or on another camera; counts add up and a
silent run is closed at its last checkpoint."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from tests.governance.deployments.stadium import spec
from watchkeeper.errors import NotFoundError
from watchkeeper.governance import audit_access, deployments, galleries, retention
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.deployments import AlertOutcome, DeploymentError
from watchkeeper.governance.policy import RetentionPolicy
from watchkeeper.governance.roles import Actor, PermissionDeniedError, Role
from watchkeeper.governance.schema import WatchlistEntry
from watchkeeper.reports.figures import Period
from watchkeeper.reports.service import transparency_report


def test_lifecycle_with_counts_and_snapshot_deleted(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock
) -> None:
    deployment_id = deployments.authorise_deployment(gov, people[Role.ADMIN], spec(clock))
    run = deployments.begin_deployment(gov, people[Role.OPERATOR], "stadium", "gate-1")
    assert run.deployment_id == deployment_id
    assert sorted(set(run.watchlist.targets.labels.values())) == ["biden", "obama"]
    chip = np.zeros((150, 150, 3), dtype=np.uint8)
    entry = next(i for i, r in run.watchlist.targets.labels.items() if r == "obama")
    alert_id = run.raise_alert(track_id=7, stream_seconds=3.2, crop=chip, entry_id=entry, distance=0.41)
    run.stop(deployments.RunCounts(frames_processed=100, faces_seen=40, tracks=5, frames_dropped=7, corrupt_skipped=2))
    again = deployments.begin_deployment(gov, people[Role.OPERATOR], "stadium", "gate-1")
    again.stop(deployments.RunCounts(frames_processed=10, faces_seen=4, tracks=1, frames_dropped=3))
    record = deployments.describe_deployment(gov, people[Role.AUDITOR], "stadium")
    assert record.counts == deployments.RunCounts(
        frames_processed=110, faces_seen=44, tracks=6, frames_dropped=10, corrupt_skipped=2
    )  # the runs' counts add up
    assert (record.status, record.alerts, record.cameras) == (deployments.DeploymentStatus.AUTHORISED, 1, ("gate-1",))
    with pytest.raises(PermissionDeniedError):
        deployments.describe_deployment(gov, people[Role.ANALYST], "stadium")
    deployments.end_deployment(gov, people[Role.OPERATOR], "stadium", "match over")
    assert (
        deployments.describe_deployment(gov, people[Role.OPERATOR], "stadium").status
        is deployments.DeploymentStatus.ENDED
    )
    with gov.sessions() as session:
        assert session.scalar(select(func.count()).select_from(WatchlistEntry)) == 0
    (alert,) = deployments.list_alerts(gov, people[Role.OPERATOR], "stadium")
    assert (alert.id, alert.subject_reference, alert.outcome) == (alert_id, "obama", AlertOutcome.PENDING)
    decided = deployments.adjudicate_alert(
        gov, people[Role.OPERATOR], alert_id, AlertOutcome.REJECTED, "not the person on closer look", "none"
    )
    assert decided.outcome is AlertOutcome.REJECTED
    with pytest.raises(DeploymentError, match="already rejected"):
        deployments.adjudicate_alert(gov, people[Role.OPERATOR], alert_id, AlertOutcome.CONFIRMED, "x", "y")
    with pytest.raises(DeploymentError, match="has ended"):
        deployments.begin_deployment(gov, people[Role.OPERATOR], "stadium", "gate-1")
    clock.advance(timedelta(days=30))
    assert retention.enforce_retention(gov, people[Role.ADMIN], RetentionPolicy()).alerts_deleted == 0
    clock.advance(timedelta(days=2))  # past the default 31 days for alerts
    assert retention.enforce_retention(gov, people[Role.ADMIN], RetentionPolicy()).alerts_deleted == 1
    assert deployments.list_alerts(gov, people[Role.OPERATOR]) == []
    assert audit_access.verify(gov, people[Role.AUDITOR]).ok


def test_nothing_runs_outside_what_was_authorised(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock
) -> None:
    operator = people[Role.OPERATOR]
    with pytest.raises(NotFoundError, match="no deployment called 'stadium'"):
        deployments.begin_deployment(gov, operator, "stadium", "gate-1")
    with pytest.raises(PermissionDeniedError):
        deployments.authorise_deployment(gov, operator, spec(clock))
    deployments.authorise_deployment(gov, people[Role.ADMIN], spec(clock, starts_at=clock.now() + timedelta(hours=1)))
    with pytest.raises(DeploymentError, match="not now"):
        deployments.begin_deployment(gov, operator, "stadium", "gate-1")
    clock.advance(timedelta(hours=2))
    with pytest.raises(DeploymentError, match="camera 'gate-9' is not authorised"):
        deployments.begin_deployment(gov, operator, "stadium", "gate-9")
    with pytest.raises(PermissionDeniedError):
        deployments.begin_deployment(gov, people[Role.ANALYST], "stadium", "gate-1")
    assert deployments.begin_deployment(gov, operator, "stadium", "gate-1").name == "stadium"


def test_a_subject_with_several_faces_is_watched_for_by_their_mean(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock, faces_dir: Path
) -> None:
    admin = people[Role.ADMIN]
    details = galleries.SubjectDetails(
        "kit", SubjectCategory.WANTED_BY_COURTS, "warrant", "court", clock.now() + timedelta(days=30)
    )
    images = [f"examples/knn_examples/train/kit_harington/john{n}.jpeg" for n in (1, 2)]
    galleries.enrol_subject(
        gov, admin, "watch", details, [galleries.EnrolmentImage(i, (faces_dir / i).read_bytes()) for i in images]
    )
    deployments.authorise_deployment(gov, admin, spec(clock))
    with gov.sessions() as session:
        stored = [
            e.descriptor
            for e in session.scalars(select(WatchlistEntry).where(WatchlistEntry.subject_reference == "kit"))
        ]
    assert len(stored) == 2
    run = deployments.begin_deployment(gov, people[Role.OPERATOR], "stadium", "gate-1")
    assert sorted(run.watchlist.targets.labels.values()) == ["biden", "kit", "obama"]  # one row per subject
    nearest = run.watchlist.targets.nearest(np.mean(stored, axis=0, keepdims=True).astype(np.float32))
    assert run.watchlist.targets.labels[int(nearest.ids[0, 0])] == "kit"
    assert float(nearest.distances[0, 0]) == pytest.approx(0.0, abs=1e-5)


def last_entry(gov: Governance, auditor: Actor) -> AuditEntry:
    ((_, entry),) = audit_access.entries(gov, auditor, gov.audit.size() - 1, 1)
    assert entry is not None
    return entry


def test_a_run_whose_process_fell_silent_is_closed_at_its_last_checkpoint(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock
) -> None:
    operator = people[Role.OPERATOR]
    deployments.authorise_deployment(gov, people[Role.ADMIN], spec(clock))
    started = clock.now()
    run = deployments.begin_deployment(gov, operator, "stadium", "gate-1")
    clock.advance(timedelta(minutes=10))
    run.checkpoint(deployments.RunCounts(frames_processed=50, faces_seen=20, tracks=3, frames_dropped=1))
    last_seen = clock.now()
    clock.advance(deployments.SILENT_AFTER - timedelta(seconds=1))
    assert deployments.close_silent_runs(gov) == []  # quiet, not yet silent
    assert deployments.describe_deployment(gov, operator, "stadium").status is deployments.DeploymentStatus.RUNNING

    clock.advance(timedelta(hours=1))
    assert deployments.close_silent_runs(gov) == ["stadium/gate-1"]
    assert deployments.close_silent_runs(gov) == []  # closed once
    record = deployments.describe_deployment(gov, operator, "stadium")
    assert record.status is deployments.DeploymentStatus.AUTHORISED
    assert record.counts == deployments.RunCounts(
        frames_processed=50, faces_seen=20, tracks=3, frames_dropped=1
    )  # the checkpoint's counts, kept
    stop = last_entry(gov, people[Role.AUDITOR])
    assert (stop.action, stop.actor, stop.reason) == ("deployment.stop", "system", deployments.INTERRUPTED_REASON)
    assert (stop.details["interrupted"], stop.details["last_seen"]) == (True, last_seen.isoformat())

    (closed,) = deployments.camera_runs(gov, people[Role.AUDITOR], "stadium")
    assert (closed.started_at, closed.stopped_at, closed.interrupted) == (started, last_seen, True)
    with pytest.raises(PermissionDeniedError):
        deployments.camera_runs(gov, people[Role.ANALYST], "stadium")

    # The report counts the hours it ran up to its last checkpoint, not up to when it was found silent.
    period = Period(started.date(), started.date() + timedelta(days=1))
    report = transparency_report(gov, people[Role.ADMIN], period)
    (figure,) = report.deployments
    assert (figure.hours_run, figure.runs, figure.frames_processed) == (round(10 / 60, 2), 1, 50)
    assert any("1 camera run(s) ended without being stopped" in gap for gap in report.gaps)

    # Its process was only stalled: when it stops after all, what it counted since the checkpoint is added.
    run.stop(deployments.RunCounts(frames_processed=60, faces_seen=25, tracks=4, frames_dropped=1))
    assert deployments.describe_deployment(gov, operator, "stadium").counts == deployments.RunCounts(
        frames_processed=60, faces_seen=25, tracks=4, frames_dropped=1
    )
    assert last_entry(gov, people[Role.AUDITOR]).details["frames_processed"] == 10
    (stopped,) = deployments.camera_runs(gov, operator, "stadium")
    assert (stopped.stopped_at, stopped.interrupted) == (clock.now(), False)
    assert stopped.counts == deployments.RunCounts(frames_processed=60, faces_seen=25, tracks=4, frames_dropped=1)
    assert audit_access.verify(gov, people[Role.AUDITOR]).ok


def test_a_deployment_runs_while_any_of_its_cameras_does(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock
) -> None:
    operator = people[Role.OPERATOR]
    deployments.authorise_deployment(gov, people[Role.ADMIN], spec(clock, cameras=("gate-1", "gate-2")))
    first = deployments.begin_deployment(gov, operator, "stadium", "gate-1")
    second = deployments.begin_deployment(gov, operator, "stadium", "gate-2")
    first.stop(deployments.RunCounts(frames_processed=1))
    assert deployments.describe_deployment(gov, operator, "stadium").status is deployments.DeploymentStatus.RUNNING
    second.stop(deployments.RunCounts(frames_processed=1))
    assert deployments.describe_deployment(gov, operator, "stadium").status is deployments.DeploymentStatus.AUTHORISED
