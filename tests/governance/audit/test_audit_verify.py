"""Whole-log verification: a clean log passes; each kind of tampering is reported with its kind and position."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watchkeeper.governance.audit.checkpoint import Checkpoint, Signer, sign_checkpoint
from watchkeeper.governance.audit.entry import AuditEntry, JsonValue
from watchkeeper.governance.audit.merkle import EMPTY_ROOT, leaf_hash, root_hash
from watchkeeper.governance.audit.verify import Finding, FindingKind, Head, VerificationReport, verify_log

ORIGIN = "watchkeeper.example/audit"
SIGNER = Signer(ORIGIN, hashlib.sha256(b"verify test key").digest())
VERIFIER = SIGNER.verifier()
START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
ACTIONS = ["gallery.create", "subject.enrol", "search.run", "subject.remove", "retention.enforce", "config.change"]


def entry(sequence: int, reason: str | None = None) -> AuditEntry:
    return AuditEntry(
        sequence=sequence,
        timestamp=START + timedelta(minutes=sequence),
        actor="system" if sequence % 5 == 4 else f"officer{sequence % 3}",
        role="system" if sequence % 5 == 4 else "operator",
        action=ACTIONS[sequence % len(ACTIONS)],
        target=f"gallery:custody/subject:{sequence}",
        reason=reason if reason is not None else ("" if sequence % 5 == 4 else f"case {1000 + sequence}"),
        details={"step": sequence},
    )


def log(size: int) -> list[bytes]:
    return [entry(sequence).canonical_bytes() for sequence in range(size)]


def checkpoints(entries: Sequence[bytes], sizes: Sequence[int], signer: Signer = SIGNER) -> list[str]:
    """Signed checkpoints of the given sizes, as the writer would have made them at the time."""
    hashes = [leaf_hash(data) for data in entries]
    return [sign_checkpoint(Checkpoint(ORIGIN, size, root_hash(hashes[:size])), signer) for size in sizes]


def summary(report: VerificationReport) -> set[tuple[FindingKind, int | None, int | None, int | None]]:
    return {(finding.kind, finding.position, finding.sequence, finding.checkpoint) for finding in report.findings}


def kinds(report: VerificationReport) -> set[FindingKind]:
    return {finding.kind for finding in report.findings}


N = 10
ORIGINAL = log(N)
EVERY_APPEND = checkpoints(ORIGINAL, range(1, N + 1))


def test_clean_log_verifies() -> None:
    report = verify_log(ORIGINAL, EVERY_APPEND, VERIFIER, leaf_hashes=[leaf_hash(data) for data in ORIGINAL])
    assert report.ok
    assert report.findings == ()
    assert report.size == N
    assert report.root_hash == root_hash([leaf_hash(data) for data in ORIGINAL])
    assert report.latest_checkpoint == Checkpoint(ORIGIN, N, report.root_hash)


def test_empty_log_verifies() -> None:
    report = verify_log([], [], VERIFIER)
    assert (report.ok, report.size, report.root_hash, report.latest_checkpoint, report.findings) == (
        True,
        0,
        EMPTY_ROOT,
        None,
        (),
    )
    assert verify_log([], checkpoints([], [0]), VERIFIER).latest_checkpoint == Checkpoint(ORIGIN, 0, EMPTY_ROOT)


def test_edited_field_is_pinned_to_its_entry() -> None:
    tampered = list(ORIGINAL)
    tampered[3] = entry(3, reason="routine check").canonical_bytes()
    report = verify_log(tampered, EVERY_APPEND, VERIFIER)
    assert not report.ok
    assert summary(report) == {
        (FindingKind.ENTRY_ALTERED, 3, None, None),
        (FindingKind.CHECKPOINT_INCONSISTENT, None, None, 3),
    }
    assert "position 3 are not those checkpoint #3 signed" in report.of_kind(FindingKind.ENTRY_ALTERED)[0].message
    assert "6 later checkpoints disagree too" in report.of_kind(FindingKind.CHECKPOINT_INCONSISTENT)[0].message
    assert report.latest_checkpoint is not None
    assert report.latest_checkpoint.size == 3


def test_edited_field_is_localised_between_sparse_checkpoints() -> None:
    tampered = list(ORIGINAL)
    tampered[5] = entry(5, reason="routine check").canonical_bytes()
    report = verify_log(tampered, checkpoints(ORIGINAL, [4, 8, 10]), VERIFIER)
    altered = report.of_kind(FindingKind.ENTRY_ALTERED)
    assert [finding.position for finding in altered] == [4]
    assert "positions 4 to 7" in altered[0].message


def test_stored_leaf_hashes_pinpoint_a_naive_edit() -> None:
    stored = [leaf_hash(data) for data in ORIGINAL]
    tampered = list(ORIGINAL)
    tampered[6] = entry(6, reason="routine check").canonical_bytes()
    report = verify_log(tampered, checkpoints(ORIGINAL, [10]), VERIFIER, leaf_hashes=stored)
    assert {(f.kind, f.position) for f in report.of_kind(FindingKind.ENTRY_ALTERED)} == {
        (FindingKind.ENTRY_ALTERED, 6),  # from the stored hash: exact
        (FindingKind.ENTRY_ALTERED, 0),  # from the only checkpoint: somewhere in 0..9
    }


def test_deleted_entry_is_reported_missing() -> None:
    tampered = ORIGINAL[:2] + ORIGINAL[3:]
    report = verify_log(tampered, EVERY_APPEND, VERIFIER)
    assert summary(report) == {
        (FindingKind.ENTRY_MISSING, 2, 2, None),
        (FindingKind.ENTRY_ALTERED, 2, None, None),
        (FindingKind.CHECKPOINT_INCONSISTENT, None, None, 2),
    }
    assert report.of_kind(FindingKind.ENTRY_MISSING)[0].message == "sequence 2 is missing: no stored entry has it"


def test_deleted_tail_is_reported_missing() -> None:
    report = verify_log(ORIGINAL[:7], EVERY_APPEND, VERIFIER)
    assert summary(report) == {(FindingKind.ENTRY_MISSING, 7, 7, None)}
    assert "sequences 7 to 9 are missing" in report.findings[0].message
    assert report.latest_checkpoint is not None
    assert report.latest_checkpoint.size == 7


def test_deletion_with_renumbering_is_caught_by_the_checkpoints() -> None:
    """An intruder deletes entry 4 and renumbers the rest: the sequences look fine, the roots do not."""
    renumbered = ORIGINAL[:4] + [
        dataclasses.replace(AuditEntry.from_canonical_bytes(data), sequence=sequence).canonical_bytes()
        for sequence, data in enumerate(ORIGINAL[5:], start=4)
    ]
    stored = [leaf_hash(data) for data in renumbered]  # recomputed by the intruder
    report = verify_log(renumbered, EVERY_APPEND, VERIFIER, leaf_hashes=stored)
    assert summary(report) == {
        (FindingKind.ENTRY_ALTERED, 4, None, None),
        (FindingKind.CHECKPOINT_INCONSISTENT, None, None, 4),
        (FindingKind.ENTRY_MISSING, 9, 9, None),
    }


def test_swapped_entries_are_reported_reordered() -> None:
    tampered = list(ORIGINAL)
    tampered[2], tampered[3] = tampered[3], tampered[2]
    report = verify_log(tampered, EVERY_APPEND, VERIFIER)
    assert summary(report) == {
        (FindingKind.ENTRY_REORDERED, 3, 2, None),
        (FindingKind.ENTRY_ALTERED, 2, None, None),
        (FindingKind.CHECKPOINT_INCONSISTENT, None, None, 2),
    }
    assert "sequence 2 is stored at position 3, after sequence 3 at position 2" in report.findings[0].message


def test_duplicated_entry_is_reported() -> None:
    tampered = [*ORIGINAL[:4], ORIGINAL[2], *ORIGINAL[4:]]
    report = verify_log(tampered, EVERY_APPEND, VERIFIER)
    assert (FindingKind.ENTRY_DUPLICATED, 4, 2, None) in summary(report)
    assert FindingKind.ENTRY_REORDERED not in kinds(report)
    assert (FindingKind.ENTRY_ALTERED, 4, None, None) in summary(report)


def test_malformed_entry_is_reported_but_not_also_missing() -> None:
    tampered = list(ORIGINAL)
    tampered[5] = tampered[5].replace(b'"sequence":5', b'"sequence": 5')
    report = verify_log(tampered, EVERY_APPEND, VERIFIER)
    assert summary(report) == {
        (FindingKind.ENTRY_MALFORMED, 5, None, None),
        (FindingKind.ENTRY_ALTERED, 5, None, None),
        (FindingKind.CHECKPOINT_INCONSISTENT, None, None, 5),
    }


def test_checkpoint_with_a_bad_signature_is_reported() -> None:
    forged = EVERY_APPEND[9].replace(f"\n{N}\n", f"\n{N - 1}\n")
    impostor = checkpoints(ORIGINAL, [N], Signer(ORIGIN, hashlib.sha256(b"impostor").digest()))[0]
    report = verify_log(ORIGINAL, [*EVERY_APPEND[:9], forged, impostor], VERIFIER)
    assert summary(report) == {
        (FindingKind.CHECKPOINT_INVALID, None, None, 9),
        (FindingKind.CHECKPOINT_INVALID, None, None, 10),
        (FindingKind.ENTRIES_UNCOVERED, 9, None, None),
    }
    assert "does not verify" in report.findings[0].message
    assert "no signature by key" in report.findings[1].message


def test_validly_signed_checkpoint_that_contradicts_later_history_is_reported() -> None:
    """A checkpoint signed with the right key but a wrong root (key misuse, a buggy or split-view writer)."""
    wrong = sign_checkpoint(Checkpoint(ORIGIN, 4, hashlib.sha256(b"another history").digest()), SIGNER)
    report = verify_log(ORIGINAL, [*EVERY_APPEND[:3], wrong, *EVERY_APPEND[4:]], VERIFIER)
    assert summary(report) == {(FindingKind.CHECKPOINT_INCONSISTENT, None, None, 3)}
    assert "a later checkpoint of size 10 matches the stored log" in report.findings[0].message
    assert not report.ok


def test_checkpoint_of_another_log_is_reported() -> None:
    report = verify_log(ORIGINAL, EVERY_APPEND, VERIFIER, origin="other.example/audit")
    assert {finding.kind for finding in report.findings} == {
        FindingKind.CHECKPOINT_INVALID,
        FindingKind.ENTRIES_UNCOVERED,
    }
    assert len(report.of_kind(FindingKind.CHECKPOINT_INVALID)) == N


def test_entries_beyond_the_last_checkpoint_are_an_error() -> None:
    """Every append signs a head, so an entry no head covers was not written by the log's writer."""
    longer = log(N + 3)
    report = verify_log(longer, EVERY_APPEND, VERIFIER)
    assert not report.ok
    assert summary(report) == {(FindingKind.ENTRIES_UNCOVERED, N, None, None)}
    assert report.findings[0].message.startswith(f"entries {N} to {N + 2} are not covered by any signed checkpoint")
    assert report.latest_checkpoint is not None
    assert report.latest_checkpoint.size == N
    assert verify_log(longer, [], VERIFIER).findings[0].position == 0


