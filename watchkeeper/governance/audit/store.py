"""The audit log kept in the database: appended in the same transaction as the act it records.

Per entry the database keeps its canonical bytes and its leaf hash; per perfect subtree above the leaves,
its hash (``audit_nodes``, written by the append that completes it); per size a signed checkpoint (tree
head). The head row (size and Merkle frontier) is locked by each append, so entries take sequence
numbers one at a time even with several writers, and an append costs O(log n) whatever the log's size.
A proof reads only the O(log n) leaf hashes and nodes it needs (:func:`_stored_hashes`); full verification
recomputes every stored node from the leaves, so a node rewritten in the database is found, and a proof
built on it fails at the client.
The signing key lives in the data directory's ``keys/``; the verifier key beside it is what an outside
auditor needs to check checkpoints. Every commit that appended also writes the database's newest head to
the checkpoints file there (:mod:`.heads_file`), so that cutting the log short in the database shows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from sqlalchemy import event, func, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from watchkeeper.errors import InputError, NotFoundError
from watchkeeper.governance.audit.checkpoint import Checkpoint, Signer, Verifier, open_checkpoint, sign_checkpoint
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.errors import ProofError
from watchkeeper.governance.audit.events import CONFIGURATION_ACTION, PRUNE_ACTION, AuditEvent, AuditPruned
from watchkeeper.governance.audit.heads_file import HEADS_FILE, HeadsFile
from watchkeeper.governance.audit.increment import check_appended
from watchkeeper.governance.audit.merkle import CompactRange, NodeKey, range_hash, tiles
from watchkeeper.governance.audit.proofs import (
    HashOfRange,
    NodeRange,
    consistency_proof,
    consistency_proof_nodes,
    inclusion_proof,
    inclusion_proof_nodes,
)
from watchkeeper.governance.audit.selection import EntryFilter, EntryPage, conditions
from watchkeeper.governance.audit.verify import Head, VerificationReport, runs, verify_log
from watchkeeper.governance.audit.witness import HeadUpdate, check_update
from watchkeeper.governance.clock import Clock
from watchkeeper.governance.db import transaction
from watchkeeper.governance.keyfiles import write_private_file
from watchkeeper.governance.schema import AuditCheckpoint, AuditEntryRow, AuditNode, AuditState
from watchkeeper.private_files import private_directory, restrict_if_present

ORIGIN = "watchkeeper.local/audit"
"""The log's name in its checkpoints, so a checkpoint of one log cannot pass as another's."""
KEY_NAME = "watchkeeper-audit"
SIGNING_KEY_FILE = "audit-signing-key.pem"
VERIFIER_KEY_FILE = "audit-verifier-key.txt"
_STATE_ID = 1
_APPENDED = "watchkeeper.audit.appended"
"""Session flag: this transaction appended, so its commit publishes the newest head to the checkpoints file."""
KEPT_ACTIONS = frozenset({PRUNE_ACTION, CONFIGURATION_ACTION})
"""Entries whose content retention never prunes: they are what shows each prune was allowed (no personal
data: counts, sequences, periods, and the configuration without secrets)."""

logger = logging.getLogger(__name__)


class Author(Protocol):
    """Who an entry names as acting. The log records the name and role it is given and judges neither:
    who may read or write what is the governance layer's to decide before it calls the log."""

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str:
        """The role's name, as the entry records it."""
        ...


