"""Alerts: raised only by those who run deployments, shown with the watchlist image while the deployment lasts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from tests.governance.deployments.stadium import spec
from watchkeeper.errors import NotFoundError
from watchkeeper.face.images import FACE_MARGIN, decode_image
from watchkeeper.governance import deployments
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import SYSTEM_ACTOR, Actor, PermissionDeniedError, Role
from watchkeeper.governance.schema import EnrolledFace
from watchkeeper.types import BoundingBox, ImageSize


def test_alert_shows_the_watchlist_image_until_the_deployment_ends(
    gov: Governance, people: dict[Role, Actor], watchlist_gallery: str, clock: FixedClock, faces_dir: Path
) -> None:
    operator = people[Role.OPERATOR]
    deployments.authorise_deployment(gov, people[Role.ADMIN], spec(clock))
    run = deployments.begin_deployment(gov, operator, "stadium", "gate-1")
    entry = next(i for i, r in run.watchlist.targets.labels.items() if r == "biden")
    chip = np.zeros((150, 150, 3), dtype=np.uint8)
    first = run.raise_alert(track_id=1, stream_seconds=1.0, crop=chip, entry_id=entry, distance=0.4)
    second = run.raise_alert(track_id=2, stream_seconds=2.0, crop=chip, entry_id=entry, distance=0.5)
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
    run.stop(deployments.RunCounts(frames_processed=1, faces_seen=1, tracks=1))
    deployments.end_deployment(gov, operator, "stadium", "match over")
    with pytest.raises(NotFoundError, match="was deleted when it ended"):
        deployments.watchlist_image(gov, operator, first)


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
            replace(run, actor=Actor(f"a-{role.value}", role)).raise_alert(
                track_id=1, stream_seconds=1.0, crop=chip, entry_id=entry, distance=0.4
            )
    assert deployments.list_alerts(gov, people[Role.OPERATOR]) == []
    assert gov.audit.size() == entries_before
    system_run = deployments.begin_deployment(gov, SYSTEM_ACTOR, "stadium", "gate-1")
    alert_id = system_run.raise_alert(track_id=1, stream_seconds=1.0, crop=chip, entry_id=entry, distance=0.4)
    assert [a.id for a in deployments.list_alerts(gov, people[Role.OPERATOR])] == [alert_id]
