"""A deployment's terms for a camera on the real clip: faces below its minimum size are counted and never
matched or kept; faces outside its recognition zone are not looked for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from tests.live.deploying import CLIP, authorise
from tests.live.test_clip_deployments import IN_CLIP, run_on_clip
from watchkeeper.governance import deployments
from watchkeeper.governance.audit.events import RunStopped, read_entry
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor
from watchkeeper.governance.schema import Alert
from watchkeeper.live.pipeline import FaceStatus, LivePipeline, RecognitionTerms
from watchkeeper.matching import LabelledIndex
from watchkeeper.types import DESCRIPTOR_SIZE, FrameRegion
from watchkeeper.video.sources import VideoSource

NOBODY = LabelledIndex.of(np.zeros(1, dtype=np.int64), np.ones((1, DESCRIPTOR_SIZE), np.float32), {0: "nobody"})


def test_faces_below_the_minimum_size_are_counted_and_never_matched_or_kept(
    live_gov: Governance, operator: Actor, faces_dir: Path
) -> None:
    # The clip's faces are 22 to 79 inter-ocular pixels: a minimum of 200 excludes all of them.
    authorise(live_gov, faces_dir, "distant", IN_CLIP, minimum_face_px=200)
    summary = run_on_clip(live_gov, operator, faces_dir, "distant")
    counts = summary.counts
    assert summary.alerts == ()
    assert counts.faces_seen > 0
    assert counts.faces_too_small == counts.faces_seen  # every face seen was too small, and said so
    assert counts.tracks == 0  # never followed, so never described or matched
    record = deployments.describe_deployment(live_gov, operator, "distant")
    assert record.minimum_face_px == 200
    assert record.counts.faces_too_small == counts.faces_too_small
    with live_gov.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 0
    events = [read_entry(entry).event for _, entry in live_gov.audit.entries(0, 100) if entry is not None]
    (stop,) = [event for event in events if isinstance(event, RunStopped)]
    assert stop.counts == counts


def test_the_same_clip_with_a_minimum_below_its_faces_raises_its_alerts(
    live_gov: Governance, operator: Actor, faces_dir: Path
) -> None:
    authorise(live_gov, faces_dir, "near", IN_CLIP, minimum_face_px=10)
    summary = run_on_clip(live_gov, operator, faces_dir, "near")
    assert {a.subject_reference for a in summary.alerts} == set(IN_CLIP)
    assert summary.counts.faces_too_small == 0


def test_faces_outside_the_recognition_zone_are_not_looked_for(
    live_gov: Governance, operator: Actor, faces_dir: Path
) -> None:
    strip = FrameRegion(left=0.0, top=0.0, right=1.0, bottom=0.05)  # the top edge of the picture: no face there
    authorise(live_gov, faces_dir, "zoned", IN_CLIP, recognition_zones={"foyer": strip})
    summary = run_on_clip(live_gov, operator, faces_dir, "zoned")
    assert summary.alerts == ()
    assert summary.counts.faces_seen == 0
    assert deployments.describe_deployment(live_gov, operator, "zoned").recognition_zones == {"foyer": strip}


def test_the_view_shows_the_zone_the_minimum_and_each_face_as_too_small(
    live_gov: Governance, operator: Actor, faces_dir: Path
) -> None:
    zone = FrameRegion(left=0.0, top=0.0, right=0.5, bottom=1.0)
    terms = RecognitionTerms(minimum_face_px=200, zone=zone)
    pipeline = LivePipeline(live_gov.video_engine, NOBODY, 0.6, terms=terms)
    statuses: set[FaceStatus] = set()
    with VideoSource(faces_dir / CLIP) as source:
        for frame in source.frames():
            pipeline.process(frame)
            view = pipeline.view(frame)
            assert view.zone is not None
            assert (view.zone.right, view.zone.bottom) == (320, 360)
            assert view.minimum_face_px == 200
            assert view.image is frame.image
            statuses.update(face.status for face in view.faces)
            assert all(view.zone.contains_point(*face.box.centre) for face in view.faces)
    assert statuses == {FaceStatus.TOO_SMALL}
    assert pipeline.counts.faces_too_small == pipeline.counts.faces_seen > 0
