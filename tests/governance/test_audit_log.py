"""The audit log as stored: every act recorded; any edit, deletion or reordering of stored entries found."""

from __future__ import annotations

import contextlib

from sqlalchemy import delete, select, update

from watchkeeper.errors import AlreadyExistsError
from watchkeeper.governance import galleries
from watchkeeper.governance.audit.checkpoint import open_checkpoint
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.proofs import verify_inclusion
from watchkeeper.governance.audit.verify import FindingKind
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.governance.schema import AuditEntryRow


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
    assert gov.audit.verify(people[Role.AUDITOR]).ok


def test_inclusion_proof_checks_out_against_the_signed_head(gov: Governance, people: dict[Role, Actor]) -> None:
    make_history(gov, people)
    entry, leaf, proof, head = gov.audit.inclusion(people[Role.AUDITOR], 5)
    assert entry is not None
    assert entry.action == "gallery.create"
    checkpoint = open_checkpoint(head, gov.audit.verifier)
    assert checkpoint.size == 9
    verify_inclusion(leaf, 5, checkpoint.size, proof, checkpoint.root_hash)


def tamper_and_verify(gov: Governance, people: dict[Role, Actor], statement: object) -> set[FindingKind]:
    with gov.sessions() as session, session.begin():
        session.execute(statement)  # type: ignore[call-overload]
    report = gov.audit.verify(people[Role.AUDITOR])
    assert not report.ok
    return {f.kind for f in report.findings if f.is_error}


def test_edited_entry_is_found(gov: Governance, people: dict[Role, Actor]) -> None:
    make_history(gov, people)
    with gov.sessions() as session:
        original = session.get(AuditEntryRow, 7)
        assert original is not None
        assert original.canonical is not None
        forged = original.canonical.replace(b"create three", b"create 3rd!!")
    kinds = tamper_and_verify(
        gov, people, update(AuditEntryRow).where(AuditEntryRow.sequence == 7).values(canonical=forged)
    )
    assert FindingKind.ENTRY_ALTERED in kinds


def test_edited_entry_with_recomputed_hash_is_still_found(gov: Governance, people: dict[Role, Actor]) -> None:
    from watchkeeper.governance.audit.merkle import leaf_hash

    make_history(gov, people)
    with gov.sessions() as session, session.begin():
        row = session.get(AuditEntryRow, 5)
        assert row is not None
        assert row.canonical is not None
        row.canonical = row.canonical.replace(b'"actor":"ada"', b'"actor":"bob"')
        row.leaf_hash = leaf_hash(row.canonical)
    report = gov.audit.verify(people[Role.AUDITOR])
    assert not report.ok
    assert any(f.kind is FindingKind.ENTRY_ALTERED and f.position == 5 for f in report.findings)


def test_deleted_entry_is_found(gov: Governance, people: dict[Role, Actor]) -> None:
    make_history(gov, people)
    kinds = tamper_and_verify(gov, people, delete(AuditEntryRow).where(AuditEntryRow.sequence == 3))
    assert FindingKind.ENTRY_MISSING in kinds


def test_reordered_entries_are_found(gov: Governance, people: dict[Role, Actor]) -> None:
    make_history(gov, people)
    with gov.sessions() as session, session.begin():
        first, second = session.get(AuditEntryRow, 4), session.get(AuditEntryRow, 5)
        assert first is not None
        assert second is not None
        first.canonical, second.canonical = second.canonical, first.canonical
        first.leaf_hash, second.leaf_hash = second.leaf_hash, first.leaf_hash
    report = gov.audit.verify(people[Role.AUDITOR])
    assert not report.ok
    assert FindingKind.ENTRY_REORDERED in {f.kind for f in report.findings}


def test_truncated_tail_is_found(gov: Governance, people: dict[Role, Actor]) -> None:
    make_history(gov, people)
    kinds = tamper_and_verify(gov, people, delete(AuditEntryRow).where(AuditEntryRow.sequence >= 6))
    assert FindingKind.ENTRY_MISSING in kinds


def test_failed_act_leaves_no_entry(gov: Governance, people: dict[Role, Actor]) -> None:
    galleries.create_gallery(gov, people[Role.ADMIN], "one", "", "create")
    before = gov.audit.size()
    with contextlib.suppress(AlreadyExistsError):
        galleries.create_gallery(gov, people[Role.ADMIN], "one", "", "again")
    assert gov.audit.size() == before
    assert gov.audit.verify(people[Role.AUDITOR]).ok
