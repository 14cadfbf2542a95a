"""Deployments: nothing runs unauthorised, outside its window or on another camera; alerts are adjudicated."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from watchkeeper.errors import NotFoundError
from watchkeeper.face.images import FACE_MARGIN, decode_image
from watchkeeper.governance import deployments, galleries, retention
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.deployments import AlertOutcome, DeploymentError, DeploymentMode, DeploymentSpec
from watchkeeper.governance.policy import RetentionPolicy
from watchkeeper.governance.roles import SYSTEM_ACTOR, Actor, PermissionDeniedError, Role
from watchkeeper.governance.schema import EnrolledFace, WatchlistEntry
from watchkeeper.reports.figures import Period
from watchkeeper.reports.service import transparency_report
from watchkeeper.types import BoundingBox, ImageSize


@pytest.fixture
def watchlist_gallery(gov: Governance, people: dict[Role, Actor], faces_dir: Path, clock: FixedClock) -> str:
    admin = people[Role.ADMIN]
    galleries.create_gallery(gov, admin, "watch", "", "watchlist source")
    for reference, image in (("biden", "examples/biden.jpg"), ("obama", "examples/obama.jpg")):
        details = galleries.SubjectDetails(
            reference, SubjectCategory.WANTED_BY_COURTS, "warrant", "court", clock.now() + timedelta(days=30)
        )
        galleries.enrol_subject(
            gov, admin, "watch", details, [galleries.EnrolmentImage(image, (faces_dir / image).read_bytes())]
        )
    return "watch"


def spec(clock: FixedClock, **changes: object) -> DeploymentSpec:
    values: dict[str, object] = {
        "name": "stadium",
        "purpose": "locate people wanted on warrant at the match",
        "location": "North stand entrance",
        "cameras": ("gate-1",),
        "mode": DeploymentMode.STATIC,
        "trial": True,
        "gallery": "watch",
        "authorising_officer": "Supt. A. Example",
        "starts_at": clock.now(),
        "ends_at": clock.now() + timedelta(hours=4),
    }
    values.update(changes)
    return DeploymentSpec(**values)  # type: ignore[arg-type]


def test_lifecycle_with_counts_and_snapshot_deleted(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock
) -> None:
    deployment_id = deployments.authorise_deployment(gov, people[Role.ADMIN], spec(clock))
    run = deployments.begin_deployment(gov, people[Role.OPERATOR], "stadium", "gate-1")
    assert run.deployment_id == deployment_id
    assert sorted(set(run.watchlist.targets.labels.values())) == ["biden", "obama"]
    chip = np.zeros((150, 150, 3), dtype=np.uint8)
    entry = next(i for i, r in run.watchlist.targets.labels.items() if r == "obama")
    alert_id = deployments.raise_alert(gov, run, people[Role.OPERATOR], "gate-1", 7, 3.2, chip, entry, 0.41)
    deployments.stop_run(gov, people[Role.OPERATOR], run, "gate-1", deployments.DeploymentCounts(100, 40, 5, 7, 2))
    again = deployments.begin_deployment(gov, people[Role.OPERATOR], "stadium", "gate-1")
    deployments.stop_run(gov, people[Role.OPERATOR], again, "gate-1", deployments.DeploymentCounts(10, 4, 1, 3, 0))
    record = deployments.describe_deployment(gov, people[Role.AUDITOR], "stadium")
    assert record.counts == deployments.DeploymentCounts(110, 44, 6, 10, 2)  # the runs' counts add up
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
    assert gov.audit.verify(people[Role.AUDITOR]).ok


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


def test_watchlist_is_frozen_at_authorisation(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock, faces_dir: Path
) -> None:
    deployments.authorise_deployment(gov, people[Role.ADMIN], spec(clock))
    details = galleries.SubjectDetails(
        "kit", SubjectCategory.WANTED_BY_COURTS, "warrant", "court", clock.now() + timedelta(days=30)
    )
    image = faces_dir / "examples/knn_examples/train/kit_harington/john1.jpeg"
    galleries.enrol_subject(
        gov, people[Role.ADMIN], "watch", details, [galleries.EnrolmentImage(image.name, image.read_bytes())]
    )
    run = deployments.begin_deployment(gov, people[Role.OPERATOR], "stadium", "gate-1")
    assert "kit" not in set(run.watchlist.targets.labels.values())


def test_specification_is_complete(clock: FixedClock) -> None:
    with pytest.raises(ValueError, match="non-empty purpose"):
        spec(clock, purpose=" ")
    with pytest.raises(ValueError, match="camera names"):
        spec(clock, cameras=())
    with pytest.raises(ValueError, match="end after the start"):
        spec(clock, ends_at=clock.now())


def test_a_camera_name_may_hold_a_comma(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock
) -> None:
    cameras = ("Gate 3, north", "gate-1")
    deployments.authorise_deployment(gov, people[Role.ADMIN], spec(clock, cameras=cameras))
    assert deployments.describe_deployment(gov, people[Role.AUDITOR], "stadium").cameras == cameras
    run = deployments.begin_deployment(gov, people[Role.OPERATOR], "stadium", "Gate 3, north")
    assert run.cameras == cameras
    with pytest.raises(DeploymentError, match="'Gate 3' is not authorised"):
        deployments.begin_deployment(gov, people[Role.OPERATOR], "stadium", "Gate 3")


def test_alert_shows_the_watchlist_image_until_the_deployment_ends(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock, faces_dir: Path
) -> None:
    operator = people[Role.OPERATOR]
    deployments.authorise_deployment(gov, people[Role.ADMIN], spec(clock))
    run = deployments.begin_deployment(gov, operator, "stadium", "gate-1")
    entry = next(i for i, r in run.watchlist.targets.labels.items() if r == "biden")
    chip = np.zeros((150, 150, 3), dtype=np.uint8)
    first = deployments.raise_alert(gov, run, operator, "gate-1", 1, 1.0, chip, entry, 0.4)
    second = deployments.raise_alert(gov, run, operator, "gate-1", 2, 2.0, chip, entry, 0.5)
    # The operator sees biden's face with a margin around it, not the whole enrolment photograph.
    portrait = decode_image(deployments.watchlist_image(gov, operator, first), "portrait").pixels
    photo = decode_image((faces_dir / "examples/biden.jpg").read_bytes(), "biden.jpg").pixels
    with gov.sessions() as session:
        face = session.scalars(select(EnrolledFace).where(EnrolledFace.image_name == "examples/biden.jpg")).one()
        box = BoundingBox(face.box_left, face.box_top, face.box_right, face.box_bottom)
    around = box.expanded(FACE_MARGIN).clipped(ImageSize(photo.shape[1], photo.shape[0]))
    assert portrait.shape == (around.height, around.width, 3)
    assert portrait.shape[0] * portrait.shape[1] < photo.shape[0] * photo.shape[1] / 2
    expected = photo[around.top : around.bottom, around.left : around.right].astype(np.float32)
    assert np.abs(portrait.astype(np.float32) - expected).mean() < 3  # the same pixels, up to JPEG
    newest = deployments.list_alerts(gov, operator, newest_first=True)
    assert [a.id for a in newest] == [second, first]
    with pytest.raises(PermissionDeniedError):
        deployments.watchlist_image(gov, people[Role.ANALYST], first)
    with pytest.raises(NotFoundError, match="no alert 99"):
        deployments.watchlist_image(gov, operator, 99)
    deployments.stop_run(gov, operator, run, "gate-1", deployments.DeploymentCounts(1, 1, 1))
    deployments.end_deployment(gov, operator, "stadium", "match over")
    with pytest.raises(NotFoundError, match="was deleted when it ended"):
        deployments.watchlist_image(gov, operator, first)


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


def test_calibration_needs_an_authorised_deployment_that_has_not_run(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock
) -> None:
    admin, operator = people[Role.ADMIN], people[Role.OPERATOR]
    deployments.authorise_deployment(gov, admin, spec(clock))
    assert deployments.watchlist_subjects(gov, admin, "stadium") == 2
    with pytest.raises(PermissionDeniedError):
        deployments.calibrate_threshold(gov, operator, "stadium", 0.5, "evaluated", {})
    with pytest.raises(ValueError, match="threshold must be within"):
        deployments.calibrate_threshold(gov, admin, "stadium", 1.5, "evaluated", {})
    assert deployments.calibrate_threshold(gov, admin, "stadium", 0.55, "evaluated", {"report_sha256": "ab"}) == 0.6
    run = deployments.begin_deployment(gov, operator, "stadium", "gate-1")
    assert run.threshold == 0.55
    with pytest.raises(DeploymentError, match="is running"):
        deployments.calibrate_threshold(gov, admin, "stadium", 0.5, "again", {})
    deployments.stop_run(gov, operator, run, "gate-1", deployments.DeploymentCounts(10, 0, 0))
    with pytest.raises(DeploymentError, match="has already run"):
        deployments.calibrate_threshold(gov, admin, "stadium", 0.5, "again", {})
    assert gov.audit.verify(people[Role.AUDITOR]).ok


def last_entry(gov: Governance, auditor: Actor) -> AuditEntry:
    ((_, entry),) = gov.audit.entries(auditor, gov.audit.size() - 1, 1)
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
    deployments.checkpoint_run(gov, operator, run, deployments.DeploymentCounts(50, 20, 3, 1, 0))
    last_seen = clock.now()
    clock.advance(deployments.SILENT_AFTER - timedelta(seconds=1))
    assert deployments.close_silent_runs(gov) == []  # quiet, not yet silent
    assert deployments.describe_deployment(gov, operator, "stadium").status is deployments.DeploymentStatus.RUNNING

    clock.advance(timedelta(hours=1))
    assert deployments.close_silent_runs(gov) == ["stadium/gate-1"]
    assert deployments.close_silent_runs(gov) == []  # closed once
    record = deployments.describe_deployment(gov, operator, "stadium")
    assert record.status is deployments.DeploymentStatus.AUTHORISED
    assert record.counts == deployments.DeploymentCounts(50, 20, 3, 1, 0)  # the checkpoint's counts, kept
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
    deployments.stop_run(gov, operator, run, "gate-1", deployments.DeploymentCounts(60, 25, 4, 1, 0))
    assert deployments.describe_deployment(gov, operator, "stadium").counts == deployments.DeploymentCounts(
        60, 25, 4, 1, 0
    )
    assert last_entry(gov, people[Role.AUDITOR]).details["frames_processed"] == 10
    (stopped,) = deployments.camera_runs(gov, operator, "stadium")
    assert (stopped.stopped_at, stopped.interrupted) == (clock.now(), False)
    assert stopped.counts == deployments.DeploymentCounts(60, 25, 4, 1, 0)
    assert gov.audit.verify(people[Role.AUDITOR]).ok


def test_a_deployment_runs_while_any_of_its_cameras_does(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock
) -> None:
    operator = people[Role.OPERATOR]
    deployments.authorise_deployment(gov, people[Role.ADMIN], spec(clock, cameras=("gate-1", "gate-2")))
    first = deployments.begin_deployment(gov, operator, "stadium", "gate-1")
    second = deployments.begin_deployment(gov, operator, "stadium", "gate-2")
    deployments.stop_run(gov, operator, first, "gate-1", deployments.DeploymentCounts(1, 0, 0))
    assert deployments.describe_deployment(gov, operator, "stadium").status is deployments.DeploymentStatus.RUNNING
    deployments.stop_run(gov, operator, second, "gate-2", deployments.DeploymentCounts(1, 0, 0))
    assert deployments.describe_deployment(gov, operator, "stadium").status is deployments.DeploymentStatus.AUTHORISED


def test_only_those_who_run_deployments_raise_alerts(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock
) -> None:
    """Raising an alert stores a face crop, so it is refused like every other act to a role without the
    permission, and leaves nothing; the system, which starts configured cameras, raises them."""
    deployments.authorise_deployment(gov, people[Role.ADMIN], spec(clock))
    run = deployments.begin_deployment(gov, people[Role.OPERATOR], "stadium", "gate-1")
    chip = np.zeros((150, 150, 3), dtype=np.uint8)
    entry = next(iter(run.watchlist.targets.labels))
    entries_before = gov.audit.size()
    for role in (Role.ANALYST, Role.AUDITOR, Role.DISCLOSURE):
        with pytest.raises(PermissionDeniedError, match="may not run deployments"):
            deployments.raise_alert(gov, run, Actor(f"a-{role.value}", role), "gate-1", 1, 1.0, chip, entry, 0.4)
    assert deployments.list_alerts(gov, people[Role.OPERATOR]) == []
    assert gov.audit.size() == entries_before
    system_run = deployments.begin_deployment(gov, SYSTEM_ACTOR, "stadium", "gate-1")
    alert_id = deployments.raise_alert(gov, system_run, SYSTEM_ACTOR, "gate-1", 1, 1.0, chip, entry, 0.4)
    assert [a.id for a in deployments.list_alerts(gov, people[Role.OPERATOR])] == [alert_id]
