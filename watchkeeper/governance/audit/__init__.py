"""A tamper-evident audit log in the manner of Certificate Transparency (RFC 6962 / RFC 9162).

Pure logic over bytes and hashes, independent of storage:

* :mod:`.entry`: :class:`AuditEntry` and its canonical bytes, the input of each Merkle leaf hash;
* :mod:`.events`: every act the log records as a typed dataclass (action, target, details), how
  writers record them and reports read them back, an unreadable entry being an :class:`EventError`;
* :mod:`.merkle`: RFC 6962 hashing, :func:`root_hash`, :class:`CompactRange` for O(log n) appends (with
  the perfect subtrees each completes), and :class:`~.merkle.SubtreeHashes` for building many proofs over
  one log in memory;
* :mod:`.proofs`: which nodes a proof needs, building proofs from storage, verifying them;
* :mod:`.checkpoint`: signed tree heads as C2SP signed notes (Ed25519), signing and verifier keys;
* :mod:`.verify`: checking a whole stored log against its checkpoints and heads kept outside it, with typed
  findings;
* :mod:`.witness`: what a witness that keeps only heads needs: the newest head with a consistency proof
  from its own (:class:`~.witness.HeadUpdate`), and the check it runs with nothing else.

Storage beside them: :mod:`.store` (the log in the database) and :mod:`.heads_file` (its heads, also kept
in an append-only file outside the database).

How a writer uses them, all in the transaction of the act being audited:

1. Read the log's head: its size n and the :class:`CompactRange` frontier stored with it
   (:meth:`CompactRange.restore`). Lock it, so appends take sequence numbers one at a time.
2. Build ``AuditEntry(sequence=n, ...)``; store ``entry.canonical_bytes()`` and ``entry.leaf_hash()``
   at sequence n. The bytes are the record; never re-encode them later.
3. ``frontier, completed = frontier.extend(leaf)``; store ``frontier.size`` and ``frontier.nodes_bytes()``
   as the head, and each :class:`~.merkle.PerfectNode` in ``completed`` (the perfect subtrees the leaf
   completes).
4. After each append (or each batch), store
   ``sign_checkpoint(Checkpoint(origin, frontier.size, frontier.root()), signer)``.

Inclusion and consistency proofs are built from the O(log n) stored leaf hashes and perfect subtrees that
tile the nodes they need (``inclusion_proof(i, size, hash_of_range)``, :func:`~.merkle.tiles`,
:func:`~.merkle.range_hash`), and :func:`verify_log` checks the stored bytes against the stored checkpoints
with nothing but the published verifier key, and the stored subtrees against the bytes.
"""

from watchkeeper.governance.audit.checkpoint import (
    Checkpoint,
    Signer,
    Verifier,
    open_checkpoint,
    sign_checkpoint,
    split_checkpoints,
)
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.errors import (
    AuditError,
    AuditKeyError,
    CheckpointError,
    EntryError,
    EventError,
    ProofError,
    TreeRangeError,
)
from watchkeeper.governance.audit.merkle import EMPTY_ROOT, CompactRange, leaf_hash, root_hash, subtree_hash
from watchkeeper.governance.audit.proofs import (
    consistency_proof,
    consistency_proof_nodes,
    inclusion_proof,
    inclusion_proof_nodes,
    verify_consistency,
    verify_inclusion,
)
from watchkeeper.governance.audit.verify import Finding, FindingKind, Head, VerificationReport, verify_log

__all__ = [
    "EMPTY_ROOT",
    "AuditEntry",
    "AuditError",
    "AuditKeyError",
    "Checkpoint",
    "CheckpointError",
    "CompactRange",
    "EntryError",
    "EventError",
    "Finding",
    "FindingKind",
    "Head",
    "ProofError",
    "Signer",
    "TreeRangeError",
    "VerificationReport",
    "Verifier",
    "consistency_proof",
    "consistency_proof_nodes",
    "inclusion_proof",
    "inclusion_proof_nodes",
    "leaf_hash",
    "open_checkpoint",
    "root_hash",
    "sign_checkpoint",
    "split_checkpoints",
    "subtree_hash",
    "verify_consistency",
    "verify_inclusion",
    "verify_log",
]