IMPOSTOR = Signer(ORIGIN, hashlib.sha256(b"impostor").digest())
EDITED = [*ORIGINAL[:3], entry(3, reason="routine check").canonical_bytes(), *ORIGINAL[4:]]

OUTSIDE_HEADS: dict[str, tuple[list[bytes], list[str], list[str], set[FindingKind]]] = {
    # name: (stored entries, stored checkpoints, heads kept outside, the findings expected)
    "intact, heads up to date": (ORIGINAL, EVERY_APPEND, EVERY_APPEND, set()),
    "intact, outside heads lag behind": (ORIGINAL, EVERY_APPEND, EVERY_APPEND[:5], set()),
    "cut short with its checkpoints": (
        ORIGINAL[:7],
        EVERY_APPEND[:7],
        EVERY_APPEND[9:],
        {FindingKind.LOG_SHRANK, FindingKind.CHECKPOINT_ROLLED_BACK},
    ),
    "blanked": ([], [], EVERY_APPEND[9:], {FindingKind.LOG_SHRANK, FindingKind.CHECKPOINT_ROLLED_BACK}),
    "newest checkpoint replaced by an older one": (
        ORIGINAL,
        [*EVERY_APPEND[:9], EVERY_APPEND[8]],
        EVERY_APPEND[9:],
        {FindingKind.ENTRIES_UNCOVERED, FindingKind.CHECKPOINT_ROLLED_BACK},
    ),
    "checkpoints deleted, then an entry edited": (
        EDITED,
        [],
        EVERY_APPEND[9:],
        {FindingKind.ENTRIES_UNCOVERED, FindingKind.HEAD_INCONSISTENT, FindingKind.CHECKPOINT_ROLLED_BACK},
    ),
    "rewritten with re-signed checkpoints": (
        EDITED,
        checkpoints(EDITED, [N]),
        EVERY_APPEND[5:6],
        {FindingKind.HEAD_INCONSISTENT, FindingKind.HEAD_NOT_EXTENDED},
    ),
    "outside head not signed by the log": (
        ORIGINAL,
        EVERY_APPEND,
        checkpoints(ORIGINAL, [N], IMPOSTOR),
        {FindingKind.HEAD_INVALID},
    ),
}


