from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dlib
import numpy as np
import pytest

from watchkeeper.face import FaceAnalysis, FaceEngine, FivePointLandmarks
from watchkeeper.networks import dlib_models
from watchkeeper.networks.resnet import CHIP_SIZE

Analyse = Callable[[str], FaceAnalysis]
OBAMA = "tests/test_images/obama.jpg"


def test_nose_base_where_the_peer_expects_it(analyse: Analyse) -> None:
    landmarks = analyse(OBAMA).single_face().landmarks
    assert landmarks.nose_base == (496, 295)


def test_subject_left_eye_is_on_the_image_right(analyse: Analyse) -> None:
    landmarks = analyse(OBAMA).single_face().landmarks
    assert landmarks.left_eye_center[0] > landmarks.nose_base[0] > landmarks.right_eye_center[0]
    assert landmarks.inter_ocular_distance == pytest.approx(105.5, abs=0.5)


def test_landmarks_need_five_points() -> None:
    with pytest.raises(ValueError, match=r"\(5, 2\) array"):
        FivePointLandmarks(points=np.zeros((68, 2), dtype=np.float32))


def test_chip_is_the_networks_input_size(analyse: Analyse) -> None:
    chip = analyse(OBAMA).single_face().chip
    assert chip.shape == (CHIP_SIZE, CHIP_SIZE, 3)
    assert chip.dtype == np.uint8


def test_descriptor_from_chip_equals_dlibs_whole_image_path(engine: FaceEngine, faces_dir: Path) -> None:
    """dlib's own one-call path (image + landmark shape) gives the descriptor we get from our chip."""
    image = engine.load(faces_dir / OBAMA)
    face = engine.analyse(image).single_face()
    box = face.detection.box
    shape = dlib_models.five_point_predictor()(image.pixels, dlib.rectangle(box.left, box.top, box.right, box.bottom))
    reference = np.asarray(dlib_models.face_resnet().compute_face_descriptor(image.pixels, shape), dtype=np.float32)
    assert face.descriptor is not None
    assert face.descriptor.shape == (128,)
    assert face.descriptor.dtype == np.float32
    assert np.abs(face.descriptor - reference).max() < 1e-4
