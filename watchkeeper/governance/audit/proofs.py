"""Inclusion and consistency proofs (RFC 9162 §2.1.3 and §2.1.4), in three separate layers.

1. *Which nodes* a proof needs: pure index arithmetic (:func:`inclusion_proof_nodes`,
   :func:`consistency_proof_nodes`). A node is a leaf range [start, end) whose Merkle Tree Hash is one proof
   element; no hashing happens here, so storage can plan its reads.
2. *Building* a proof from a ``hash_of_range(start, end) -> bytes`` function that storage supplies
   (:func:`inclusion_proof`, :func:`consistency_proof`); :func:`watchkeeper.governance.audit.merkle.subtree_hash`
   is one such function for leaf hashes in memory.
3. *Verifying* a proof on the client side, trusting nothing but the root hashes it already holds
   (:func:`verify_inclusion`, :func:`verify_consistency`), following RFC 9162's verification algorithms.

Layers 1 and 2 serve requests, so an index or size out of range raises :class:`TreeRangeError`. Layer 3
reads untrusted input, so anything wrong with it (bad sizes, hashes of the wrong length, too few or too many
proof elements, a root that does not match) raises :class:`ProofError` and nothing else.

Indexes are 0-based; proofs list their hashes from the leaf (or the old tree) upwards, as the RFC does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from watchkeeper.governance.audit.errors import ProofError, TreeRangeError
from watchkeeper.governance.audit.merkle import HASH_SIZE, check_hash, node_hash, split_point

HashOfRange = Callable[[int, int], bytes]
"""Returns the Merkle Tree Hash of the leaves [start, end) of the log a proof is built for."""

NodeRange = tuple[int, int]
"""A node of the tree as the leaf range [start, end) below it."""


# --- 1. Which nodes ------------------------------------------------------------------------------------


def _check_count(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TreeRangeError(f"{name} must be a non-negative integer, got {value!r}")


def inclusion_proof_nodes(index: int, size: int) -> list[NodeRange]:
    """The nodes whose hashes prove leaf ``index`` is in the tree of ``size`` leaves, leaf level first.

    Precondition: ``0 <= index < size``; TreeRangeError otherwise. These are the siblings of the nodes on
    the path from the leaf to the root (RFC 9162 §2.1.3.1, PATH(m, D[n])).
    """
    _check_count(index, "index")
    _check_count(size, "size")
    if index >= size:
        raise TreeRangeError(f"index {index} is not in a tree of size {size}")
    siblings: list[NodeRange] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + split_point(end - start)
        if index < middle:
            siblings.append((middle, end))
            end = middle
        else:
            siblings.append((start, middle))
            start = middle
    siblings.reverse()
    return siblings


def consistency_proof_nodes(old_size: int, new_size: int) -> list[NodeRange]:
    """The nodes whose hashes prove the tree of ``new_size`` leaves extends the tree of ``old_size``.

    Precondition: ``0 < old_size <= new_size``; TreeRangeError otherwise (every log extends the empty log,
    so there is nothing to prove from size 0). Equal sizes need no nodes. Follows RFC 9162 §2.1.4.1,
    SUBPROOF(m, D[n], b): descend towards the old tree's right edge; if it ends on a node of the new tree
    that is the whole old tree, that node is left out (the verifier holds its hash, the old root).
    """
    _check_count(old_size, "old_size")
    _check_count(new_size, "new_size")
    if not 0 < old_size <= new_size:
        raise TreeRangeError(f"no consistency proof from size {old_size} to size {new_size} (need 0 < old <= new)")
    nodes: list[NodeRange] = []
    start, end, remaining = 0, new_size, old_size
    whole_old_tree = True
    while remaining != end - start:
        middle = start + split_point(end - start)
        if start + remaining <= middle:
            nodes.append((middle, end))
            end = middle
        else:
            nodes.append((start, middle))
            remaining -= middle - start
            start = middle
            whole_old_tree = False
    if not whole_old_tree:
        nodes.append((start, end))
    nodes.reverse()
    return nodes


# --- 2. Building -----------------------------------------------------------------------------------------


def _hashes(nodes: Sequence[NodeRange], hash_of_range: HashOfRange) -> list[bytes]:
    return [check_hash(hash_of_range(start, end), f"hash of range [{start}, {end})") for start, end in nodes]


def inclusion_proof(index: int, size: int, hash_of_range: HashOfRange) -> list[bytes]:
    """The inclusion proof for leaf ``index`` in the tree of ``size`` leaves.

    Precondition: ``0 <= index < size`` (TreeRangeError), and ``hash_of_range`` returns 32-byte hashes of
    the log as it was at ``size`` leaves (ValueError if a hash has the wrong length).
    """
    return _hashes(inclusion_proof_nodes(index, size), hash_of_range)


def consistency_proof(old_size: int, new_size: int, hash_of_range: HashOfRange) -> list[bytes]:
    """The consistency proof from the tree of ``old_size`` leaves to the tree of ``new_size`` leaves.

    Precondition: ``0 < old_size <= new_size`` (TreeRangeError), and ``hash_of_range`` returns 32-byte
    hashes of the log at ``new_size`` leaves (ValueError if a hash has the wrong length).
    """
    return _hashes(consistency_proof_nodes(old_size, new_size), hash_of_range)


# --- 3. Verifying ---------------------------------------------------------------------------------------


def _untrusted_count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ProofError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _untrusted_hash(value: object, what: str) -> bytes:
    if not isinstance(value, bytes):
        raise ProofError(f"{what} must be bytes, got {type(value).__name__}")
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} must be a {HASH_SIZE}-byte hash, got {len(value)} bytes")
    return value


def _untrusted_proof(proof: object, expected_length: int, context: str) -> list[bytes]:
    if isinstance(proof, (bytes, str)) or not isinstance(proof, Sequence):
        raise ProofError(f"{context}: the proof must be a sequence of hashes, got {type(proof).__name__}")
    if len(proof) != expected_length:
        raise ProofError(f"{context}: the proof must have {expected_length} hashes, it has {len(proof)}")
    return [_untrusted_hash(element, f"{context}: proof element {position}") for position, element in enumerate(proof)]


def _shift_while_right_child(first: int, last: int) -> tuple[int, int]:
    """Shift both node numbers right until ``first`` is a right child (LSB set) or zero (RFC 9162 steps)."""
    while first and not first & 1:
        first >>= 1
        last >>= 1
    return first, last


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """The root a tree of ``size`` leaves must have if ``proof`` shows ``leaf_hash`` at ``index``.

    ProofError if the inputs are malformed: ``index >= size``, hashes not 32 bytes, or a proof of the wrong
    length. RFC 9162 §2.1.3.2, steps 1 to 4.
    """
    index = _untrusted_count(index, "index")
    size = _untrusted_count(size, "size")
    context = f"inclusion of index {index} in size {size}"
    if index >= size:
        raise ProofError(f"{context}: the index is not in the tree")
    current = _untrusted_hash(leaf_hash, f"{context}: leaf hash")
    path = _untrusted_proof(proof, len(inclusion_proof_nodes(index, size)), context)
    node, last = index, size - 1
    for sibling in path:
        if node & 1 or node == last:
            current = node_hash(sibling, current)
            node, last = _shift_while_right_child(node, last)
        else:
            current = node_hash(current, sibling)
        node >>= 1
        last >>= 1
    if last != 0:  # unreachable after the length check; kept as the RFC's own guard
        raise ProofError(f"{context}: the proof is too short")
    return current


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``proof`` shows the leaf with ``leaf_hash`` at ``index`` in the tree of ``size`` and ``root``.

    Returns nothing when the proof holds; raises ProofError, naming index, size and both roots, when it does
    not or when any input is malformed.
    """
    expected = _untrusted_hash(root, f"inclusion of index {index} in size {size}: root")
    computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    if computed != expected:
        raise ProofError(
            f"inclusion of index {index} in size {size}: the proof leads to root {computed.hex()}, "
            f"expected {expected.hex()}"
        )


