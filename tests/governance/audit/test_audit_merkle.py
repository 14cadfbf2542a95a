"""RFC 6962 tree hashing: published known answers, and the fast code against the slow reference."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.governance.audit import reference
from watchkeeper.governance.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    leaf_hash,
    node_hash,
    perfect_nodes,
    range_hash,
    root_hash,
    split_point,
    subtree_hash,
    tiles,
)
from watchkeeper.governance.audit.proofs import consistency_proof_nodes, inclusion_proof_nodes

# The leaves and roots used by the Certificate Transparency and transparency-dev/merkle test suites.
CT_LEAVES = [
    bytes.fromhex(text)
    for text in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
]
CT_ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
# Hashes of the perfect subtrees of those 8 leaves, by level: (level, index) -> hash.
CT_NODES = {
    (0, 1): "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    (0, 7): "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
    (1, 1): "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    (1, 3): "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
    (2, 1): "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
}


def test_hashes_match_published_known_answers() -> None:
    assert EMPTY_ROOT.hex() == CT_ROOTS[0]
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert leaf_hash(b"L123456").hex() == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    assert node_hash(b"N123", b"N456").hex() == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_roots_match_published_known_answers(size: int) -> None:
    hashes = [leaf_hash(leaf) for leaf in CT_LEAVES[:size]]
    assert root_hash(hashes).hex() == CT_ROOTS[size]
    assert CompactRange.of(hashes).root().hex() == CT_ROOTS[size]


@pytest.mark.parametrize(("level", "index"), sorted(CT_NODES))
def test_subtree_hashes_match_published_known_answers(level: int, index: int) -> None:
    hashes = [leaf_hash(leaf) for leaf in CT_LEAVES]
    width = 1 << level
    assert subtree_hash(hashes, index * width, (index + 1) * width).hex() == CT_NODES[(level, index)]


def leaves(size: int) -> list[bytes]:
    """Distinct entry data for a log of ``size`` entries."""
    return [index.to_bytes(4, "big") for index in range(size)]


def test_roots_equal_reference_for_every_size_up_to_300() -> None:
    data = leaves(300)
    hashes = [leaf_hash(entry) for entry in data]
    compact = CompactRange()
    for size in range(301):
        expected = reference.mth(data[:size])
        assert root_hash(hashes[:size]) == expected, size
        assert compact.root() == expected, size
        if size < 300:
            compact = compact.append(hashes[size])


@given(st.lists(st.binary(max_size=40), max_size=1500))
def test_roots_equal_reference_for_random_logs(data: list[bytes]) -> None:
    assert root_hash([leaf_hash(entry) for entry in data]) == reference.mth(data)


@given(st.integers(0, 1200), st.data())
def test_subtree_hash_equals_reference_of_the_slice(size: int, draw: st.DataObject) -> None:
    data = leaves(size)
    end = draw.draw(st.integers(0, size))
    start = draw.draw(st.integers(0, end))
    assert subtree_hash([leaf_hash(entry) for entry in data], start, end) == reference.mth(data[start:end])


@given(st.integers(0, 5000))
def test_compact_range_survives_storage_and_keeps_appending(size: int) -> None:
    hashes = [leaf_hash(entry) for entry in leaves(size + 3)]
    compact = CompactRange.of(hashes[:size])
    assert len(compact.nodes) == size.bit_count()
    restored = CompactRange.restore(compact.size, compact.nodes_bytes())
    assert restored == compact
    for extra in range(size, size + 3):
        restored = restored.append(hashes[extra])
    assert restored.root() == root_hash(hashes)


def test_perfect_nodes_are_every_perfect_subtree_once_each() -> None:
    data = leaves(70)
    hashes = [leaf_hash(entry) for entry in data]
    for size in range(71):
        nodes = list(perfect_nodes(hashes[:size]))
        expected = {(level, position) for level in range(1, 8) for position in range(size >> level)}
        assert [node.key for node in nodes] == sorted(expected, key=lambda key: ((key[1] + 1) << key[0], key[0]))
        for node in nodes:
            assert node.hash == reference.mth(data[node.position << node.level : (node.position + 1) << node.level])


def test_every_node_a_proof_needs_is_the_fold_of_its_tiles() -> None:
    hashes = [leaf_hash(entry) for entry in leaves(45)]
    stored = {node.key: node.hash for node in perfect_nodes(hashes)} | {(0, i): leaf for i, leaf in enumerate(hashes)}
    for size in range(1, 46):
        needed = {(0, size)} | {node for index in range(size) for node in inclusion_proof_nodes(index, size)}
        needed |= {node for old in range(1, size + 1) for node in consistency_proof_nodes(old, size)}
        for start, end in needed:
            assert range_hash(start, end, stored.__getitem__) == subtree_hash(hashes, start, end), (start, end)
            assert len(tiles(start, end)) == (end - start).bit_count()


def test_tiles_refuse_a_range_that_is_no_node_of_a_tree() -> None:
    assert tiles(8, 13) == [(2, 2), (0, 12)]
    assert tiles(3, 3) == []
    for start, end in [(1, 3), (2, 6), (5, 4)]:
        with pytest.raises(ValueError, match=rf"\[{start}, {end}\) is not"):
            tiles(start, end)


def test_split_point_is_the_largest_power_of_two_below() -> None:
    assert [split_point(n) for n in range(2, 10)] == [1, 2, 2, 4, 4, 4, 4, 8]
    assert all(split_point(n) == reference.largest_power_of_two_below(n) for n in range(2, 3000))
    with pytest.raises(ValueError, match="size 1"):
        split_point(1)


def test_compact_range_rejects_inconsistent_state() -> None:
    one = hashlib.sha256(b"x").digest()
    with pytest.raises(ValueError, match="size 3 has 2 nodes, got 1"):
        CompactRange(3, (one,))
    with pytest.raises(ValueError, match="non-negative"):
        CompactRange(-1, ())
    with pytest.raises(ValueError, match="32-byte hash, got 31 bytes"):
        CompactRange(1, (one[:31],))
    with pytest.raises(ValueError, match="not a multiple of 32"):
        CompactRange.restore(1, one + b"\x00")
    with pytest.raises(ValueError, match="leaf hash 0 must be a 32-byte hash"):
        CompactRange().append(b"short")


def test_subtree_hash_rejects_ranges_outside_the_log() -> None:
    hashes = [leaf_hash(entry) for entry in leaves(4)]
    for start, end in [(-1, 2), (3, 2), (0, 5)]:
        with pytest.raises(ValueError, match=rf"\[{start}, {end}\) is not within a log of 4 leaves"):
            subtree_hash(hashes, start, end)
