"""The pipeline's schedule on the real clip: whole-frame searches, following in between, each shot described once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.live.deploying import CLIP
from watchkeeper.face import FaceEngine
from watchkeeper.face.descriptors import DescriptorBackend
from watchkeeper.live.pipeline import FOLLOW_FACE_SIDE, LivePipeline, Match, PipelineOptions, follow_regions
from watchkeeper.matching import LabelledIndex
from watchkeeper.types import BoundingBox, Descriptors, ImageSize, RGBImage
from watchkeeper.video.sources import VideoSource


def test_follow_regions_grow_boxes_merge_overlaps_and_scale_to_the_smallest_face() -> None:
    size = ImageSize(640, 360)
    near, beside, apart = (
        BoundingBox(100, 100, 300, 300),
        BoundingBox(320, 120, 400, 200),
        BoundingBox(560, 10, 600, 50),
    )
    regions = follow_regions([near, beside, apart], size)
    assert len(regions) == 2
    (merged, merged_scale), (alone, alone_scale) = sorted(regions, key=lambda r: r[0].left)
    assert merged == BoundingBox(0, 0, 440, 360)  # both grown by half their side, joined, cut to the frame
    assert merged_scale == 1.0  # the 80 px face must not be shrunk below FOLLOW_FACE_SIDE
    assert alone == BoundingBox(540, 0, 620, 70)
    assert alone_scale == 1.0  # never enlarged
    ((_, big_scale),) = follow_regions([near], size)
    assert big_scale == pytest.approx(FOLLOW_FACE_SIDE / 200)
    assert follow_regions([BoundingBox(700, 400, 800, 500)], size) == []  # gone past the edge


class CountingDescriptors:
    """The engine's own descriptor network, counting the chips it is given."""

    def __init__(self, backend: DescriptorBackend) -> None:
        self.backend = backend
        self.name = backend.name
        self.chips = 0

    def compute(self, chips: list[RGBImage]) -> Descriptors:
        self.chips += len(chips)
        return self.backend.compute(chips)


@pytest.mark.slow
def test_the_clip_is_followed_between_searches_and_each_shot_described_once(
    cnn_engine: FaceEngine, faces_dir: Path
) -> None:
    reference = cnn_engine.analyse_file(faces_dir / "examples/lin-manuel-miranda.png").single_face()
    targets = LabelledIndex.of(np.zeros(1, dtype=np.int64), reference.require_descriptor()[None, :], {0: "lin"})
    options = PipelineOptions(detect_every=15, follow_every=3)
    counting = CountingDescriptors(cnn_engine.descriptor_backend)
    engine = FaceEngine(cnn_engine.options, cnn_engine.settings, counting, cnn_engine.detector)
    pipeline = LivePipeline(engine, targets, 0.6, options)
    matches: list[Match] = []
    with VideoSource(faces_dir / CLIP) as source:
        for frame in source.frames():
            matches += pipeline.process(frame)
    matches += pipeline.finish()
    counts = pipeline.counts
    assert [targets.labels[m.entry_id] for m in matches] == ["lin"]  # one alert for his one track
    assert pipeline.frames_seen == 275
    searches = -(-275 // options.detect_every)
    assert searches < counts.frames_processed < 275 // options.follow_every + 2  # followed in between
    assert counts.faces_seen > counts.frames_processed // 2
    # Each track's best shots are described when they are new, never again: far fewer chips than faces.
    assert 0 < counting.chips <= counts.faces_seen // 2
