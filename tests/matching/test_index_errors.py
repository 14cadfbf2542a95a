"""Bad inputs: a ValueError naming what was expected and what was given, and nothing changed."""

from __future__ import annotations

import numpy as np
import pytest

from watchkeeper.matching import ApproximateIndex, DuplicateIdError, ExactIndex, IndexKind, VectorIndex, make_index


@pytest.fixture(params=list(IndexKind))
def index(request: pytest.FixtureRequest) -> VectorIndex:
    index = make_index(request.param)
    index.add(np.array([1, 2, 3], dtype=np.int64), np.eye(3, 128, dtype=np.float32))
    return index


def test_make_index_kinds() -> None:
    assert isinstance(make_index(IndexKind.EXACT), ExactIndex)
    assert isinstance(make_index(IndexKind.APPROXIMATE), ApproximateIndex)
    assert isinstance(make_index(IndexKind("approximate")), ApproximateIndex)
    assert make_index().kind is IndexKind.EXACT


def test_duplicate_id_names_it_and_adds_nothing(index: VectorIndex) -> None:
    with pytest.raises(DuplicateIdError, match=r"\b2\b") as caught:
        index.add(np.array([7, 2], dtype=np.int64), np.ones((2, 128), dtype=np.float32))
    assert caught.value.ids == [2]
    assert caught.value.code == "duplicate_id"
    assert len(index) == 3
    with pytest.raises(DuplicateIdError, match=r"\b9\b"):
        index.add(np.array([9, 9], dtype=np.int64), np.ones((2, 128), dtype=np.float32))
    np.testing.assert_array_equal(index.ids(), [1, 2, 3])


@pytest.mark.parametrize(
    ("vectors", "message"),
    [
        (np.ones((2, 64), dtype=np.float32), r"expected shape \(2, 128\), got \(2, 64\)"),
        (np.ones((3, 128), dtype=np.float32), r"expected shape \(2, 128\), got \(3, 128\)"),
        (np.ones(128, dtype=np.float32), r"expected shape \(2, 128\), got \(128,\)"),
        (np.ones((2, 128), dtype=np.float64), "expected dtype float32, got float64"),
        (np.full((2, 128), np.nan, dtype=np.float32), "finite"),
        ([[0.0] * 128] * 2, "expected a numpy array"),
    ],
)
def test_bad_vectors(index: VectorIndex, vectors: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        index.add(np.array([10, 11], dtype=np.int64), vectors)  # type: ignore[arg-type]
    assert len(index) == 3


@pytest.mark.parametrize(
    ("ids", "message"),
    [
        (np.array([1.0, 2.0]), "expected dtype int64, got float64"),
        (np.array([[10, 11]]), r"expected shape \(n,\), got \(1, 2\)"),
        (np.array([10, -1]), "non-negative"),
        (np.array([10, 2**63], dtype=np.uint64), "expected dtype int64, got uint64"),
    ],
)
def test_bad_ids(index: VectorIndex, ids: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        index.add(ids, np.ones((2, 128), dtype=np.float32))
    with pytest.raises(ValueError, match=message):
        index.remove(ids)
    assert len(index) == 3


def test_narrower_integer_ids_are_accepted(index: VectorIndex) -> None:
    index.add(np.array([40], dtype=np.int32), np.ones((1, 128), dtype=np.float32))
    assert 40 in index.ids().tolist()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (np.ones(64, dtype=np.float32), r"expected shape \(128,\) or \(q, 128\), got \(64,\)"),
        (np.ones((2, 127), dtype=np.float32), r"expected shape \(n, 128\), got \(2, 127\)"),
        (np.ones(128, dtype=np.float64), "expected dtype float32, got float64"),
        (np.ones((1, 1, 128), dtype=np.float32), r"got \(1, 1, 128\)"),
    ],
)
def test_bad_queries(index: VectorIndex, query: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        index.search(query, 1)


@pytest.mark.parametrize("k", [0, -3, 1.5, True, "10"])
def test_bad_k(index: VectorIndex, k: object) -> None:
    with pytest.raises(ValueError, match="k: expected a positive integer"):
        index.search(np.ones(128, dtype=np.float32), k)  # type: ignore[arg-type]


def test_bad_parameters() -> None:
    with pytest.raises(ValueError, match="dim"):
        ExactIndex(0)
    with pytest.raises(ValueError, match="dim"):
        ApproximateIndex(127)
    with pytest.raises(ValueError, match="candidates"):
        ApproximateIndex(candidates=0)
