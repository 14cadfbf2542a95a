"""CenterFace on the shared data: every labelled face and every annotated face found, nothing else; the
published weights enforced."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from tests.face.scenes import dlib_scenes
from watchkeeper.config import Settings
from watchkeeper.errors import ModelError
from watchkeeper.evaluation.annotated import DetectionCounts, count_detections
from watchkeeper.face import DetectorKind, FaceEngine, make_detector
from watchkeeper.face.detection import detect_faces
from watchkeeper.networks.centerface import (
    CENTERFACE_FILE,
    CenterFaceDetector,
    centerface_model_path,
    dlib_like_box,
)
from watchkeeper.types import BoundingBox


@pytest.fixture(scope="module")
def centerface(settings: Settings) -> CenterFaceDetector:
    detector = make_detector(DetectorKind.CENTERFACE, settings)
    assert isinstance(detector, CenterFaceDetector)
    return detector


def test_every_labelled_face_is_found(faces_dir: Path, engine: FaceEngine, centerface: CenterFaceDetector) -> None:
    with (faces_dir / "labels.csv").open() as handle:
        rows = [row for row in csv.DictReader(handle) if row["faces"]]
    assert len(rows) >= 30
    found = {row["file"]: len(detect_faces(engine.load(faces_dir / row["file"]).pixels, centerface)) for row in rows}
    assert found == {row["file"]: int(row["faces"]) for row in rows}


def test_every_annotated_face_in_dlibs_scenes_and_nothing_else(
    faces_dir: Path, engine: FaceEngine, centerface: CenterFaceDetector
) -> None:
    counts = count_detections(
        dlib_scenes(faces_dir), lambda path: [d.box for d in detect_faces(engine.load(path).pixels, centerface)]
    )
    assert counts == DetectionCounts(found=43, missed=0, false_faces=0)


def test_no_face_in_a_picture_of_dogs(faces_dir: Path, engine: FaceEngine, centerface: CenterFaceDetector) -> None:
    assert centerface.detect(engine.load(faces_dir / "dlib/examples/faces/dogs.jpg").pixels) == []


def test_landmarks_lie_inside_the_box_eyes_above_the_mouth(
    faces_dir: Path, engine: FaceEngine, centerface: CenterFaceDetector
) -> None:
    (face,) = centerface.detect_with_landmarks(engine.load(faces_dir / "tests/test_images/obama.jpg").pixels)
    xs, ys = face.landmarks[:, 0], face.landmarks[:, 1]
    box = face.box
    assert np.all((xs >= box.left) & (xs <= box.right) & (ys >= box.top) & (ys <= box.bottom))
    assert max(ys[0], ys[1]) < ys[2] < min(ys[3], ys[4])  # eyes, then nose, then mouth
    assert xs[0] < xs[1]
    assert xs[3] < xs[4]


def test_boxes_are_drawn_as_dlib_draws_them(
    faces_dir: Path, engine: FaceEngine, centerface: CenterFaceDetector
) -> None:
    pixels = engine.load(faces_dir / "tests/test_images/obama.jpg").pixels
    (ours,) = centerface.detect(pixels)
    (own,) = CenterFaceDetector(dlib_boxes=False).detect(pixels)
    (hog,) = engine.detect(pixels)
    assert ours.box.width == ours.box.height
    assert ours.box.intersection_over_union(hog.box) > own.box.intersection_over_union(hog.box) > 0.5


def test_dlib_like_box_is_square_and_lower() -> None:
    box = dlib_like_box(BoundingBox(100, 100, 200, 230))
    assert box.width == box.height == round(0.766 * 130)
    assert (box.left + box.right) / 2 == 150
    assert (box.top + box.bottom) / 2 > 165


def test_upsampling_maps_boxes_back(faces_dir: Path, engine: FaceEngine) -> None:
    pixels = engine.load(faces_dir / "examples/obama_small.jpg").pixels
    (plain,) = CenterFaceDetector().detect(pixels)
    (doubled,) = CenterFaceDetector(upsample=1).detect(pixels)
    assert plain.box.intersection_over_union(doubled.box) > 0.7


def test_an_altered_model_file_is_refused(tmp_path: Path) -> None:
    data = bytearray(centerface_model_path().read_bytes())
    data[len(data) // 2] ^= 0x01
    altered = tmp_path / CENTERFACE_FILE
    altered.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"not the published centerface\.onnx"):
        CenterFaceDetector(model_file=altered).detect(np.zeros((64, 64, 3), dtype=np.uint8))


@pytest.mark.parametrize(("upsample", "threshold"), [(-1, 0.5), (0, 0.0), (0, 1.0)])
def test_bad_settings_are_refused(upsample: int, threshold: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        CenterFaceDetector(upsample=upsample, score_threshold=threshold)
