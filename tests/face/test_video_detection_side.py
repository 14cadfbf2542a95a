"""How large a frame of video each detector is shown: dlib's reduced, CenterFace whole at 1080p."""

from __future__ import annotations

import pytest

from watchkeeper.face import DetectorKind, video_detection_side
from watchkeeper.live.pipeline import PipelineOptions


def test_dlibs_detectors_see_640_and_centerface_a_whole_1080p_frame() -> None:
    assert video_detection_side(DetectorKind.HOG) == video_detection_side(DetectorKind.CNN) == 640
    assert video_detection_side(DetectorKind.CENTERFACE) == 1920


def test_a_run_takes_its_detectors_side_unless_it_names_one() -> None:
    assert PipelineOptions().detection_max_side is None
    assert PipelineOptions(detection_max_side=1280).detection_max_side == 1280
    with pytest.raises(ValueError, match="detection_max_side 64 or more"):
        PipelineOptions(detection_max_side=32)