@pytest.mark.parametrize("name", OUTSIDE_HEADS)
def test_heads_kept_outside_the_database_catch_what_it_hides(name: str) -> None:
    stored, signed, outside, expected = OUTSIDE_HEADS[name]
    heads = [Head("witness", number, text) for number, text in enumerate(outside)]
    report = verify_log(stored, signed, VERIFIER, heads=heads)
    assert kinds(report) == expected
    assert report.ok is not bool(expected)
    assert report.heads_checked == len(outside)


def test_a_shrunk_log_names_the_head_that_knew_better() -> None:
    report = verify_log(ORIGINAL[:7], EVERY_APPEND[:7], VERIFIER, heads=[Head("witness", 0, EVERY_APPEND[9])])
    shrank = report.of_kind(FindingKind.LOG_SHRANK)[0]
    assert (shrank.source, shrank.head, shrank.message) == (
        "witness",
        0,
        "witness head #0 signs 10 entries, but the stored log has only 7: the log was cut short, blanked or "
        "rolled back",
    )


DAY = timedelta(days=1)
PRUNED_AT = START + 100 * DAY


def configuration(audit_days: int | None) -> bytes:
    details: dict[str, JsonValue] = {"configuration": {"retention_days": {"audit": audit_days}}}
    return AuditEntry(0, START, "system", "system", "config.change", "configuration", "", details).canonical_bytes()


