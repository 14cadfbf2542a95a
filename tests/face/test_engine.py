from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from watchkeeper.errors import FaceSelectionError
from watchkeeper.face import EngineOptions, FaceAnalysis, FaceEngine

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


def test_engine_options_choose_the_detector() -> None:
    engine = FaceEngine(EngineOptions(detector="cnn", upsample=1))  # type: ignore[arg-type]
    assert type(engine.detector).__name__ == "MmodDetector"
    assert engine.detector.upsample == 1  # type: ignore[attr-defined]
