"""The audit log as stored: every act recorded; any edit, deletion or reordering of stored entries found."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from watchkeeper.errors import AlreadyExistsError
from watchkeeper.governance import audit_access, galleries
from watchkeeper.governance.audit.checkpoint import open_checkpoint
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.merkle import CompactRange, leaf_hash
from watchkeeper.governance.audit.proofs import verify_consistency, verify_inclusion
from watchkeeper.governance.audit.verify import FindingKind
from watchkeeper.governance.audit.witness import check_update
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.governance.schema import AuditCheckpoint, AuditEntryRow, AuditNode, AuditState


def make_history(gov: Governance, people: dict[Role, Actor]) -> None:
    for name in ("one", "two", "three"):
        galleries.create_gallery(gov, people[Role.ADMIN], name, "", f"create {name}")
    galleries.delete_gallery(gov, people[Role.ADMIN], "two", "not needed")


def stored_entries(gov: Governance) -> list[AuditEntry]:
    with gov.sessions() as session:
        rows = session.scalars(select(AuditEntryRow.canonical).order_by(AuditEntryRow.sequence)).all()
    return [AuditEntry.from_canonical_bytes(row) for row in rows if row is not None]


def test_every_act_is_an_entry_with_who_what_and_why(gov: Governance, people: dict[Role, Actor]) -> None:
    make_history(gov, people)
    entries = stored_entries(gov)
    assert [e.action for e in entries] == ["config.change"] + ["user.add"] * 4 + ["gallery.create"] * 3 + [
        "gallery.delete"
    ]
    assert [e.sequence for e in entries] == list(range(9))
    last = entries[-1]
    assert (last.actor, last.role, last.target, last.reason) == ("ada", "admin", "gallery:two", "not needed")
    assert last.timestamp == gov.clock.now()
    assert audit_access.verify(gov, people[Role.AUDITOR]).ok


def test_inclusion_proof_checks_out_against_the_signed_head(gov: Governance, people: dict[Role, Actor]) -> None:
    make_history(gov, people)
    entry, leaf, proof, head = audit_access.inclusion(gov, people[Role.AUDITOR], 5)
    assert entry is not None
    assert entry.action == "gallery.create"
    checkpoint = open_checkpoint(head, gov.audit.verifier)
    assert checkpoint.size == 9
    verify_inclusion(leaf, 5, checkpoint.size, proof, checkpoint.root_hash)


def _rehash(row: AuditEntryRow, old: bytes, new: bytes) -> None:
    assert row.canonical is not None
    row.canonical = row.canonical.replace(old, new)
    row.leaf_hash = leaf_hash(row.canonical)


def _edit(session: Session) -> None:
    row = session.get(AuditEntryRow, 7)
    assert row is not None
    assert row.canonical is not None
    row.canonical = row.canonical.replace(b"create three", b"create 3rd!!")


def _edit_and_rehash(session: Session) -> None:
    row = session.get(AuditEntryRow, 5)
    assert row is not None
    _rehash(row, b'"actor":"ada"', b'"actor":"bob"')


def _reorder(session: Session) -> None:
    first, second = session.get(AuditEntryRow, 4), session.get(AuditEntryRow, 5)
    assert first is not None
    assert second is not None
    first.canonical, second.canonical = second.canonical, first.canonical
    first.leaf_hash, second.leaf_hash = second.leaf_hash, first.leaf_hash


def _cut_short(session: Session) -> None:
    """The newest entries go, with their checkpoints and the head row, as if they had never been written."""
    session.execute(delete(AuditEntryRow).where(AuditEntryRow.sequence >= 6))
    session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.size > 6))
    frontier = CompactRange.of(session.scalars(select(AuditEntryRow.leaf_hash).order_by(AuditEntryRow.sequence)))
    session.execute(update(AuditState).values(size=frontier.size, frontier=frontier.nodes_bytes()))


def _blank(session: Session) -> None:
    session.execute(delete(AuditEntryRow))
    session.execute(delete(AuditCheckpoint))
    session.execute(update(AuditState).values(size=0, frontier=b""))


def _unsign_then_edit(session: Session) -> None:
    session.execute(delete(AuditCheckpoint))
    row = session.get(AuditEntryRow, 6)
    assert row is not None
    _rehash(row, b"create two", b"create 2nd")


def _older_head_as_newest(session: Session) -> None:
    older = session.get(AuditCheckpoint, 8)
    newest = session.get(AuditCheckpoint, 9)
    assert older is not None
    assert newest is not None
    newest.signed_text = older.signed_text


TAMPERS: dict[str, tuple[Callable[[Session], object], set[FindingKind]]] = {
    "edited entry": (_edit, {FindingKind.ENTRY_ALTERED}),
    "edited entry, hash recomputed": (_edit_and_rehash, {FindingKind.ENTRY_ALTERED}),
    "deleted entry": (
        lambda s: s.execute(delete(AuditEntryRow).where(AuditEntryRow.sequence == 3)),
        {FindingKind.ENTRY_MISSING},
    ),
    "reordered entries": (_reorder, {FindingKind.ENTRY_REORDERED}),
    "tail deleted, checkpoints kept": (
        lambda s: s.execute(delete(AuditEntryRow).where(AuditEntryRow.sequence >= 6)),
        {FindingKind.ENTRY_MISSING, FindingKind.LOG_SHRANK},
    ),
    "cut short with its checkpoints": (_cut_short, {FindingKind.LOG_SHRANK, FindingKind.CHECKPOINT_ROLLED_BACK}),
    "blanked": (_blank, {FindingKind.LOG_SHRANK, FindingKind.CHECKPOINT_ROLLED_BACK}),
    "content set to NULL": (
        lambda s: s.execute(update(AuditEntryRow).where(AuditEntryRow.sequence == 5).values(canonical=None)),
        {FindingKind.ENTRY_PRUNED_UNACCOUNTED},
    ),
    "checkpoints deleted, then an entry edited": (
        _unsign_then_edit,
        {FindingKind.ENTRIES_UNCOVERED, FindingKind.HEAD_INCONSISTENT},
    ),
    "newest checkpoint replaced by an older signed one": (
        _older_head_as_newest,
        {FindingKind.ENTRIES_UNCOVERED, FindingKind.CHECKPOINT_ROLLED_BACK},
    ),
    "stored node rewritten": (
        lambda s: s.execute(update(AuditNode).where(AuditNode.level == 2).values(hash=bytes(32))),
        {FindingKind.NODE_ALTERED},
    ),
}


@pytest.mark.parametrize("name", TAMPERS)
def test_tampering_in_the_database_fails_verification(gov: Governance, people: dict[Role, Actor], name: str) -> None:
    """Each tamper, done directly in the database, is an error of the expected kinds: the heads kept outside
    the database (the checkpoints file) still know what was signed."""
    make_history(gov, people)
    tamper, expected = TAMPERS[name]
    with gov.sessions() as session, session.begin():
        tamper(session)
    report = audit_access.verify(gov, people[Role.AUDITOR])
    assert not report.ok
    errors = {finding.kind for finding in report.findings if finding.is_error}
    assert expected <= errors, report.findings


def test_failed_act_leaves_no_entry(gov: Governance, people: dict[Role, Actor]) -> None:
    galleries.create_gallery(gov, people[Role.ADMIN], "one", "", "create")
    before = gov.audit.size()
    with contextlib.suppress(AlreadyExistsError):
        galleries.create_gallery(gov, people[Role.ADMIN], "one", "", "again")
    assert gov.audit.size() == before
    assert audit_access.verify(gov, people[Role.AUDITOR]).ok


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_consistency_proofs_between_any_two_sizes_of_the_stored_log_verify(
    gov: Governance, people: dict[Role, Actor], data: st.DataObject
) -> None:
    if gov.audit.size() < 20:  # one stored log for all examples: the fixture is not reset between them
        for number in range(20):
            galleries.create_gallery(gov, people[Role.ADMIN], f"g{number}", "", "cases")
    size = gov.audit.size()
    old_size = data.draw(st.integers(1, size), label="old size")
    new_size = data.draw(st.integers(old_size, size), label="new size")
    update = audit_access.update_since(gov, people[Role.AUDITOR], old_size, new_size)
    with gov.sessions() as session:
        signed = {cp.size: cp.signed_text for cp in session.scalars(select(AuditCheckpoint))}
    old = open_checkpoint(signed[old_size], gov.audit.verifier)
    new = open_checkpoint(update.signed, gov.audit.verifier)
    assert (update.old_size, update.new_size, new.size) == (old_size, new_size, new_size)
    verify_consistency(old_size, new_size, old.root_hash, new.root_hash, update.proof)
    assert check_update(old, update, gov.audit.verifier) == new
