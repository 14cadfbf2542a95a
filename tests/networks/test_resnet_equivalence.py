"""The ONNX ResNet gives dlib's descriptors: same numbers to 1e-4, same same/different verdicts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.networks.chipdata import Chips, some_chips
from watchkeeper.face.compare import DEFAULT_MATCH_THRESHOLD
from watchkeeper.face.descriptors import DescriptorBackend
from watchkeeper.networks.backends import DlibDescriptorBackend, OnnxDescriptorBackend
from watchkeeper.types import Descriptors

TOLERANCE = 1e-4


def test_descriptors_equal_dlibs_on_every_shared_face(
    face_chips: Chips, dlib_descriptors: Descriptors, onnx_descriptors: Descriptors
) -> None:
    assert onnx_descriptors.shape == (len(face_chips.chips), 128)
    assert onnx_descriptors.dtype == np.float32
    difference = np.abs(onnx_descriptors - dlib_descriptors).max(axis=1)
    worst = int(np.argmax(difference))
    assert difference[worst] < TOLERANCE, f"{face_chips.sources[worst]}: max abs difference {difference[worst]}"


def test_same_different_verdicts_equal_dlibs_over_all_pairs(
    dlib_descriptors: Descriptors, onnx_descriptors: Descriptors
) -> None:
    pairs = np.array(list(itertools.combinations(range(len(dlib_descriptors)), 2)))
    assert len(pairs) > 5000

    def verdicts(descriptors: Descriptors) -> np.ndarray:
        distances = np.linalg.norm(descriptors[pairs[:, 0]] - descriptors[pairs[:, 1]], axis=1)
        return np.asarray(distances <= DEFAULT_MATCH_THRESHOLD)

    dlib_verdicts, onnx_verdicts = verdicts(dlib_descriptors), verdicts(onnx_descriptors)
    assert 0 < dlib_verdicts.sum() < len(pairs), "the data should hold both same-person and different pairs"
    disagreements = pairs[dlib_verdicts != onnx_verdicts]
    assert len(disagreements) == 0, f"verdicts differ on pairs {disagreements[:10].tolist()}"


def test_batch_size_does_not_change_results(onnx_cache: object, face_chips: Chips) -> None:
    chips = face_chips.chips[:9]
    one_at_a_time = OnnxDescriptorBackend(onnx_cache, threads=1, batch_size=1).compute(chips)  # type: ignore[arg-type]
    in_fours = OnnxDescriptorBackend(onnx_cache, threads=2, batch_size=4).compute(chips)  # type: ignore[arg-type]
    assert np.abs(one_at_a_time - in_fours).max() < 1e-5


def test_backend_satisfies_the_descriptor_protocol(onnx_backend: OnnxDescriptorBackend) -> None:
    backend: DescriptorBackend = onnx_backend
    assert backend.name == "onnx"
    empty = backend.compute([])
    assert empty.shape == (0, 128)
    assert empty.dtype == np.float32


def test_descriptors_of_arbitrary_pixels_equal_dlibs(onnx_backend: OnnxDescriptorBackend) -> None:
    """Noise and saturated chips exercise value ranges real faces do not reach."""
    chips = [*some_chips(3), np.zeros((150, 150, 3), np.uint8), np.full((150, 150, 3), 255, np.uint8)]
    difference = np.abs(onnx_backend.compute(chips) - DlibDescriptorBackend().compute(chips)).max()
    assert difference < TOLERANCE


@pytest.mark.parametrize(
    "chip",
    [
        np.zeros((150, 150), np.uint8),
        np.zeros((151, 150, 3), np.uint8),
        np.zeros((150, 150, 3), np.float32),
    ],
)
def test_rejects_chips_of_the_wrong_shape_or_type(onnx_backend: OnnxDescriptorBackend, chip: np.ndarray) -> None:
    with pytest.raises(ValueError, match="chips must be"):
        onnx_backend.compute([chip])
