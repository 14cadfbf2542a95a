from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from watchkeeper.face import (
    DEFAULT_MATCH_THRESHOLD,
    FaceAnalysis,
    compare_descriptors,
    distance_from_similarity,
    face_distance,
    similarity_from_distance,
)

Analyse = Callable[[str], FaceAnalysis]


def descriptor_of(analyse: Analyse, relative: str) -> np.ndarray:
    return analyse(relative).single_face().require_descriptor()


def test_threshold_is_dlibs_conventional_value() -> None:
    assert DEFAULT_MATCH_THRESHOLD == 0.6


@pytest.mark.parametrize("other", ["tests/test_images/obama2.jpg", "tests/test_images/obama3.jpg"])
def test_same_person_within_threshold(analyse: Analyse, other: str) -> None:
    comparison = compare_descriptors(
        descriptor_of(analyse, "tests/test_images/obama.jpg"), descriptor_of(analyse, other)
    )
    assert comparison.distance <= 0.6
    assert comparison.same_person


def test_different_people_beyond_threshold(analyse: Analyse) -> None:
    comparison = compare_descriptors(
        descriptor_of(analyse, "tests/test_images/obama.jpg"), descriptor_of(analyse, "tests/test_images/biden.jpg")
    )
    assert comparison.distance > 0.6
    assert not comparison.same_person
    assert comparison.similarity < 0.5


def test_empty_gallery_gives_empty_result_not_error(analyse: Analyse) -> None:
    probe = descriptor_of(analyse, "tests/test_images/obama.jpg")
    assert face_distance([], probe).shape == (0,)
    assert face_distance(np.empty((0, 128), dtype=np.float32), probe).shape == (0,)


def test_distance_to_many_is_rowwise_euclidean() -> None:
    rng = np.random.default_rng(7)
    known = rng.normal(size=(5, 128))
    probe = rng.normal(size=128)
    expected = [float(np.sqrt(((row - probe) ** 2).sum())) for row in known]
    assert face_distance(known, probe) == pytest.approx(expected)


def test_wrong_shapes_are_named() -> None:
    with pytest.raises(ValueError, match=r"probe must have shape \(128,\), got \(127,\)"):
        face_distance(np.zeros((2, 128)), np.zeros(127))
    with pytest.raises(ValueError, match=r"known must have shape \(n, 128\), got \(2, 64\)"):
        face_distance(np.zeros((2, 64)), np.zeros(128))


def test_verdict_uses_the_given_threshold() -> None:
    first, second = np.zeros(128), np.full(128, 0.05)  # distance 0.05 * sqrt(128) = 0.566
    assert compare_descriptors(first, second).same_person
    assert not compare_descriptors(first, second, threshold=0.5).same_person


@pytest.mark.parametrize(("distance", "similarity"), [(0.0, 1.0), (0.6, 0.5), (1.2, 0.0), (2.0, 0.0)])
def test_similarity_scale(distance: float, similarity: float) -> None:
    assert similarity_from_distance(distance) == pytest.approx(similarity)


@given(st.floats(0.0, 1.2), st.floats(0.0, 1.2))
def test_similarity_decreases_with_distance_and_inverts(a: float, b: float) -> None:
    if a <= b:
        assert similarity_from_distance(a) >= similarity_from_distance(b)
    if b - a > 1e-9:
        assert similarity_from_distance(a) > similarity_from_distance(b)
    assert distance_from_similarity(similarity_from_distance(a)) == pytest.approx(a, abs=1e-9)


def test_similarity_outside_unit_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="within"):
        distance_from_similarity(1.5)
