"""The audit log kept in the database: appended in the same transaction as the act it records.

Per entry the database keeps its canonical bytes and its leaf hash; per size a signed checkpoint (tree
head). The head row (size and Merkle frontier) is locked by each append, so entries take sequence
numbers one at a time even with several writers, and an append costs O(log n) whatever the log's size.
The signing key lives in the data directory's ``keys/``; the verifier key beside it is what an outside
auditor needs to check checkpoints.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from watchkeeper.errors import NotFoundError
from watchkeeper.governance.audit.checkpoint import Checkpoint, Signer, Verifier, sign_checkpoint
from watchkeeper.governance.audit.entry import AuditEntry, JsonValue
from watchkeeper.governance.audit.merkle import CompactRange, subtree_hash
from watchkeeper.governance.audit.proofs import inclusion_proof
from watchkeeper.governance.audit.verify import VerificationReport, verify_log
from watchkeeper.governance.clock import Clock
from watchkeeper.governance.db import transaction
from watchkeeper.governance.keyfiles import write_private_file
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import AuditCheckpoint, AuditEntryRow, AuditState
from watchkeeper.private_files import private_directory, restrict_if_present

ORIGIN = "watchkeeper.local/audit"
"""The log's name in its checkpoints, so a checkpoint of one log cannot pass as another's."""
KEY_NAME = "watchkeeper-audit"
SIGNING_KEY_FILE = "audit-signing-key.pem"
VERIFIER_KEY_FILE = "audit-verifier-key.txt"
_STATE_ID = 1


class AuditLog:
    """Appends entries and checkpoints; reads them back for verification and proofs."""

    def __init__(self, sessions: sessionmaker[Session], signer: Signer, clock: Clock) -> None:
        self.sessions = sessions
        self.signer = signer
        self.clock = clock

    @classmethod
    def open(cls, sessions: sessionmaker[Session], keys_dir: Path, clock: Clock) -> AuditLog:
        """The log of this database, signing with the key in ``keys_dir`` (created on first use)."""
        log = cls(sessions, _load_or_create_signer(keys_dir), clock)
        with transaction(sessions) as session:
            if session.get(AuditState, _STATE_ID) is None:
                session.add(AuditState(id=_STATE_ID, size=0, frontier=b""))
        return log

    @property
    def verifier(self) -> Verifier:
        return self.signer.verifier()

    def append(
        self,
        session: Session,
        actor: Actor,
        action: str,
        target: str,
        reason: str,
        details: Mapping[str, JsonValue],
    ) -> AuditEntry:
        """Record an act inside the caller's transaction: it commits, or rolls back, with the act."""
        state = session.scalars(select(AuditState).where(AuditState.id == _STATE_ID).with_for_update()).one()
        now = self.clock.now()
        entry = AuditEntry(
            sequence=state.size,
            timestamp=now,
            actor=actor.name,
            role=actor.role.value,
            action=action,
            target=target,
            reason=reason,
            details=dict(details),
        )
        leaf = entry.leaf_hash()
        frontier = CompactRange.restore(state.size, state.frontier).append(leaf)
        session.add(
            AuditEntryRow(sequence=entry.sequence, canonical=entry.canonical_bytes(), leaf_hash=leaf, recorded_at=now)
        )
        state.size = frontier.size
        state.frontier = frontier.nodes_bytes()
        root = frontier.root()
        signed = sign_checkpoint(Checkpoint(ORIGIN, frontier.size, root), self.signer)
        session.add(AuditCheckpoint(size=frontier.size, root_hash=root, signed_text=signed))
        return entry

    def size(self) -> int:
        with self.sessions() as session:
            state = session.get(AuditState, _STATE_ID)
            return state.size if state else 0

    def verify(self, actor: Actor) -> VerificationReport:
        """Check every stored entry against every signed checkpoint (see :func:`verify_log`)."""
        actor.require(Permission.READ_AUDIT)
        with self.sessions() as session:
            rows = session.execute(
                select(AuditEntryRow.canonical, AuditEntryRow.leaf_hash).order_by(AuditEntryRow.sequence)
            ).all()
            checkpoints = list(session.scalars(select(AuditCheckpoint.signed_text).order_by(AuditCheckpoint.size)))
        entries = [bytes(c) if c is not None else None for c, _ in rows]
        return verify_log(entries, checkpoints, self.verifier, leaf_hashes=[bytes(h) for _, h in rows], origin=ORIGIN)

    def entries(self, actor: Actor, start: int, limit: int) -> list[tuple[int, AuditEntry | None]]:
        """Up to ``limit`` entries from sequence ``start`` on, each with its sequence number (the entry is
        None where retention has pruned its content; its leaf hash stays in the log)."""
        actor.require(Permission.READ_AUDIT)
        with self.sessions() as session:
            rows = session.execute(
                select(AuditEntryRow.sequence, AuditEntryRow.canonical)
                .where(AuditEntryRow.sequence >= start)
                .order_by(AuditEntryRow.sequence)
                .limit(limit)
            ).all()
        return [
            (sequence, AuditEntry.from_canonical_bytes(bytes(c)) if c is not None else None) for sequence, c in rows
        ]

    def inclusion(self, actor: Actor, sequence: int) -> tuple[AuditEntry | None, bytes, list[bytes], str]:
        """Entry ``sequence`` (None if pruned), its leaf hash, its inclusion proof in the newest tree head,
        and that head's signed text."""
        actor.require(Permission.READ_AUDIT)
        with self.sessions() as session:
            latest = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1)).first()
            row = session.get(AuditEntryRow, sequence)
            if latest is None or row is None or sequence >= latest.size:
                raise NotFoundError(f"the audit log has no entry {sequence} under a signed tree head")
            leaves = [
                bytes(h) for h in session.scalars(select(AuditEntryRow.leaf_hash).order_by(AuditEntryRow.sequence))
            ]
        size = latest.size
        proof = inclusion_proof(sequence, size, lambda start, end: subtree_hash(leaves, start, end))
        entry = AuditEntry.from_canonical_bytes(row.canonical) if row.canonical is not None else None
        return entry, bytes(row.leaf_hash), proof, latest.signed_text

    def prune(self, actor: Actor, cutoff: datetime) -> int:
        """Drop the content of entries recorded at or before ``cutoff``, keeping their leaf hashes; audited."""
        with transaction(self.sessions) as session:
            stale = AuditEntryRow.canonical.is_not(None) & (AuditEntryRow.recorded_at <= cutoff)
            count = session.scalar(select(func.count()).select_from(AuditEntryRow).where(stale)) or 0
            session.execute(update(AuditEntryRow).where(stale).values(canonical=None))
            if count:
                self.append(
                    session,
                    actor,
                    "retention.audit_pruned",
                    "audit",
                    "audit retention period reached",
                    {"entries": count, "recorded_up_to": cutoff.isoformat()},
                )
        return int(count)


def _load_or_create_signer(keys_dir: Path) -> Signer:
    key_file = keys_dir / SIGNING_KEY_FILE
    if key_file.is_file():
        private_directory(keys_dir)  # tightened, if an older version left it readable by others
        for path in keys_dir.iterdir():
            restrict_if_present(path)
        return Signer.from_pem(KEY_NAME, key_file.read_bytes())
    signer = Signer.generate(KEY_NAME)
    write_private_file(key_file, signer.to_pem())
    write_private_file(keys_dir / VERIFIER_KEY_FILE, (signer.verifier().to_text() + "\n").encode())
    return signer