def prune(sequence: int, runs: list[list[int]], period: int = 60, cutoff: datetime | None = None) -> bytes:
    details: dict[str, JsonValue] = {
        "entries": sum(last - first + 1 for first, last in runs),
        "period_days": period,
        "recorded_up_to": (cutoff or PRUNED_AT - period * DAY).isoformat(),
        "sequences": [[*run] for run in runs],
    }
    return AuditEntry(
        sequence, PRUNED_AT, "ada", "admin", "retention.audit_pruned", "audit", "period reached", details
    ).canonical_bytes()


def pruned_log(first: bytes, last: bytes, nulls: set[int]) -> tuple[list[bytes | None], list[bytes], list[str]]:
    """Config entry 0, entries 1 to 5, then ``last`` at 6; the ``nulls`` have had their content removed."""
    intact = [first, *ORIGINAL[1:6], last]
    hashes = [leaf_hash(data) for data in intact]
    stored = [None if position in nulls else data for position, data in enumerate(intact)]
    return stored, hashes, checkpoints(intact, range(1, len(intact) + 1))


LEGACY_PRUNE = AuditEntry(
    6, PRUNED_AT, "ada", "admin", "retention.audit_pruned", "audit", "", {"entries": 3, "recorded_up_to": "x"}
).canonical_bytes()

