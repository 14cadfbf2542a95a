"""RFC 6962 Merkle tree hashing (SHA-256), the arithmetic every audit-log proof rests on.

The audit log is a list of entries D[0:n]; its Merkle Tree Hash (RFC 6962 §2.1, unchanged in RFC 9162
§2.1.1) is defined recursively:

* the hash of an empty list is SHA-256 of the empty string;
* the hash of one entry is its *leaf hash*, ``SHA-256(0x00 || data)``;
* the hash of n > 1 entries splits them at k, the largest power of two smaller than n, and is the *node
  hash* ``SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))``.

The different prefixes for leaves and nodes keep a leaf from being passed off as an inner node (a
second-preimage attack). Everything here works on leaf hashes, not on entry bytes, so storage can keep the
32-byte leaf hash next to each entry and never reread the entries to rebuild the tree.

:class:`CompactRange` is the writer's tool: it holds only the O(log n) roots of the perfect subtrees that
make up a log of n entries, so appending an entry and computing the new root cost O(log n) hashes.
Each append also yields the perfect subtrees it completes (:class:`PerfectNode`), which storage keeps, so
that any node a proof needs is the fold of O(log n) stored perfect subtrees (:func:`tiles`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

HASH_SIZE = 32
"""Length in bytes of every hash in the tree (SHA-256)."""

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The Merkle Tree Hash of an empty log: SHA-256 of the empty string (RFC 6962 §2.1)."""


def leaf_hash(data: bytes) -> bytes:
    """The leaf hash of one entry's bytes, ``SHA-256(0x00 || data)``."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an inner node from its two children's hashes, ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(size: int) -> int:
    """The largest power of two strictly smaller than ``size``: where RFC 6962 splits a tree of that size.

    Precondition: ``size >= 2`` (a tree of 0 or 1 leaves is not split); ValueError otherwise.
    """
    if size < 2:
        raise ValueError(f"a tree of size {size} has no split point (need size >= 2)")
    return 1 << ((size - 1).bit_length() - 1)


def check_hash(value: bytes, what: str) -> bytes:
    """Return ``value`` if it is a 32-byte hash; ValueError naming ``what`` otherwise.

    For hashes that come from this program or its storage (a wrong length there is a bug); hashes from an
    untrusted proof are checked by :mod:`.proofs`, which raises ProofError instead.
    """
    if not isinstance(value, bytes) or len(value) != HASH_SIZE:
        shown = f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
        raise ValueError(f"{what} must be a {HASH_SIZE}-byte hash, got {shown}")
    return value


NodeKey = tuple[int, int]
"""A perfect subtree as (level, position): the 2**level leaves from ``position * 2**level`` on."""


@dataclass(frozen=True)
class PerfectNode:
    """The hash of a perfect subtree above the leaves (level 1 or more), complete once its last leaf is in."""

    level: int
    position: int
    hash: bytes

    @property
    def key(self) -> NodeKey:
        return (self.level, self.position)


def tiles(start: int, end: int) -> list[NodeKey]:
    """The perfect subtrees that tile the leaves [start, end), largest first, as (level, position).

    Every node of an RFC 6962 tree (and so every range a proof needs) starts at a multiple of the largest
    power of two in its size, so it is tiled by one perfect subtree per set bit of ``end - start``, and its
    hash is their fold (:meth:`CompactRange.root`). ValueError for a range that is not such a node.
    """
    if not 0 <= start <= end:
        raise ValueError(f"range [{start}, {end}) is not a range of leaves")
    keys: list[NodeKey] = []
    offset = start
    for level in reversed(range((end - start).bit_length())):
        width = 1 << level
        if (end - start) & width:
            if offset % width:
                raise ValueError(f"range [{start}, {end}) is not a node of a Merkle tree")
            keys.append((level, offset >> level))
            offset += width
    return keys


def range_hash(start: int, end: int, tile_hash: Callable[[NodeKey], bytes]) -> bytes:
    """The Merkle Tree Hash of the leaves [start, end), a node of the tree, from its :func:`tiles`' hashes."""
    return CompactRange(end - start, tuple(tile_hash(key) for key in tiles(start, end))).root()


