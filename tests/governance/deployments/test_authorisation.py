"""Authorisation: complete, with the watchlist frozen then; a threshold calibrated only before the first run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.governance.deployments.stadium import spec
from watchkeeper.governance import audit_access, deployments, galleries
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.deployments import DeploymentError
from watchkeeper.governance.roles import Actor, PermissionDeniedError, Role


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


def test_specification_is_complete(clock: FixedClock) -> None:
    with pytest.raises(ValueError, match="non-empty purpose"):
        spec(clock, purpose=" ")
    with pytest.raises(ValueError, match="camera names"):
        spec(clock, cameras=())
    with pytest.raises(ValueError, match="end after the start"):
        spec(clock, ends_at=clock.now())


def test_calibration_needs_an_authorised_deployment_that_has_not_run(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock
) -> None:
    admin, operator = people[Role.ADMIN], people[Role.OPERATOR]
    deployments.authorise_deployment(gov, admin, spec(clock))
    assert deployments.watchlist_subjects(gov, admin, "stadium") == 2
    with pytest.raises(PermissionDeniedError):
        deployments.calibrate_deployment(gov, operator, "stadium", threshold=0.5, reason="evaluated", evidence={})
    with pytest.raises(ValueError, match="threshold must be within"):
        deployments.calibrate_deployment(gov, admin, "stadium", threshold=1.5, reason="evaluated", evidence={})
    assert (
        deployments.calibrate_deployment(
            gov, admin, "stadium", threshold=0.55, reason="evaluated", evidence={"report_sha256": "ab"}
        )
        == 0.6
    )
    run = deployments.begin_deployment(gov, operator, "stadium", "gate-1")
    assert run.threshold == 0.55
    with pytest.raises(DeploymentError, match="is running"):
        deployments.calibrate_deployment(gov, admin, "stadium", threshold=0.5, reason="again", evidence={})
    run.stop(deployments.RunCounts(frames_processed=10))
    with pytest.raises(DeploymentError, match="has already run"):
        deployments.calibrate_deployment(gov, admin, "stadium", threshold=0.5, reason="again", evidence={})
    assert audit_access.verify(gov, people[Role.AUDITOR]).ok