class AuditLog:
    """Appends entries and checkpoints; reads them back for verification and proofs.

    Storage only: it checks no permission (``governance.audit_access`` does, for every read an adapter
    makes), so that the audit package stays free of users and roles.
    """

    def __init__(self, sessions: sessionmaker[Session], signer: Signer, clock: Clock, heads: HeadsFile) -> None:
        self.sessions = sessions
        self.signer = signer
        self.clock = clock
        self.heads = heads
        event.listen(sessions, "after_commit", self._after_commit)
        event.listen(sessions, "after_rollback", self._after_rollback)

    @classmethod
    def open(cls, sessions: sessionmaker[Session], keys_dir: Path, clock: Clock) -> AuditLog:
        """The log of this database, signing with the key in ``keys_dir`` (created on first use) and keeping
        its heads in the checkpoints file beside it."""
        log = cls(sessions, _load_or_create_signer(keys_dir), clock, HeadsFile(keys_dir / HEADS_FILE))
        with transaction(sessions) as session:
            if session.get(AuditState, _STATE_ID) is None:
                session.add(AuditState(id=_STATE_ID, size=0, frontier=b""))
        return log

    @property
    def verifier(self) -> Verifier:
        return self.signer.verifier()

    def append(self, session: Session, actor: Author, event: AuditEvent, reason: str) -> AuditEntry:
        """Record ``event``, done by ``actor`` for ``reason``, inside the caller's transaction: it commits, or
        rolls back, with the act."""
        state = session.scalars(select(AuditState).where(AuditState.id == _STATE_ID).with_for_update()).one()
        now = self.clock.now()
        entry = AuditEntry(
            sequence=state.size,
            timestamp=now,
            actor=actor.name,
            role=str(actor.role),
            action=event.ACTION,
            target=event.target(),
            reason=reason,
            details=event.details(),
        )
        leaf = entry.leaf_hash()
        frontier, completed = CompactRange.restore(state.size, state.frontier).extend(leaf)
        session.add(
            AuditEntryRow(sequence=entry.sequence, canonical=entry.canonical_bytes(), leaf_hash=leaf, recorded_at=now)
        )
        session.add_all(AuditNode(level=node.level, position=node.position, hash=node.hash) for node in completed)
        state.size = frontier.size
        state.frontier = frontier.nodes_bytes()
        root = frontier.root()
        signed = sign_checkpoint(Checkpoint(ORIGIN, frontier.size, root), self.signer)
        session.add(AuditCheckpoint(size=frontier.size, root_hash=root, signed_text=signed))
        session.info[_APPENDED] = True
        return entry

    def _after_commit(self, session: Session) -> None:
        """Publish the newest committed head, read afresh: not the one this transaction signed, which a
        rolled-back savepoint may have discarded, and which a concurrent writer may already have overtaken."""
        if session.info.pop(_APPENDED, False):
            self.publish_newest_head()

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(_APPENDED, None)

    def publish_newest_head(self) -> None:
        """Write the database's newest signed head to the checkpoints file, if newer than the file's last.

        The act has committed by now, so a failure here must not undo or fail it: it is logged, and the
        file lags until the next append or verification writes a newer head.
        """
        try:
            newest = self._newest_checkpoint()
            if newest is not None:
                self.heads.append(newest.signed_text, newest.size)
        except OSError as error:
            logger.warning("audit checkpoints file %s not written: %s", self.heads.path, error)

    def _newest_checkpoint(self) -> AuditCheckpoint | None:
        with self.sessions() as session:
            return session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1)).first()

    def newest_head(self) -> str:
        """The newest signed tree head, as signed-note text, for an outside witness to keep."""
        newest = self._newest_checkpoint()
        if newest is None:
            raise NotFoundError("the audit log has no signed tree head yet")
        return newest.signed_text

    def update_since(self, old_size: int, new_size: int | None = None) -> HeadUpdate:
        """The signed head of ``new_size`` entries (default: the newest) and the RFC 9162 consistency proof
        from the tree of ``old_size`` entries, for a witness that keeps only heads (:mod:`.witness`).

        InputError if ``old_size`` is 0 (every log extends the empty one: keep the head itself instead) or
        no signed head of ``new_size`` is stored, or larger than it; a witness whose head is larger than the
        newest has caught the log cut short or rolled back, and the message says so. The proof and the
        old root are read from O(log n) stored leaf hashes and nodes.
        """
        if old_size < 1:
            raise InputError(
                "since", "a consistency proof needs an old size of at least 1 (every log extends the empty one)"
            )
        with self.sessions() as session:
            newest = select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1)
            chosen = newest if new_size is None else select(AuditCheckpoint).where(AuditCheckpoint.size == new_size)
            head = session.scalars(chosen).first()
            if head is None:
                raise NotFoundError(f"the audit log has no signed tree head of size {new_size or 'any'}")
            if old_size > head.size:
                raise InputError(
                    "since",
                    f"the log's signed head is of size {head.size}, smaller than {old_size}: if a head of size "
                    f"{old_size} was signed, the log was cut short or rolled back",
                )
            size, root, signed = head.size, bytes(head.root_hash), head.signed_text
            hashes = _stored_hashes(session, [(0, old_size), *consistency_proof_nodes(old_size, size)])
        proof = tuple(consistency_proof(old_size, size, hashes))
        return HeadUpdate(old_size, size, hashes(0, old_size), root, proof, signed)

    def size(self) -> int:
        with self.sessions() as session:
            state = session.get(AuditState, _STATE_ID)
            return state.size if state else 0

    def verify(self, witness: Sequence[str] = (), kept_by: str = "witness") -> VerificationReport:
        """Check every stored entry against every signed checkpoint, every head in the checkpoints file and
        every ``witness`` head (signed-note texts kept elsewhere, by whoever ``kept_by`` names in findings);
        see :func:`verify_log`.

        A log that verifies heals a checkpoints file that lags it (a crash after a commit, or a log older
        than the file) by appending the newest head, now proven to extend every head in the file.
        """
        heads = [Head("checkpoints file", number, text) for number, text in enumerate(self.heads.read())]
        heads += [Head(kept_by, number, text) for number, text in enumerate(witness)]
        with self.sessions() as session:
            rows = session.execute(
                select(AuditEntryRow.canonical, AuditEntryRow.leaf_hash).order_by(AuditEntryRow.sequence)
            ).all()
            checkpoints = list(session.scalars(select(AuditCheckpoint.signed_text).order_by(AuditCheckpoint.size)))
            stored = session.execute(select(AuditNode.level, AuditNode.position, AuditNode.hash)).all()
        entries = [bytes(c) if c is not None else None for c, _ in rows]
        leaves = [bytes(h) for _, h in rows]
        nodes = {(level, position): bytes(node) for level, position, node in stored}
        report = verify_log(
            entries, checkpoints, self.verifier, leaf_hashes=leaves, origin=ORIGIN, heads=heads, nodes=nodes
        )
        if report.ok and report.latest_checkpoint is not None:
            try:
                self.heads.append(checkpoints[-1], report.latest_checkpoint.size)
            except OSError as error:
                logger.warning("audit checkpoints file %s not written: %s", self.heads.path, error)
        return report

    def verify_appended(self, kept: Checkpoint) -> str:
        """The newest signed head's text, proven to extend ``kept`` (a head verified before), once
        the entries appended since are proven to be those it signs (:func:`.increment.check_appended`), no
        entry lies beyond it, and the checkpoints file's newest head is proven to be extended by it.

        O(new entries + log n): the entries before ``kept`` are not read. Raises what the first check that
        fails raises (AuditError; InputError when the log is now shorter than a head it once signed;
        NotFoundError when a stored hash a proof needs is gone).
        """
        outside = self.heads.newest()  # first: an honest file never runs ahead of the database read after it
        update = self.update_since(kept.size)
        with self.sessions() as session:
            rows = session.execute(
                select(AuditEntryRow.sequence, AuditEntryRow.canonical, AuditEntryRow.leaf_hash)
                .where(AuditEntryRow.sequence >= kept.size, AuditEntryRow.sequence < update.new_size)
                .order_by(AuditEntryRow.sequence)
            ).all()
            last_entry, covered = session.execute(  # one statement, so an append in between cannot split them
                select(
                    select(func.max(AuditEntryRow.sequence)).scalar_subquery(),
                    select(func.max(AuditCheckpoint.size)).scalar_subquery(),
                )
            ).one()
        if last_entry is not None and last_entry >= (covered or 0):
            raise ProofError(f"entries from {covered or 0} to {last_entry} are covered by no signed head")
        appended = [(sequence, bytes(data) if data is not None else None, bytes(leaf)) for sequence, data, leaf in rows]
        new = check_appended(kept, update, appended, self.verifier)
        if outside is not None:
            head = open_checkpoint(outside, self.verifier, ORIGIN)
            check_update(head, self.update_since(head.size, new.size), self.verifier)
        return update.signed

    def entries(self, start: int, limit: int) -> list[tuple[int, AuditEntry | None]]:
        """Up to ``limit`` entries from sequence ``start`` on, each with its sequence number (the entry is
        None where retention has pruned its content; its leaf hash stays in the log)."""
        with self.sessions() as session:
            rows = session.execute(
                select(AuditEntryRow.sequence, AuditEntryRow.canonical)
                .where(AuditEntryRow.sequence >= start)
                .order_by(AuditEntryRow.sequence)
                .limit(limit)
            ).all()
        return [_decoded(sequence, canonical) for sequence, canonical in rows]

    def page(self, criteria: EntryFilter, before: int | None, limit: int) -> EntryPage:
        """Up to ``limit`` of the entries ``criteria`` selects with a sequence below ``before`` (default: all),
        newest first, chosen by the database (:mod:`.selection`): the log is never read whole for a page."""
        chosen = conditions(criteria)
        below = [AuditEntryRow.sequence < before] if before is not None else []
        columns = select(AuditEntryRow.sequence, AuditEntryRow.canonical)
        with self.sessions() as session:
            rows = session.execute(
                columns.where(*chosen, *below).order_by(AuditEntryRow.sequence.desc()).limit(limit + 1)
            ).all()
            newer = (
                []
                if before is None
                else session.scalars(
                    select(AuditEntryRow.sequence)
                    .where(*chosen, AuditEntryRow.sequence >= before)
                    .order_by(AuditEntryRow.sequence)
                    .limit(limit)
                ).all()
            )
        shown = [_decoded(sequence, canonical) for sequence, canonical in rows[:limit]]
        return EntryPage(shown, shown[-1][0] if len(rows) > limit else None, newer[-1] + 1 if newer else None)

    def inclusion(self, sequence: int) -> tuple[AuditEntry | None, bytes, list[bytes], str]:
        """Entry ``sequence`` (None if pruned), its leaf hash, its inclusion proof in the newest tree head,
        and that head's signed text."""
        with self.sessions() as session:
            latest = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1)).first()
            row = session.get(AuditEntryRow, sequence)
            if latest is None or row is None or sequence >= latest.size:
                raise NotFoundError(f"the audit log has no entry {sequence} under a signed tree head")
            size = latest.size
            proof = inclusion_proof(sequence, size, _stored_hashes(session, inclusion_proof_nodes(sequence, size)))
        entry = AuditEntry.from_canonical_bytes(row.canonical) if row.canonical is not None else None
        return entry, bytes(row.leaf_hash), proof, latest.signed_text

    def prune(self, actor: Author, period: timedelta) -> int:
        """Drop the content of entries recorded more than ``period`` (whole days) ago, keeping their leaf
        hashes; audited by a ``retention.audit_pruned`` entry that names exactly the sequences it pruned, the
        period and the cutoff, which is what lets a verifier accept each NULL entry (see :func:`verify_log`).

        Prune and configuration entries keep their content (:data:`KEPT_ACTIONS`): they are the proof that
        every prune was allowed by the retention period in force.
        """
        if period <= timedelta(0) or period % timedelta(days=1):
            raise ValueError(f"the audit retention period must be a whole number of days, got {period}")
        cutoff = self.clock.now() - period
        with transaction(self.sessions) as session:
            stale = session.execute(
                select(AuditEntryRow.sequence, AuditEntryRow.canonical)
                .where(AuditEntryRow.canonical.is_not(None), AuditEntryRow.recorded_at <= cutoff)
                .order_by(AuditEntryRow.sequence)
            ).all()
            doomed = [
                sequence
                for sequence, data in stale
                if AuditEntry.from_canonical_bytes(bytes(data)).action not in KEPT_ACTIONS
            ]
            pruned = runs(doomed)
            for first, last in pruned:
                session.execute(
                    update(AuditEntryRow).where(AuditEntryRow.sequence.between(first, last)).values(canonical=None)
                )
            if doomed:
                pruning = AuditPruned(
                    entries=len(doomed), period_days=period.days, recorded_up_to=cutoff, sequences=tuple(pruned)
                )
                self.append(session, actor, pruning, "audit retention period reached")
        return len(doomed)


