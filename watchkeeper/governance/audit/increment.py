"""Verifying only the entries appended since a signed head that was already verified, in O(new entries).

A reader who verified the log up to a signed head (its size and root, as a witness keeps it) need not
re-hash those entries to verify the log's growth. Given the log's newest signed head with its RFC 9162
consistency proof from the kept head (a :class:`~.witness.HeadUpdate`), and the entries stored after the
kept head, :func:`check_appended` proves that

1. the newest head carries the log's signature and extends the kept head (:func:`~.witness.check_update`):
   the same entries with more after them, whatever the database now holds for the older ones;
2. the entries stored after the kept head are exactly the ones the newest head signs: each decodes, is at
   its sequence, hashes to its stored leaf hash, and the consistency proof's nodes over the new entries
   (they tile them: RFC 9162 §2.1.4.1 descends the new tree's right side down to the old tree's edge)
   equal the Merkle hashes of those recomputed leaves.

What it cannot see is a change, made since, to an entry before the kept head: its bytes are not read.
Only verification of the whole log (:func:`~.verify.verify_log`) re-hashes them.
"""

from __future__ import annotations

from collections.abc import Sequence

from watchkeeper.governance.audit.checkpoint import Checkpoint, Verifier
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.errors import ProofError
from watchkeeper.governance.audit.merkle import leaf_hash, root_hash
from watchkeeper.governance.audit.proofs import consistency_proof_nodes
from watchkeeper.governance.audit.witness import HeadUpdate, check_update

StoredEntry = tuple[int, bytes | None, bytes]
"""A stored entry as the log keeps it: its sequence, its canonical bytes (None if pruned), its leaf hash."""


def check_appended(
    kept: Checkpoint, update: HeadUpdate, appended: Sequence[StoredEntry], verifier: Verifier
) -> Checkpoint:
    """The newest signed head of ``update``, once proven to extend ``kept`` with exactly ``appended`` (the
    entries stored from ``kept.size`` up to the new head's size, in sequence order).

    Raises ProofError (or CheckpointError, EntryError) naming what does not hold: the head's signature, its
    consistency with ``kept``, an entry missing, malformed, pruned (whether retention allowed that is for
    whole-log verification to judge), or not the one the head signs.
    """
    new = check_update(kept, update, verifier)
    if len(appended) != new.size - kept.size:
        raise ProofError(
            f"the signed head of size {new.size} covers {new.size - kept.size} entries after the {kept.size} "
            f"verified, but {len(appended)} are stored there"
        )
    hashes = [_rehashed(kept.size + offset, stored) for offset, stored in enumerate(appended)]
    for (start, end), element in zip(consistency_proof_nodes(kept.size, new.size), update.proof, strict=True):
        if start >= kept.size and root_hash(hashes[start - kept.size : end - kept.size]) != element:
            raise ProofError(
                f"the stored entries {start} to {end - 1} are not those the signed head of size {new.size} signs"
            )
    return new


def _rehashed(position: int, stored: StoredEntry) -> bytes:
    """The leaf hash of the entry stored at ``position``, recomputed from its bytes and checked against the
    stored one (which inclusion proofs are built from)."""
    sequence, data, kept_hash = stored
    if sequence != position:
        raise ProofError(f"entry {position} is missing: the next stored entry is {sequence}")
    if data is None:
        raise ProofError(f"entry {position} is pruned: only verification of the whole log accounts for it")
    if AuditEntry.from_canonical_bytes(data).sequence != position:
        raise ProofError(f"the entry stored at sequence {position} names another sequence")
    computed = leaf_hash(data)
    if computed != kept_hash:
        raise ProofError(f"entry {position}: its bytes hash to {computed.hex()}, its stored leaf hash differs")
    return computed