@dataclass(frozen=True)
class CompactRange:
    """The leaves [0, size) of a log, summarised by the roots of the perfect subtrees that tile them.

    A log of ``size`` leaves is tiled, left to right, by one perfect subtree per set bit of ``size``, largest
    first (13 = 8 + 4 + 1 leaves: subtrees [0, 8), [8, 12), [12, 13)). ``nodes`` holds their hashes in that
    order, so there are ``size.bit_count()`` of them, at most 64. Immutable: :meth:`append` returns a new
    range. Store ``size`` and :meth:`nodes_bytes` with a checkpoint and :meth:`restore` them to resume
    appending without rereading the log.
    """

    size: int = 0
    nodes: tuple[bytes, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise ValueError(f"compact range size must be a non-negative integer, got {self.size!r}")
        if len(self.nodes) != self.size.bit_count():
            raise ValueError(
                f"a compact range of size {self.size} has {self.size.bit_count()} nodes, got {len(self.nodes)}"
            )
        for position, node in enumerate(self.nodes):
            check_hash(node, f"compact range node {position}")

    @classmethod
    def of(cls, leaf_hashes: Iterable[bytes]) -> CompactRange:
        """The compact range of a whole sequence of leaf hashes, in O(n) hashes."""
        compact = cls()
        for leaf in leaf_hashes:
            compact = compact.append(leaf)
        return compact

    def append(self, leaf: bytes) -> CompactRange:
        """The range with one more leaf hash at the right end."""
        return self.extend(leaf)[0]

    def extend(self, leaf: bytes) -> tuple[CompactRange, tuple[PerfectNode, ...]]:
        """The range with one more leaf hash at the right end, and the perfect subtrees that leaf completes,
        lowest first.

        Each trailing 1 bit of the old size is a perfect subtree of the same size as the one the new leaf
        completes, so they merge, exactly like carries in binary addition: O(log n) hashes at worst,
        O(1) on average.
        """
        check_hash(leaf, f"leaf hash {self.size}")
        nodes = list(self.nodes)
        merged = leaf
        carries = self.size
        level = 0
        completed: list[PerfectNode] = []
        while carries & 1:
            merged = node_hash(nodes.pop(), merged)
            carries >>= 1
            level += 1
            completed.append(PerfectNode(level, self.size >> level, merged))
        nodes.append(merged)
        return CompactRange(self.size + 1, tuple(nodes)), tuple(completed)

    def root(self) -> bytes:
        """The Merkle Tree Hash of leaves [0, size).

        RFC 6962 splits at the largest power of two, which is the first (largest) subtree here; the rest is
        split the same way, so the root folds the subtree hashes from the right.
        """
        if not self.nodes:
            return EMPTY_ROOT
        result = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            result = node_hash(node, result)
        return result

    def nodes_bytes(self) -> bytes:
        """The node hashes concatenated (32 bytes each), for storage next to ``size``."""
        return b"".join(self.nodes)

    @classmethod
    def restore(cls, size: int, nodes_bytes: bytes) -> CompactRange:
        """The range stored as ``size`` and :meth:`nodes_bytes`; ValueError if they do not fit together."""
        if len(nodes_bytes) % HASH_SIZE:
            raise ValueError(f"stored compact range nodes are {len(nodes_bytes)} bytes, not a multiple of {HASH_SIZE}")
        nodes = tuple(nodes_bytes[start : start + HASH_SIZE] for start in range(0, len(nodes_bytes), HASH_SIZE))
        return cls(size, nodes)


def perfect_nodes(leaf_hashes: Iterable[bytes]) -> Iterator[PerfectNode]:
    """Every perfect subtree above the leaves of a log, in the order appends complete them: O(n) hashes."""
    compact = CompactRange()
    for leaf in leaf_hashes:
        compact, completed = compact.extend(leaf)
        yield from completed


def root_hash(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle Tree Hash of a log given its leaf hashes in order, in O(n) hashes and O(log n) memory."""
    return CompactRange.of(leaf_hashes).root()


def subtree_hash(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """The Merkle Tree Hash of the leaves [start, end) on their own, as proofs need for their nodes.

    Precondition: ``0 <= start <= end <= len(leaf_hashes)``; ValueError otherwise. Suits an in-memory log or a
    storage layer that reads the leaf hashes of a range. The ranges a proof needs are perfect subtrees or
    right edges of the tree, and the hash of such a node is the MTH of exactly its leaves.
    """
    if not 0 <= start <= end <= len(leaf_hashes):
        raise ValueError(f"range [{start}, {end}) is not within a log of {len(leaf_hashes)} leaves")
    return CompactRange.of(leaf_hashes[start:end]).root()


class SubtreeHashes:
    """The Merkle Tree Hash of any leaf range [start, end) of one log, for building many proofs over it.

    A ``hash_of_range`` for :mod:`.proofs`, like :func:`subtree_hash`, but each node is hashed at most once:
    a range is split as RFC 6962 splits it, and every node met on the way is remembered. The perfect
    subtrees that proofs between nearby sizes share are then not rehashed, so checking a consistency proof
    between every pair of consecutive heads of a log of n entries costs O(n) hashes to warm the cache and
    O(log n) per proof after, not O(n) per proof. Holds a reference to ``leaf_hashes``, which must not
    change while it is used.
    """

    def __init__(self, leaf_hashes: Sequence[bytes]) -> None:
        self._leaves = leaf_hashes
        self._nodes: dict[tuple[int, int], bytes] = {}

    def __call__(self, start: int, end: int) -> bytes:
        """Precondition: ``0 <= start <= end <= len(leaf_hashes)``; ValueError otherwise."""
        if not 0 <= start <= end <= len(self._leaves):
            raise ValueError(f"range [{start}, {end}) is not within a log of {len(self._leaves)} leaves")
        return EMPTY_ROOT if start == end else self._node(start, end)

    def _node(self, start: int, end: int) -> bytes:
        if end - start == 1:
            return check_hash(self._leaves[start], f"leaf hash {start}")
        known = self._nodes.get((start, end))
        if known is None:
            middle = start + split_point(end - start)
            known = node_hash(self._node(start, middle), self._node(middle, end))
            self._nodes[(start, end)] = known
        return known