def _decoded(sequence: int, canonical: bytes | None) -> tuple[int, AuditEntry | None]:
    """A stored entry with its sequence; None for its content where retention pruned it."""
    return sequence, AuditEntry.from_canonical_bytes(bytes(canonical)) if canonical is not None else None


def _stored_hashes(session: Session, ranges: Iterable[NodeRange]) -> HashOfRange:
    """The hashes of the tree nodes ``ranges``, from the leaf hashes and perfect subtrees that tile them,
    read in two statements: O(log n) rows for the ranges of one proof.

    NotFoundError if a needed row is missing: the database was changed outside the log, which full
    verification names."""
    wanted = {key for start, end in ranges for key in tiles(start, end)}
    leaves = [position for level, position in wanted if level == 0]
    interior = [key for key in wanted if key[0] > 0]
    known: dict[NodeKey, bytes] = {}
    if leaves:
        rows = session.execute(
            select(AuditEntryRow.sequence, AuditEntryRow.leaf_hash).where(AuditEntryRow.sequence.in_(leaves))
        )
        known.update(((0, sequence), bytes(leaf)) for sequence, leaf in rows)
    if interior:
        rows = session.execute(
            select(AuditNode.level, AuditNode.position, AuditNode.hash).where(
                tuple_(AuditNode.level, AuditNode.position).in_(interior)
            )
        )
        known.update(((level, position), bytes(node)) for level, position, node in rows)
    missing = sorted(wanted - known.keys())
    if missing:
        level, position = missing[0]
        raise NotFoundError(
            f"the audit log's stored hash of the {1 << level} leaves from {position << level} is missing: "
            "the database was changed outside the log (audit verify names what else)"
        )
    return lambda start, end: range_hash(start, end, known.__getitem__)


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