def _roots_from_consistency_proof(old_size: int, new_size: int, path: list[bytes]) -> tuple[bytes, bytes]:
    """The (old root, new root) that ``path`` implies; RFC 9162 §2.1.4.2 steps 3 to 6, for 0 < old < new."""
    node, last = old_size - 1, new_size - 1
    while node & 1:  # climb to the first ancestor of the old tree's last leaf that is a left child
        node >>= 1
        last >>= 1
    old_root = new_root = path[0]
    for element in path[1:]:
        if node & 1 or node == last:
            old_root = node_hash(element, old_root)
            new_root = node_hash(element, new_root)
            node, last = _shift_while_right_child(node, last)
        else:
            new_root = node_hash(new_root, element)
        node >>= 1
        last >>= 1
    if last != 0:  # unreachable after the length check; kept as the RFC's own guard
        raise ProofError(f"consistency from size {old_size} to size {new_size}: the proof is too short")
    return old_root, new_root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Check that ``proof`` shows the tree (``new_size``, ``new_root``) extends (``old_size``, ``old_root``).

    Requires ``0 < old_size <= new_size``: a proof from the empty tree is meaningless (every tree extends
    it) and is rejected, as transparency-dev/merkle does. Equal sizes need an empty proof and equal roots.
    Returns nothing when the proof holds; raises ProofError, naming the sizes and the roots that disagree,
    otherwise or when any input is malformed.
    """
    old_size = _untrusted_count(old_size, "old_size")
    new_size = _untrusted_count(new_size, "new_size")
    context = f"consistency from size {old_size} to size {new_size}"
    if not 0 < old_size <= new_size:
        raise ProofError(f"{context}: need 0 < old size <= new size")
    old_expected = _untrusted_hash(old_root, f"{context}: old root")
    new_expected = _untrusted_hash(new_root, f"{context}: new root")
    path = _untrusted_proof(proof, len(consistency_proof_nodes(old_size, new_size)), context)
    if old_size == new_size:
        old_computed = new_computed = old_expected
    else:
        if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself a node of the new tree
            path.insert(0, old_expected)
        old_computed, new_computed = _roots_from_consistency_proof(old_size, new_size, path)
    for which, computed, expected in (("old", old_computed, old_expected), ("new", new_computed, new_expected)):
        if computed != expected:
            raise ProofError(f"{context}: the proof leads to {which} root {computed.hex()}, expected {expected.hex()}")