PRUNES: dict[str, tuple[bytes, bytes, set[int], set[FindingKind]]] = {
    # name: (entry 0, entry 6, the entries whose content is NULL, the findings expected)
    "named by an allowed prune": (configuration(60), prune(6, [[1, 3]]), {1, 2, 3}, set()),
    "blanked beside a lawful prune": (
        configuration(60),
        prune(6, [[1, 3]]),
        {1, 2, 3, 5},
        {FindingKind.ENTRY_PRUNED_UNACCOUNTED},
    ),
    "blanked with no prune at all": (configuration(60), ORIGINAL[6], {2}, {FindingKind.ENTRY_PRUNED_UNACCOUNTED}),
    "cutoff later than the period allows": (
        configuration(60),
        prune(6, [[1, 3]], cutoff=PRUNED_AT - 59 * DAY),
        {1, 2, 3},
        {FindingKind.PRUNE_NOT_ALLOWED, FindingKind.ENTRY_PRUNED_UNACCOUNTED},
    ),
    "period shorter than the configuration in force": (
        configuration(90),
        prune(6, [[1, 3]]),
        {1, 2, 3},
        {FindingKind.PRUNE_NOT_ALLOWED, FindingKind.ENTRY_PRUNED_UNACCOUNTED},
    ),
    "configuration keeps audit entries for ever": (
        configuration(None),
        prune(6, [[1, 3]]),
        {1, 2, 3},
        {FindingKind.PRUNE_NOT_ALLOWED, FindingKind.ENTRY_PRUNED_UNACCOUNTED},
    ),
    "the prune entry itself blanked": (
        configuration(60),
        prune(6, [[1, 3]]),
        {1, 2, 3, 6},
        {FindingKind.ENTRY_PRUNED_UNACCOUNTED},
    ),
    "older prune entry that named no sequences": (
        configuration(60),
        LEGACY_PRUNE,
        {1, 2, 3},
        {FindingKind.ENTRIES_PRUNED_UNNAMED},
    ),
}


@pytest.mark.parametrize("name", PRUNES)
def test_a_pruned_entry_needs_a_prune_entry_the_policy_allowed(name: str) -> None:
    first, last, nulls, expected = PRUNES[name]
    stored, hashes, signed = pruned_log(first, last, nulls)
    report = verify_log(stored, signed, VERIFIER, leaf_hashes=hashes)
    assert kinds(report) == expected
    assert report.ok is not bool(expected - {FindingKind.ENTRIES_PRUNED_UNNAMED})


def test_a_prune_entry_no_checkpoint_covers_accounts_for_nothing() -> None:
    stored, hashes, signed = pruned_log(configuration(60), prune(6, [[1, 3]]), {1, 2, 3})
    report = verify_log(stored, signed[:6], VERIFIER, leaf_hashes=hashes)
    assert kinds(report) == {
        FindingKind.ENTRIES_UNCOVERED,
        FindingKind.PRUNE_NOT_ALLOWED,
        FindingKind.ENTRY_PRUNED_UNACCOUNTED,
    }
    assert "entries 1 to 3 are pruned" in report.of_kind(FindingKind.ENTRY_PRUNED_UNACCOUNTED)[0].message


def test_mismatched_stored_leaf_hashes_are_a_caller_error() -> None:
    with pytest.raises(ValueError, match="9 stored leaf hashes for 10 entries"):
        verify_log(ORIGINAL, EVERY_APPEND, VERIFIER, leaf_hashes=[leaf_hash(data) for data in ORIGINAL[1:]])


@given(st.integers(1, 40), st.data())
def test_any_single_edit_is_pinned_to_its_position(size: int, data: st.DataObject) -> None:
    original = log(size)
    position = data.draw(st.integers(0, size - 1))
    tampered = list(original)
    tampered[position] = entry(position, reason="something else").canonical_bytes()
    report = verify_log(tampered, checkpoints(original, range(1, size + 1)), VERIFIER)
    assert [finding.position for finding in report.of_kind(FindingKind.ENTRY_ALTERED)] == [position]
    assert kinds(report) == {FindingKind.ENTRY_ALTERED, FindingKind.CHECKPOINT_INCONSISTENT}


@given(st.integers(2, 40), st.data())
def test_any_single_deletion_is_found(size: int, data: st.DataObject) -> None:
    original = log(size)
    position = data.draw(st.integers(0, size - 1))
    report = verify_log(original[:position] + original[position + 1 :], checkpoints(original, [size]), VERIFIER)
    missing: tuple[Finding, ...] = report.of_kind(FindingKind.ENTRY_MISSING)
    assert [(finding.position, finding.sequence) for finding in missing] == [(position, position)]
    assert not report.ok
