from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from watchkeeper.config import NetworkBackend, Settings
from watchkeeper.errors import FaceSelectionError
from watchkeeper.face import DetectorKind, EngineOptions, FaceAnalysis, FaceEngine
from watchkeeper.face.detection import MmodDetector
from watchkeeper.networks.mmod import OnnxMmodDetector
from watchkeeper.types import BoundingBox
from watchkeeper.video.tracking import shot_quality

Analyse = Callable[[str], FaceAnalysis]


def test_exactly_one_descriptor_for_obama(analyse: Analyse) -> None:
    analysis = analyse("tests/test_images/obama.jpg")
    assert len(analysis.faces) == 1
    assert analysis.faces[0].require_descriptor().shape == (128,)
    assert (analysis.size.width, analysis.size.height) == (910, 1137)


def test_no_face_is_a_clear_selection_error(faces_dir: Path, engine: FaceEngine) -> None:
    analysis = engine.analyse_file(faces_dir / "dlib/examples/faces/dogs.jpg")
    assert analysis.faces == ()
    with pytest.raises(FaceSelectionError, match=r"dogs\.jpg: no face found"):
        analysis.single_face()


def test_several_faces_need_a_choice(analyse: Analyse) -> None:
    analysis = analyse("examples/two_people.jpg")
    with pytest.raises(FaceSelectionError, match=r"2 faces found; choose one with --face \(0 to 1"):
        analysis.single_face()
    assert analysis.single_face(1).index == 1
    with pytest.raises(FaceSelectionError, match="--face-b 5 does not exist"):
        analysis.single_face(5, "--face-b")


def test_descriptors_can_be_skipped(faces_dir: Path, boxes_only_engine: FaceEngine) -> None:
    face = boxes_only_engine.analyse_file(faces_dir / "tests/test_images/obama.jpg").single_face()
    assert face.descriptor is None
    with pytest.raises(ValueError, match="compute_descriptors=False"):
        face.require_descriptor()


def test_onnx_networks_are_the_default(settings: Settings) -> None:
    engine = FaceEngine(EngineOptions(detector=DetectorKind.CNN, upsample=1), settings)
    assert isinstance(engine.detector, OnnxMmodDetector)
    assert engine.detector.upsample == 1
    assert engine.descriptor_backend.name == "onnx"


def test_dlib_networks_are_selectable(settings: Settings) -> None:
    reference = replace(settings, network_backend=NetworkBackend.DLIB)
    engine = FaceEngine(EngineOptions(detector=DetectorKind.CNN), reference)
    assert isinstance(engine.detector, MmodDetector)
    assert engine.descriptor_backend.name == "dlib"


def test_both_backends_agree_on_a_real_face(faces_dir: Path, engine: FaceEngine, settings: Settings) -> None:
    reference = FaceEngine(settings=replace(settings, network_backend=NetworkBackend.DLIB))
    path = faces_dir / "tests/test_images/obama.jpg"
    ours = engine.analyse_file(path).single_face().require_descriptor()
    theirs = reference.analyse_file(path).single_face().require_descriptor()
    assert np.abs(ours - theirs).max() < 1e-4


def test_the_stages_called_one_by_one_are_the_analysis(faces_dir: Path, engine: FaceEngine) -> None:
    """detect -> faces -> with_descriptors gives what analyse gives: one chain of steps, not two copies."""
    image = engine.load(faces_dir / "examples/two_people.jpg")
    whole = engine.analyse(image)
    detections = engine.detect(image.pixels)
    measured = engine.faces(image.pixels, detections)
    assert [face.detection for face in measured] == detections == [face.detection for face in whole.faces]
    assert all(face.descriptor is None for face in measured)
    described = engine.with_descriptors(measured)
    for staged, analysed in zip(described, whole.faces, strict=True):
        assert (staged.index, staged.box, staged.quality) == (analysed.index, analysed.box, analysed.quality)
        np.testing.assert_array_equal(staged.chip, analysed.chip)
        np.testing.assert_array_equal(staged.require_descriptor(), analysed.require_descriptor())
    np.testing.assert_array_equal(engine.describe([face.chip for face in measured])[1], whole.faces[1].descriptor)
    assert engine.describe([]).shape == (0, 128)
    assert engine.faces(image.pixels, []) == () == engine.with_descriptors([])


def test_detection_at_a_chosen_scale_and_in_a_region_keeps_the_images_coordinates(
    faces_dir: Path, engine: FaceEngine
) -> None:
    pixels = engine.load(faces_dir / "tests/test_images/obama.jpg").pixels
    (full,) = engine.detect(pixels)
    (small,) = engine.detect(pixels, max_side=400)  # the detector saw a third of the size
    assert small.box.intersection_over_union(full.box) > 0.7
    (found,) = engine.detect_in_region(pixels, full.box.expanded(0.5), scale=0.5)
    assert found.box.intersection_over_union(full.box) > 0.7
    assert engine.detect_in_region(pixels, BoundingBox(0, 0, 120, 120)) == []  # a corner without the face


def test_a_face_scores_as_a_shot_by_its_quality(analyse: Analyse) -> None:
    face = analyse("tests/test_images/obama.jpg").single_face()
    quality = face.quality
    expected = shot_quality(quality.inter_ocular_px, quality.sharpness, quality.frontalness, face.detection.score)
    assert face.shot_score() == expected
    assert 0.0 < expected <= 1.0
