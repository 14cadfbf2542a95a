"""Verifying only the entries appended since a verified head: an honest log passes, any change to the new
entries (with or without the stored hashes and the proof rebuilt to match) fails."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.governance.audit.test_audit_verify import ORIGIN, SIGNER, VERIFIER, entry, log
from watchkeeper.governance.audit.checkpoint import Checkpoint, sign_checkpoint
from watchkeeper.governance.audit.errors import AuditError, ProofError
from watchkeeper.governance.audit.increment import StoredEntry, check_appended
from watchkeeper.governance.audit.merkle import SubtreeHashes, leaf_hash, root_hash
from watchkeeper.governance.audit.proofs import consistency_proof
from watchkeeper.governance.audit.witness import HeadUpdate

SIZE = 24


def head(entries: list[bytes], size: int) -> Checkpoint:
    return Checkpoint(ORIGIN, size, root_hash([leaf_hash(data) for data in entries[:size]]))


def update(leaves: list[bytes], old_size: int, signed_root: bytes) -> HeadUpdate:
    """The newest head signed over ``signed_root``, with the proof the log builds from ``leaves``."""
    hashes = SubtreeHashes(leaves)
    proof = tuple(consistency_proof(old_size, len(leaves), hashes))
    signed = sign_checkpoint(Checkpoint(ORIGIN, len(leaves), signed_root), SIGNER)
    return HeadUpdate(old_size, len(leaves), hashes(0, old_size), signed_root, proof, signed)


def stored(entries: list[bytes | None], leaves: list[bytes], start: int) -> list[StoredEntry]:
    return [(sequence, entries[sequence], leaves[sequence]) for sequence in range(start, len(entries))]


@given(st.integers(1, SIZE), st.integers(0, SIZE))
def test_an_honest_log_extends_the_verified_head(old_size: int, more: int) -> None:
    entries = log(old_size + more)
    leaves = [leaf_hash(data) for data in entries]
    new = check_appended(
        head(entries, old_size),
        update(leaves, old_size, root_hash(leaves)),
        stored(list(entries), leaves, old_size),
        VERIFIER,
    )
    assert new == head(entries, len(entries))


@given(st.integers(1, SIZE), st.integers(1, SIZE), st.data())
def test_a_new_entry_changed_after_signing_fails(old_size: int, more: int, data: st.DataObject) -> None:
    """The entry's bytes changed, its stored leaf hash recomputed or not, and the stored nodes the proof is
    built from rebuilt over the change or left as they were: each way, the signed root gives it away."""
    signed = log(old_size + more)
    changed = data.draw(st.integers(old_size, old_size + more - 1), label="changed entry")
    entries: list[bytes | None] = list(signed)
    entries[changed] = entry(changed, reason="rewritten").canonical_bytes()
    honest = [leaf_hash(value) for value in signed]
    rehashed = [leaf_hash(value) for value in entries if value is not None]
    leaves = data.draw(st.sampled_from([honest, rehashed]), label="stored leaf hashes")
    proof_leaves = data.draw(st.sampled_from([honest, rehashed]), label="leaves the proof is built from")
    with pytest.raises(AuditError):
        check_appended(
            head(signed, old_size),
            update(proof_leaves, old_size, root_hash(honest)),
            stored(entries, leaves, old_size),
            VERIFIER,
        )


def test_missing_pruned_and_surplus_entries_fail() -> None:
    entries = log(8)
    leaves = [leaf_hash(data) for data in entries]
    kept, newest = head(entries, 5), update(leaves, 5, root_hash(leaves))
    rows = stored(list(entries), leaves, 5)
    with pytest.raises(ProofError, match="entry 6 is missing"):
        check_appended(kept, newest, [rows[0], rows[2], rows[2]], VERIFIER)
    with pytest.raises(ProofError, match="covers 3 entries after the 5 verified, but 2 are stored"):
        check_appended(kept, newest, rows[:2], VERIFIER)
    with pytest.raises(ProofError, match="entry 6 is pruned"):
        check_appended(kept, newest, [rows[0], (6, None, leaves[6]), rows[2]], VERIFIER)
