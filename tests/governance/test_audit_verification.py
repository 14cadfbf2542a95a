"""The audit log verified on every look without re-hashing it whole: a second look hashes only the new
entries; cutting the log short or changing a new entry is found on the next look; an old entry changed
after it was verified is found by verifying the whole log, which then stays failed on every look."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from tests.governance.test_audit_log import _cut_short, _rehash, make_history
from watchkeeper.governance import galleries
from watchkeeper.governance.audit import increment, verify
from watchkeeper.governance.audit.verify import FindingKind
from watchkeeper.governance.audit_verification import KEPT_BY, LogCheck, LogVerifier
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, PermissionDeniedError, Role
from watchkeeper.governance.schema import AuditCheckpoint, AuditEntryRow

VERIFIED = 9
"""The entries of ``make_history``: configuration, four users, three galleries made, one deleted."""


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many entries' bytes the verifiers hash, counted where they hash them."""
    count = [0]
    for module in (verify, increment):
        original = module.leaf_hash

        def counting(data: bytes, original: Callable[[bytes], bytes] = original) -> bytes:
            count[0] += 1
            return original(data)

        monkeypatch.setattr(module, "leaf_hash", counting)
    return count


def verified_once(gov: Governance, people: dict[Role, Actor]) -> tuple[LogVerifier, Actor]:
    make_history(gov, people)
    checker = LogVerifier(gov)
    assert checker.check(people[Role.AUDITOR]).report.ok
    return checker, people[Role.AUDITOR]


def append_two(gov: Governance, people: dict[Role, Actor]) -> None:
    for name in ("four", "five"):
        galleries.create_gallery(gov, people[Role.ADMIN], name, "", f"create {name}")


def errors(check: LogCheck) -> set[FindingKind]:
    return {finding.kind for finding in check.report.findings if finding.is_error}


def test_a_second_look_hashes_only_the_entries_appended_since(
    gov: Governance, people: dict[Role, Actor], hashed: list[int]
) -> None:
    make_history(gov, people)
    checker = LogVerifier(gov)
    auditor = people[Role.AUDITOR]
    first = checker.check(auditor)
    assert (first.report.ok, first.rehashed, first.went_on_from, hashed[0]) == (True, VERIFIED, 0, VERIFIED)
    assert first.whole_log_at == gov.clock.now()
    append_two(gov, people)
    hashed[0] = 0
    second = checker.check(auditor)
    assert second.report.ok, second.report.findings
    assert (second.rehashed, second.went_on_from, hashed[0]) == (2, VERIFIED, 2)
    assert second.report.size == VERIFIED + 2
    assert second.whole_log_at == first.whole_log_at
    hashed[0] = 0
    assert checker.check(auditor).rehashed == hashed[0] == 0


def _edit_new_entry(session: Session) -> None:
    row = session.get(AuditEntryRow, VERIFIED + 1)
    assert row is not None
    assert row.canonical is not None
    row.canonical = row.canonical.replace(b"create five", b"create 5th!")


def _edit_new_entry_and_rehash(session: Session) -> None:
    row = session.get(AuditEntryRow, VERIFIED)
    assert row is not None
    _rehash(row, b'"actor":"ada"', b'"actor":"bob"')


TAMPERS: dict[str, tuple[Callable[[Session], object], set[FindingKind]]] = {
    "cut short below the verified head": (_cut_short, {FindingKind.LOG_SHRANK}),
    "new entry edited": (_edit_new_entry, {FindingKind.ENTRY_ALTERED}),
    "new entry edited, hash recomputed": (_edit_new_entry_and_rehash, {FindingKind.ENTRY_ALTERED}),
    "new entry deleted, checkpoints kept": (
        lambda s: s.execute(delete(AuditEntryRow).where(AuditEntryRow.sequence == VERIFIED + 1)),
        {FindingKind.ENTRY_MISSING},
    ),
    "new entries' checkpoints deleted": (
        lambda s: s.execute(delete(AuditCheckpoint).where(AuditCheckpoint.size > VERIFIED)),
        {FindingKind.ENTRIES_UNCOVERED},
    ),
}


@pytest.mark.parametrize("name", TAMPERS)
def test_tampering_after_the_verified_head_is_found_on_the_next_look(
    gov: Governance, people: dict[Role, Actor], name: str
) -> None:
    checker, auditor = verified_once(gov, people)
    append_two(gov, people)
    tamper, expected = TAMPERS[name]
    with gov.sessions() as session, session.begin():
        tamper(session)
    check = checker.check(auditor)
    assert check.fallback is not None
    assert not check.report.ok
    assert expected <= errors(check), check.report.findings
    assert (check.went_on_from, check.rehashed) == (0, check.report.size)


def test_a_log_cut_short_with_its_checkpoints_file_fails_against_the_kept_head(
    gov: Governance, people: dict[Role, Actor]
) -> None:
    """Whoever rewrites the database and the checkpoints file alike still meets the head this process kept."""
    checker, auditor = verified_once(gov, people)
    with gov.sessions() as session, session.begin():
        _cut_short(session)
    heads = gov.audit.heads
    heads.path.write_text("\n".join(heads.read()[:6]) + "\n")
    check = checker.check(auditor)
    assert not check.report.ok
    shrank = check.report.of_kind(FindingKind.LOG_SHRANK)
    assert [finding.source for finding in shrank] == [KEPT_BY]


def test_an_old_entry_changed_after_verifying_is_found_by_verifying_the_whole_log(
    gov: Governance, people: dict[Role, Actor]
) -> None:
    checker, auditor = verified_once(gov, people)
    with gov.sessions() as session, session.begin():
        row = session.get(AuditEntryRow, 5)
        assert row is not None
        _rehash(row, b"create one", b"create 1st")
    assert checker.check(auditor).report.ok  # its bytes are not read again: what the page says it leaves open
    whole = checker.check_whole_log(auditor)
    assert FindingKind.ENTRY_ALTERED in errors(whole)
    again = checker.check(auditor)  # from then on every look verifies the whole log, and fails
    assert (again.went_on_from, FindingKind.ENTRY_ALTERED in errors(again)) == (0, True)


def test_a_pruned_new_entry_is_left_to_whole_log_verification(gov: Governance, people: dict[Role, Actor]) -> None:
    """Only the whole log shows whether retention allowed a prune; here none did."""
    checker, auditor = verified_once(gov, people)
    append_two(gov, people)
    with gov.sessions() as session, session.begin():
        session.execute(update(AuditEntryRow).where(AuditEntryRow.sequence == VERIFIED).values(canonical=None))
    check = checker.check(auditor)
    assert check.fallback is not None
    assert "pruned" in check.fallback
    assert FindingKind.ENTRY_PRUNED_UNACCOUNTED in errors(check)


def test_only_roles_that_read_the_audit_log_may_verify_it(gov: Governance, people: dict[Role, Actor]) -> None:
    checker = LogVerifier(gov)
    for look in (checker.check, checker.check_whole_log):
        with pytest.raises(PermissionDeniedError):
            look(people[Role.OPERATOR])
