"""ApproximateIndex on clustered synthetic faces: recall against exact search, removal, training threshold."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import faiss
import numpy as np
import pytest

from watchkeeper.matching import PAD_ID, ApproximateIndex, ExactIndex
from watchkeeper.matching.approximate import DEFAULT_SHARDS
from watchkeeper.matching.persistence import read_index_file
from watchkeeper.matching.synthetic import SyntheticGallery, clustered_gallery


@pytest.fixture(scope="module")
def faces() -> SyntheticGallery:
    return clustered_gallery(20_000, seed=11)


@pytest.fixture(scope="module")
def indexes(faces: SyntheticGallery) -> tuple[ExactIndex, ApproximateIndex]:
    ids = np.arange(20_000, dtype=np.int64) * 2 + 1
    exact, approximate = ExactIndex(), ApproximateIndex(train_at=5_000)
    exact.add(ids, faces.vectors)
    approximate.add(ids[:8_000], faces.vectors[:8_000])
    approximate.add(ids[8_000:], faces.vectors[8_000:])
    return exact, approximate


def recall_at(k: int, exact: ExactIndex, approximate: ApproximateIndex, queries: np.ndarray) -> float:
    want, got = exact.search(queries, k).ids, approximate.search(queries, k).ids
    return float(np.mean([len(np.intersect1d(w, g)) / k for w, g in zip(want, got, strict=True)]))


def test_recall_at_10(faces: SyntheticGallery, indexes: tuple[ExactIndex, ApproximateIndex]) -> None:
    exact, approximate = indexes
    assert approximate.trained
    queries, _ = faces.probes(300)
    assert recall_at(10, exact, approximate, queries) >= 0.99


def test_distances_are_exact_for_what_is_found(
    faces: SyntheticGallery, indexes: tuple[ExactIndex, ApproximateIndex]
) -> None:
    exact, approximate = indexes
    queries, _ = faces.probes(20, seed=2)
    want, got = exact.search(queries, 10), approximate.search(queries, 10)
    for j in range(20):
        common = dict(want.hits(j)).items() & dict(got.hits(j)).items()
        assert len(common) == len(set(want.ids[j]) & set(got.ids[j]))  # same id, bit-identical distance
    assert (np.diff(got.distances, axis=1) >= 0).all()


def test_same_identity_found_first(faces: SyntheticGallery, indexes: tuple[ExactIndex, ApproximateIndex]) -> None:
    _, approximate = indexes
    queries, who = faces.probes(50, seed=3)
    found = approximate.search(queries, 1)
    assert np.mean(faces.identity[(found.ids[:, 0] - 1) // 2] == who) >= 0.98
    assert np.mean(found.distances[:, 0] < 0.6) >= 0.98


def test_removal_is_honoured(faces: SyntheticGallery) -> None:
    ids = np.arange(20_000, dtype=np.int64)
    index = ApproximateIndex(train_at=5_000)
    index.add(ids, faces.vectors)
    target = 1234
    before = index.search(faces.vectors[target], 5)
    assert before.ids[0, 0] == target
    gone = ids[(faces.identity == faces.identity[target])]
    assert index.remove(gone) == gone.size
    assert index.remove(gone) == 0
    assert len(index) == 20_000 - gone.size
    after = index.search(faces.vectors[gone], 50)
    assert not np.isin(after.ids, gone).any()
    assert not np.isin(index.ids(), gone).any()
    index.add(gone[:1], faces.vectors[gone[:1]])
    assert index.search(faces.vectors[gone[0]], 1).ids[0, 0] == gone[0]


def test_small_gallery_is_searched_exactly(faces: SyntheticGallery) -> None:
    ids = np.arange(3_000, dtype=np.int64)
    approximate, exact = ApproximateIndex(train_at=5_000), ExactIndex()
    for index in (approximate, exact):
        index.add(ids, faces.vectors[:3_000])
    assert not approximate.trained
    queries, _ = faces.probes(10)
    a, e = approximate.search(queries, 10), exact.search(queries, 10)
    np.testing.assert_array_equal(a.ids, e.ids)
    np.testing.assert_array_equal(a.distances, e.distances)


def test_empty_and_small_results_pad() -> None:
    index = ApproximateIndex()
    assert (index.search(np.zeros(128, dtype=np.float32), 4).ids == PAD_ID).all()
    index.add(np.array([9], dtype=np.int64), np.ones((1, 128), dtype=np.float32))
    result = index.search(np.ones(128, dtype=np.float32), 3)
    np.testing.assert_array_equal(result.ids, [[9, PAD_ID, PAD_ID]])


def test_trained_index_pads_when_k_exceeds_size(faces: SyntheticGallery) -> None:
    index = ApproximateIndex(train_at=5_000, candidates=16)
    index.add(np.arange(5_000, dtype=np.int64), faces.vectors[:5_000])
    index.remove(np.arange(10, 5_000, dtype=np.int64))
    result = index.search(faces.vectors[0], 20)
    assert sorted(result.ids[0, :10].tolist()) == list(range(10))
    assert (result.ids[0, 10:] == PAD_ID).all()
    assert np.isinf(result.distances[0, 10:]).all()


def test_many_removals_reencode_and_keep_recall(faces: SyntheticGallery) -> None:
    ids = np.arange(20_000, dtype=np.int64)
    exact, approximate = ExactIndex(), ApproximateIndex(train_at=5_000)
    for index in (exact, approximate):
        index.add(ids, faces.vectors)
    for batch in np.array_split(ids[::7], 10):  # 2,858 removals: past 2%, so at least one re-encode
        assert approximate.remove(batch) == exact.remove(batch) == batch.size
    np.testing.assert_array_equal(approximate.ids(), exact.ids())
    approximate.add(ids[:14:7], faces.vectors[:14:7])
    exact.add(ids[:14:7], faces.vectors[:14:7])
    queries, _ = faces.probes(200, seed=4)
    assert recall_at(10, exact, approximate, queries) >= 0.99
    assert approximate.search(faces.vectors[7], 1).ids[0, 0] == 7


def test_a_saved_index_holds_no_codes_of_removed_faces(faces: SyntheticGallery, tmp_path: Path) -> None:
    """A removed face's quantised code approximates its descriptor: it must not outlive the removal on
    disk, even while fewer than 2% are removed (when the codes in memory are not yet re-encoded)."""
    ids = np.arange(6_000, dtype=np.int64)
    index = ApproximateIndex(train_at=5_000)
    index.add(ids, faces.vectors[:6_000])
    assert index.remove(ids[:3]) == 3
    index.save(tmp_path / "gallery.index")
    _, arrays = read_index_file(tmp_path / "gallery.index")
    shards = [cast(faiss.IndexIDMap, faiss.deserialize_index(arrays[f"shard{i}"])) for i in range(DEFAULT_SHARDS)]
    coded = np.concatenate([faiss.vector_to_array(shard.id_map) for shard in shards])
    assert np.array_equal(np.sort(coded), ids[3:])
    loaded, _ = ApproximateIndex.load(tmp_path / "gallery.index")
    assert loaded.search(faces.vectors[3], 1).ids[0, 0] == 3
