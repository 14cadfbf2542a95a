"""The ONNX MMOD detector finds the faces dlib's finds: same count, boxes with IoU >= 0.9, close scores."""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.networks.chipdata import still_images
from watchkeeper.errors import ModelError
from watchkeeper.face.detection import FaceDetector, MmodDetector
from watchkeeper.face.images import load_image
from watchkeeper.networks.dlib_reader import read_network
from watchkeeper.networks.mmod import OnnxMmodDetector, Rect, _overlaps, build_mmod_model, pyramid_layout
from watchkeeper.types import Detection, RGBImage


@pytest.fixture(scope="module")
def detector(onnx_cache: Path) -> OnnxMmodDetector:
    return OnnxMmodDetector(onnx_cache, threads=2)


def shrunk(path: Path, longer_side: int) -> RGBImage:
    pixels = load_image(path).pixels
    scale = longer_side / max(pixels.shape[:2])
    size = (round(pixels.shape[1] * scale), round(pixels.shape[0] * scale))
    return np.ascontiguousarray(cv2.resize(pixels, size, interpolation=cv2.INTER_AREA))


def assert_same_detections(ours: list[Detection], theirs: list[Detection]) -> None:
    assert len(ours) == len(theirs), f"ONNX found {ours}, dlib {theirs}"
    for mine, reference in zip(
        sorted(ours, key=lambda d: -d.score), sorted(theirs, key=lambda d: -d.score), strict=True
    ):
        assert mine.box.intersection_over_union(reference.box) >= 0.9, (mine, reference)
        assert mine.score == pytest.approx(reference.score, abs=1e-3)


def test_pyramid_layout_matches_dlibs_level_count() -> None:
    """The notes' figure for a 1137 x 910 image: 29 levels, the first at the outer padding."""
    rects, rows, cols = pyramid_layout(1137, 910, padding=10, outer_padding=11)
    assert len(rects) == 29
    assert rects[0] == Rect(11, 11, 11 + 910 - 1, 11 + 1137 - 1)
    assert cols == 910 + 22
    for upper, lower in itertools.pairwise(rects):
        assert lower.height == int(upper.height * 5 / 6)
    for i, a in enumerate(rects):
        assert Rect(0, 0, cols - 1, rows - 1).contains(a.left, a.top)
        assert Rect(0, 0, cols - 1, rows - 1).contains(a.right, a.bottom)
        for b in rects[i + 1 :]:
            assert not _overlaps(a, b, 0.0, 0.0), "levels must not overlap in the tiled image"


def test_detector_satisfies_the_protocol(detector: OnnxMmodDetector) -> None:
    as_protocol: FaceDetector = detector
    assert as_protocol.detect(np.zeros((60, 80, 3), np.uint8)) == []
    with pytest.raises(ValueError, match="upsample"):
        OnnxMmodDetector(Path("unused"), upsample=-1)


def test_face_resnet_file_is_not_taken_for_the_detector(tmp_path: Path, resnet_file: Path) -> None:
    with pytest.raises(ModelError, match="not the MMOD detector"):
        build_mmod_model(read_network(resnet_file))
    with pytest.raises(ModelError, match="not the MMOD detector"):
        OnnxMmodDetector(tmp_path, model_file=resnet_file).detect(np.zeros((90, 90, 3), np.uint8))


def test_noise_image_gives_dlibs_result(detector: OnnxMmodDetector) -> None:
    image = np.random.default_rng(3).integers(0, 256, size=(150, 200, 3), dtype=np.uint8)
    assert_same_detections(detector.detect(image), MmodDetector().detect(image))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "longer_side"),
    [
        ("examples/biden.jpg", 500),
        ("tests/test_images/obama.jpg", 320),
        ("examples/knn_examples/test/kit_with_rose.jpg", 700),
        ("examples/knn_examples/test/obama_and_biden.jpg", 1000),
    ],
)
def test_detections_equal_dlibs(detector: OnnxMmodDetector, faces_dir: Path, name: str, longer_side: int) -> None:
    image = shrunk(faces_dir / name, longer_side)
    theirs = MmodDetector().detect(image)
    assert theirs, f"{name} at {longer_side} px should hold a face dlib finds"
    assert_same_detections(detector.detect(image), theirs)


@pytest.mark.slow
def test_upsampled_detections_equal_dlibs(onnx_cache: Path, faces_dir: Path) -> None:
    image = load_image(faces_dir / "examples/obama-240p.jpg").pixels
    assert MmodDetector().detect(image) == [], "the face should be too small without upsampling"
    theirs = MmodDetector(upsample=1).detect(image)
    assert theirs
    assert_same_detections(OnnxMmodDetector(onnx_cache, upsample=1).detect(image), theirs)


EQUIVALENCE_SIDE = 640
"""Every shared image is compared at most this large: dlib's own detector needs about 3 s for a 640 x 480 frame
on one core, and a full-size run over all of them would take most of the suite's time budget."""


@pytest.mark.slow
def test_every_shared_image_gives_dlibs_detections(detector: OnnxMmodDetector, faces_dir: Path) -> None:
    """Same count, IoU >= 0.9 and close scores on every still image of the shared data (99 images)."""
    images = still_images(faces_dir)
    assert len(images) >= 90
    faces = 0
    for path in images:
        pixels = load_image(path).pixels
        image = shrunk(path, EQUIVALENCE_SIDE) if max(pixels.shape[:2]) > EQUIVALENCE_SIDE else pixels
        theirs = MmodDetector().detect(image)
        faces += len(theirs)
        assert_same_detections(detector.detect(image), theirs)
    assert faces >= len(images), "nearly every shared image holds at least one face dlib's detector finds"
