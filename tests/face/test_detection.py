from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.face.scenes import dlib_scenes
from watchkeeper.config import Settings
from watchkeeper.evaluation.annotated import DetectionCounts, count_detections
from watchkeeper.face import (
    Detection,
    DetectorKind,
    FaceAnalysis,
    FaceEngine,
    LoadedImage,
    detect_faces,
    detect_faces_in_region,
    make_detector,
)
from watchkeeper.face.detection import FaceDetector, HogDetector
from watchkeeper.types import BoundingBox

OBAMA = "tests/test_images/obama.jpg"
Analyse = Callable[[str], FaceAnalysis]


def only_box(detections: list[Detection]) -> BoundingBox:
    assert len(detections) == 1, f"expected one face, found {len(detections)}"
    return detections[0].box


def near(box: BoundingBox, css: tuple[int, int, int, int], tolerance: int) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(box.as_css(), css, strict=True))


# The face_recognition package's own expectations (../shared/data/faces/expectations.md), boxes as
# (top, right, bottom, left) after clipping to the image.
@pytest.mark.parametrize(
    ("relative", "css"),
    [
        (OBAMA, (142, 617, 409, 349)),
        ("tests/test_images/obama_partial_face.jpg", (142, 191, 365, 0)),
        ("tests/test_images/obama_partial_face2.jpg", (142, 551, 409, 349)),
    ],
)
def test_hog_boxes_match_the_peer_exactly(analyse: Analyse, relative: str, css: tuple[int, int, int, int]) -> None:
    faces = analyse(relative).faces
    assert len(faces) == 1
    assert faces[0].box.as_css() == css


def test_hog_on_rgba_png_finds_the_expected_face(analyse: Analyse) -> None:
    faces = analyse("tests/test_images/32bit.png").faces
    assert len(faces) == 1
    assert (faces[0].box.top, faces[0].box.bottom) == (290, 558)


@pytest.fixture(scope="module")
def cnn(settings: Settings) -> FaceDetector:
    """The CNN detector as the product runs it (the ONNX rebuild unless configured otherwise)."""
    return make_detector(DetectorKind.CNN, settings)


def test_cnn_detector_on_obama_matches_the_peer(engine: FaceEngine, faces_dir: Path, cnn: FaceDetector) -> None:
    # The peer's batched-detection test (its CNN detector, no upsampling) expects this exact box; its
    # single-image CNN test (one upsampling) expects a box within 25 px of (144, 608, 389, 363).
    image = engine.load(faces_dir / OBAMA)
    box = only_box(detect_faces(image.pixels, cnn))
    assert box.as_css() == (154, 611, 390, 375)
    assert near(box, (144, 608, 389, 363), 25)


def test_cnn_detector_on_rgba_png_matches_the_peer(engine: FaceEngine, faces_dir: Path, cnn: FaceDetector) -> None:
    image = engine.load(faces_dir / "tests/test_images/32bit.png")
    box = only_box(detect_faces(image.pixels, cnn)).clipped(image.size)
    assert abs(box.top - 259) <= 25
    assert abs(box.bottom - 552) <= 25


def test_large_images_are_downscaled_for_detection_and_boxes_mapped_back(engine: FaceEngine, faces_dir: Path) -> None:
    original = engine.load(faces_dir / OBAMA)
    doubled = np.asarray(
        cv2.resize(original.pixels, (original.size.width * 2, original.size.height * 2)), dtype=np.uint8
    )
    image = LoadedImage(pixels=doubled, source="obama-doubled", format="JPEG")
    box = only_box(detect_faces(image.pixels, HogDetector(), max_side=1600))
    assert box.intersection_over_union(BoundingBox(349, 142, 617, 409).scaled(2.0)) > 0.85


def test_a_region_finds_its_face_at_a_reduced_scale_with_boxes_in_the_image(
    engine: FaceEngine, faces_dir: Path, cnn: FaceDetector
) -> None:
    pixels = engine.load(faces_dir / OBAMA).pixels
    whole = only_box(detect_faces(pixels, cnn))
    region = whole.expanded(0.5)
    found = only_box(detect_faces_in_region(pixels, cnn, region, scale=100 / whole.width))
    assert found.intersection_over_union(whole) > 0.7  # a coarser scale, the same face, in the image's pixels
    elsewhere = BoundingBox(0, 0, whole.left - 10, pixels.shape[0])
    assert detect_faces_in_region(pixels, cnn, elsewhere, scale=0.5) == []
    assert detect_faces_in_region(pixels, cnn, BoundingBox(-300, -300, -100, -100)) == []  # outside the image
    with pytest.raises(ValueError, match="scale"):
        detect_faces_in_region(pixels, cnn, region, scale=2.0)


def test_faces_are_ordered_left_to_right(analyse: Analyse) -> None:
    faces = analyse("examples/knn_examples/test/obama_and_biden.jpg").faces
    assert [f.box.left for f in faces] == sorted(f.box.left for f in faces)
    assert [f.index for f in faces] == [0, 1, 2]


def test_face_count_in_every_labelled_image(faces_dir: Path, boxes_only_engine: FaceEngine) -> None:
    with (faces_dir / "labels.csv").open() as handle:
        rows = [row for row in csv.DictReader(handle) if row["faces"]]
    assert len(rows) >= 30
    found = {
        row["file"]: len(boxes_only_engine.detect(boxes_only_engine.load(faces_dir / row["file"]).pixels))
        for row in rows
    }
    assert found == {row["file"]: int(row["faces"]) for row in rows}


def test_precision_and_recall_on_dlibs_annotated_scenes(faces_dir: Path, boxes_only_engine: FaceEngine) -> None:
    """Every annotated face found (IoU >= 0.5) and nothing else, on the scenes dlib's detector example uses."""
    counts = count_detections(
        dlib_scenes(faces_dir),
        lambda path: [d.box for d in boxes_only_engine.detect(boxes_only_engine.load(path).pixels)],
    )
    assert counts == DetectionCounts(found=43, missed=0, false_faces=0)


def test_no_face_in_a_picture_of_dogs(faces_dir: Path, boxes_only_engine: FaceEngine) -> None:
    image = boxes_only_engine.load(faces_dir / "dlib/examples/faces/dogs.jpg")
    assert boxes_only_engine.detect(image.pixels) == []


def test_negative_upsampling_is_refused() -> None:
    with pytest.raises(ValueError, match="upsample must be 0 or more"):
        make_detector(DetectorKind.HOG, Settings(data_dir=Path()), upsample=-1)
