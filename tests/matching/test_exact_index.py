"""ExactIndex against a float64 brute force: same ids (modulo exact ties) and distances, whatever the k,
batch size or history of removals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from watchkeeper.matching import PAD_ID, ExactIndex, SearchResult


def brute_force(
    ids: NDArray[np.int64], vectors: NDArray[np.float32], queries: NDArray[np.float32], k: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """The reference: every distance in float64, sorted by (distance, id), padded like the index."""
    out_ids = np.full((len(queries), k), PAD_ID, dtype=np.int64)
    out_dist = np.full((len(queries), k), np.inf)
    for j, q in enumerate(queries.astype(np.float64)):
        dist = np.linalg.norm(vectors.astype(np.float64) - q, axis=1)
        order = np.lexsort((ids, dist))[:k]
        out_ids[j, : order.size] = ids[order]
        out_dist[j, : order.size] = dist[order]
    return out_ids, out_dist


def assert_matches_reference(
    result: SearchResult, ids: NDArray[np.int64], vectors: NDArray[np.float32], queries: NDArray[np.float32], k: int
) -> None:
    want_ids, want_dist = brute_force(ids, vectors, queries, k)
    assert result.ids.dtype == np.int64
    assert result.distances.dtype == np.float32
    assert result.ids.shape == result.distances.shape == (len(queries), k)
    np.testing.assert_allclose(result.distances, want_dist, rtol=0, atol=1e-4)
    # Ids agree except where two distances are equal to within rounding (then either order is exact).
    differ = result.ids != want_ids
    if differ.any():
        finite = np.where(np.isinf(want_dist), 1e9, want_dist)
        gaps = np.abs(np.diff(finite, axis=1))
        near_tie = np.zeros_like(differ)
        near_tie[:, 1:] |= gaps < 1e-5
        near_tie[:, :-1] |= gaps < 1e-5
        assert not (differ & ~near_tie).any()


@pytest.fixture(scope="module")
def gallery() -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    rng = np.random.default_rng(7)
    ids = rng.permutation(100_000)[:3000].astype(np.int64)
    return ids, rng.standard_normal((3000, 128), dtype=np.float32) * np.float32(0.1)


@pytest.mark.parametrize("k", [1, 5, 10, 100, 2999, 3000, 3500])
def test_search_equals_brute_force(gallery: tuple[NDArray[np.int64], NDArray[np.float32]], k: int) -> None:
    ids, vectors = gallery
    index = ExactIndex()
    index.add(ids, vectors)
    queries = np.random.default_rng(k).standard_normal((7, 128), dtype=np.float32) * np.float32(0.1)
    assert_matches_reference(index.search(queries, k), ids, vectors, queries, k)


def test_single_query_is_a_batch_of_one(gallery: tuple[NDArray[np.int64], NDArray[np.float32]]) -> None:
    ids, vectors = gallery
    index = ExactIndex()
    index.add(ids, vectors)
    one = index.search(vectors[5], 10)
    assert one.ids.shape == (1, 10)
    assert one.ids[0, 0] == ids[5]
    assert one.distances[0, 0] == 0.0
    batch = index.search(vectors[[5, 6]], 10)
    np.testing.assert_array_equal(batch.ids[0], one.ids[0])


def test_search_after_removals_and_additions(gallery: tuple[NDArray[np.int64], NDArray[np.float32]]) -> None:
    ids, vectors = gallery
    index = ExactIndex()
    index.add(ids[:2000], vectors[:2000])
    gone = ids[::3][:600]
    assert index.remove(np.concatenate([gone, gone[:5], np.array([10**9])])) == len(gone)
    index.add(ids[2000:], vectors[2000:])
    keep = ~np.isin(ids, gone)
    assert len(index) == int(keep.sum())
    np.testing.assert_array_equal(index.ids(), np.sort(ids[keep]))
    queries = vectors[[0, 3, 4, 2500]] + np.float32(0.01)
    assert_matches_reference(index.search(queries, 25), ids[keep], vectors[keep], queries, 25)
    assert not np.isin(index.search(vectors[~keep][:50], 3000).ids, gone).any()


def test_empty_index_pads() -> None:
    index = ExactIndex()
    result = index.search(np.zeros(128, dtype=np.float32), 3)
    np.testing.assert_array_equal(result.ids, [[PAD_ID] * 3])
    assert np.isinf(result.distances).all()
    assert result.hits() == []
    assert len(index) == 0
    assert index.ids().shape == (0,)


def test_exact_ties_are_ordered_by_id() -> None:
    index = ExactIndex()
    vectors = np.tile(np.linspace(-1, 1, 128, dtype=np.float32), (6, 1))
    index.add(np.array([50, 3, 40, 7, 9, 1], dtype=np.int64), vectors)
    result = index.search(vectors[0] + np.float32(0.5), 4)
    np.testing.assert_array_equal(result.ids[0], [1, 3, 7, 9])
    assert len(set(result.distances[0].tolist())) == 1


def test_removing_everything_then_searching_pads(gallery: tuple[NDArray[np.int64], NDArray[np.float32]]) -> None:
    ids, vectors = gallery
    index = ExactIndex()
    index.add(ids[:10], vectors[:10])
    assert index.remove(ids[:10]) == 10
    assert index.remove(ids[:10]) == 0
    assert (index.search(vectors[0], 2).ids == PAD_ID).all()


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(min_value=0, max_value=60),
    k=st.integers(min_value=1, max_value=70),
    removed=st.integers(min_value=0, max_value=60),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
    duplicates=st.booleans(),
)
def test_property_equals_brute_force(n: int, k: int, removed: int, seed: int, duplicates: bool) -> None:
    """Any small gallery, with repeated vectors (exact ties) or not, any k, any removals."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, 128), dtype=np.float32)
    if duplicates and n > 1:
        vectors[rng.integers(0, n, size=n // 2)] = vectors[0]
    ids = rng.permutation(10 * n + 1)[:n].astype(np.int64)
    index = ExactIndex()
    index.add(ids, vectors)
    gone = ids[:removed]
    assert index.remove(gone) == min(removed, n)
    keep = ~np.isin(ids, gone)
    queries = np.vstack([vectors[:2], rng.standard_normal((2, 128), dtype=np.float32)]).astype(np.float32)
    result = index.search(queries, k)
    want_ids, want_dist = brute_force(ids[keep], vectors[keep], queries, k)
    np.testing.assert_allclose(result.distances, want_dist, rtol=0, atol=1e-4)
    if not duplicates:
        np.testing.assert_array_equal(result.ids, want_ids)
    else:
        assert_matches_reference(result, ids[keep], vectors[keep], queries, k)


def test_exact_where_the_float32_expansion_cancels() -> None:
    """Far from the origin, |x|^2 - 2x.q + |q|^2 loses most digits in float32; the margin and the float64
    re-ranking must still give the true order."""
    rng = np.random.default_rng(3)
    offset = np.full(128, 30.0, dtype=np.float32)
    vectors = (offset + rng.standard_normal((2000, 128), dtype=np.float32) * np.float32(0.01)).astype(np.float32)
    ids = np.arange(2000, dtype=np.int64)
    index = ExactIndex()
    index.add(ids, vectors)
    queries = (offset + rng.standard_normal((5, 128), dtype=np.float32) * np.float32(0.01)).astype(np.float32)
    want_ids, want_dist = brute_force(ids, vectors, queries, 10)
    result = index.search(queries, 10)
    np.testing.assert_array_equal(result.ids, want_ids)
    np.testing.assert_allclose(result.distances, want_dist, rtol=1e-6)
