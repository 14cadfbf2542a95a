"""Verify a whole stored audit log against its signed checkpoints, reporting every problem found.

The writer stores, per entry, its canonical bytes (and, as a convenience, its leaf hash) in sequence order,
and a signed checkpoint after each append or batch. :func:`verify_log` takes those back, trusting nothing
but the verifier key, and reports typed findings:

* entries that do not decode (``entry_malformed``);
* sequence numbers that skip (``entry_missing``), go backwards (``entry_reordered``) or repeat
  (``entry_duplicated``): each stored entry's sequence must equal its position;
* checkpoints that are malformed or whose signature fails (``checkpoint_invalid``);
* checkpoints whose root is not the root of the log's first ``size`` entries. The roots localise the damage:
  a checkpoint that matches vouches for every entry before its size. If the latest checkpoints disagree
  with the stored log from some size on, the stored entries between the last matching checkpoint and the
  first disagreeing one are not those that were signed (``entry_altered``, at the first such position), and
  the first disagreeing checkpoint is reported too (``checkpoint_inconsistent``). A disagreeing checkpoint
  *followed by a matching one* is itself the anomaly (``checkpoint_inconsistent``): the later signature
  vouches for the log. With a checkpoint after every append, the damage is pinned to one entry;
* stored leaf hashes that differ from the hash of the stored bytes (``entry_altered``), when given;
* entries after the last checkpoint (``entries_uncovered``): a warning, not an error, since they are simply
  not signed yet.

Content edits that keep the sequence show only in the roots (and stored leaf hashes); deletions and
reorderings show in both the sequences and the roots, so even an intruder who renumbers the sequences
and recomputes every stored hash is caught by the first signed checkpoint after the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from watchkeeper.governance.audit.checkpoint import Checkpoint, Verifier, open_checkpoint
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.errors import CheckpointError, EntryError
from watchkeeper.governance.audit.merkle import CompactRange, leaf_hash


class FindingKind(StrEnum):
    """What a finding is about; every kind is an error except ``entries_uncovered``."""

    ENTRY_MALFORMED = "entry_malformed"
    ENTRY_ALTERED = "entry_altered"
    ENTRY_MISSING = "entry_missing"
    ENTRY_REORDERED = "entry_reordered"
    ENTRY_DUPLICATED = "entry_duplicated"
    CHECKPOINT_INVALID = "checkpoint_invalid"
    CHECKPOINT_INCONSISTENT = "checkpoint_inconsistent"
    ENTRIES_UNCOVERED = "entries_uncovered"

    @property
    def is_error(self) -> bool:
        """Whether the finding means the log cannot be trusted as it is (all kinds but uncovered entries)."""
        return self is not FindingKind.ENTRIES_UNCOVERED


@dataclass(frozen=True)
class Finding:
    """One problem: its kind, a message for people, and where it is.

    ``position`` is the 0-based position in the stored entries (for a missing entry: the position it belongs
    at); ``sequence`` the sequence number concerned; ``checkpoint`` the index of the checkpoint concerned in
    the list given to :func:`verify_log`. Fields that do not apply are None.
    """

    kind: FindingKind
    message: str
    position: int | None = None
    sequence: int | None = None
    checkpoint: int | None = None

    @property
    def is_error(self) -> bool:
        """Whether this finding is an error rather than a warning."""
        return self.kind.is_error


@dataclass(frozen=True)
class VerificationReport:
    """The outcome of :func:`verify_log`.

    ``size`` is the number of stored entries and ``root_hash`` their Merkle root as stored;
    ``latest_checkpoint`` the largest validly signed checkpoint that matches the stored log (None if none
    does); ``findings`` every problem, errors and warnings, in the order the checks ran.
    """

    size: int
    root_hash: bytes
    latest_checkpoint: Checkpoint | None
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """True when there are no errors (warnings such as uncovered entries are allowed)."""
        return not any(finding.is_error for finding in self.findings)

    def of_kind(self, kind: FindingKind) -> tuple[Finding, ...]:
        """The findings of one kind."""
        return tuple(finding for finding in self.findings if finding.kind is kind)


def verify_log(
    entries: Sequence[bytes | None],
    checkpoints: Sequence[str],
    verifier: Verifier,
    *,
    leaf_hashes: Sequence[bytes] | None = None,
    origin: str | None = None,
) -> VerificationReport:
    """Check stored entries (canonical bytes, in stored order) against signed checkpoint texts.

    ``leaf_hashes``, if given, are the leaf hashes stored with the entries (same order and length;
    ValueError otherwise); they pinpoint entries whose bytes were edited without updating the stored hash.
    ``origin``, if given, is the log's name every checkpoint must carry. Reads every entry once: O(n) hashes.

    An entry may be ``None`` when retention pruned its content: its stored leaf hash then stands in for it
    (so ``leaf_hashes`` is required), which keeps every checkpoint and every other entry verifiable; the
    pruned entry's own content can no longer be checked, only its place in the tree.
    """
    if leaf_hashes is not None and len(leaf_hashes) != len(entries):
        raise ValueError(f"{len(leaf_hashes)} stored leaf hashes for {len(entries)} entries")
    hashes = [_entry_hash(data, position, leaf_hashes) for position, data in enumerate(entries)]
    opened, findings = _open_checkpoints(checkpoints, verifier, origin)
    expected_size = max([len(entries), *(checkpoint.size for _, checkpoint in opened)])
    findings += _sequence_findings(entries, expected_size)
    if leaf_hashes is not None:
        findings += _stored_hash_findings(hashes, leaf_hashes)
    roots = _prefix_roots(hashes, {checkpoint.size for _, checkpoint in opened if checkpoint.size <= len(hashes)})
    matching = [(index, cp) for index, cp in opened if cp.size <= len(hashes) and roots[cp.size] == cp.root_hash]
    findings += _root_findings(opened, roots, matching)
    findings += _uncovered_findings(len(entries), opened)
    latest = max((checkpoint for _, checkpoint in matching), key=lambda checkpoint: checkpoint.size, default=None)
    return VerificationReport(len(entries), roots[len(hashes)], latest, tuple(findings))


def _entry_hash(data: object, position: int, leaf_hashes: Sequence[bytes] | None) -> bytes:
    if data is None:
        if leaf_hashes is None:
            raise ValueError(f"entry at position {position} is pruned (None): its stored leaf hash is needed")
        return leaf_hashes[position]
    if not isinstance(data, bytes):
        raise TypeError(f"stored entry at position {position} must be bytes, got {type(data).__name__}")
    return leaf_hash(data)


def _open_checkpoints(
    texts: Sequence[str], verifier: Verifier, origin: str | None
) -> tuple[list[tuple[int, Checkpoint]], list[Finding]]:
    """The checkpoints whose signatures verify (with their indexes), and a finding for each that does not."""
    opened: list[tuple[int, Checkpoint]] = []
    findings: list[Finding] = []
    for index, text in enumerate(texts):
        try:
            opened.append((index, open_checkpoint(text, verifier, origin)))
        except CheckpointError as exc:
            findings.append(Finding(FindingKind.CHECKPOINT_INVALID, f"checkpoint #{index}: {exc}", checkpoint=index))
    return opened, findings


def _sequence_findings(entries: Sequence[bytes | None], expected_size: int) -> list[Finding]:
    """Malformed entries, and sequences that go backwards, repeat, or leave gaps in [0, expected_size)."""
    findings: list[Finding] = []
    seen: set[int] = set()
    malformed: set[int] = set()
    previous: tuple[int, int] | None = None  # (position, sequence) of the last decodable entry
    for position, data in enumerate(entries):
        if data is None:  # pruned: its place is attested by the checkpoints' roots alone
            seen.add(position)
            previous = (position, position)
            continue
        try:
            sequence = AuditEntry.from_canonical_bytes(data).sequence
        except EntryError as exc:
            malformed.add(position)
            findings.append(Finding(FindingKind.ENTRY_MALFORMED, f"position {position}: {exc}", position=position))
            continue
        if sequence in seen:
            message = f"sequence {sequence} at position {position} was already stored at an earlier position"
            findings.append(Finding(FindingKind.ENTRY_DUPLICATED, message, position, sequence))
        elif previous is not None and sequence < previous[1]:
            message = (
                f"sequence {sequence} is stored at position {position}, after sequence {previous[1]} "
                f"at position {previous[0]}"
            )
            findings.append(Finding(FindingKind.ENTRY_REORDERED, message, position, sequence))
        seen.add(sequence)
        previous = (position, sequence)
    # A malformed entry is presumed to be the one whose position it holds, so it is not also reported missing.
    accounted = seen | {position for position in malformed if position not in seen}
    findings += _missing_findings(accounted, max(expected_size, max(seen, default=-1) + 1))
    return findings


def _missing_findings(present: set[int], expected_size: int) -> list[Finding]:
    """One finding per run of sequence numbers in [0, expected_size) that no stored entry has."""
    findings: list[Finding] = []
    for first, last in _gaps(sorted(sequence for sequence in present if sequence < expected_size), expected_size):
        which = f"sequence {first} is" if first == last else f"sequences {first} to {last} are"
        message = f"{which} missing: no stored entry has {'it' if first == last else 'them'}"
        findings.append(Finding(FindingKind.ENTRY_MISSING, message, position=first, sequence=first))
    return findings


def _gaps(ordered: Iterable[int], end: int) -> list[tuple[int, int]]:
    """Inclusive (first, last) runs of [0, end) absent from ``ordered`` (sorted, unique, each < end)."""
    gaps: list[tuple[int, int]] = []
    expected = 0
    for value in ordered:
        if value > expected:
            gaps.append((expected, value - 1))
        expected = value + 1
    if expected < end:
        gaps.append((expected, end - 1))
    return gaps


def _stored_hash_findings(hashes: Sequence[bytes], stored: Sequence[bytes]) -> list[Finding]:
    findings: list[Finding] = []
    for position, (computed, kept) in enumerate(zip(hashes, stored, strict=True)):
        if computed != kept:
            message = (
                f"position {position}: the stored bytes hash to {computed.hex()}, "
                f"the stored leaf hash is {kept.hex() if isinstance(kept, bytes) else kept!r}"
            )
            findings.append(Finding(FindingKind.ENTRY_ALTERED, message, position=position))
    return findings


def _prefix_roots(hashes: Sequence[bytes], sizes: set[int]) -> dict[int, bytes]:
    """The root of the first ``size`` leaf hashes for each requested size, and for the whole log."""
    wanted = sizes | {len(hashes)}
    roots: dict[int, bytes] = {}
    compact = CompactRange()
    for position, leaf in enumerate(hashes):
        if position in wanted:
            roots[position] = compact.root()
        compact = compact.append(leaf)
    roots[len(hashes)] = compact.root()
    return roots


def _root_findings(
    opened: Sequence[tuple[int, Checkpoint]], roots: dict[int, bytes], matching: Sequence[tuple[int, Checkpoint]]
) -> list[Finding]:
    """Compare checkpoint roots with the stored log's prefix roots, and localise any divergence."""
    matched = {index for index, _ in matching}
    vouched = max((checkpoint.size for _, checkpoint in matching), default=0)
    disagreeing = sorted(
        ((index, cp) for index, cp in opened if index not in matched and cp.size in roots),
        key=lambda item: item[1].size,
    )
    findings: list[Finding] = []
    for index, checkpoint in disagreeing:
        if checkpoint.size <= vouched:
            message = (
                f"checkpoint #{index} signs root {checkpoint.root_hash.hex()} for size {checkpoint.size}, but the "
                f"stored log's root at that size is {roots[checkpoint.size].hex()}, and a later checkpoint of size "
                f"{vouched} matches the stored log: this checkpoint disagrees with the signed history"
            )
            findings.append(Finding(FindingKind.CHECKPOINT_INCONSISTENT, message, checkpoint=index))
    diverging = [(index, cp) for index, cp in disagreeing if cp.size > vouched]
    if diverging:
        findings += _divergence_findings(vouched, diverging, roots)
    return findings


def _divergence_findings(
    vouched: int, diverging: Sequence[tuple[int, Checkpoint]], roots: dict[int, bytes]
) -> list[Finding]:
    """The stored log differs from what was signed somewhere in [vouched, first disagreeing size)."""
    index, first = diverging[0]
    span = f"position {vouched}" if first.size == vouched + 1 else f"positions {vouched} to {first.size - 1}"
    altered = (
        f"the stored entries at {span} are not those checkpoint #{index} signed "
        f"(the first {vouched} entries match a signed checkpoint): altered, removed, inserted or reordered"
    )
    later = len(diverging) - 1
    inconsistent = (
        f"checkpoint #{index} signs root {first.root_hash.hex()} for size {first.size}, but the stored log's root "
        f"at that size is {roots[first.size].hex()}" + (f"; {later} later checkpoints disagree too" if later else "")
    )
    return [
        Finding(FindingKind.ENTRY_ALTERED, altered, position=vouched),
        Finding(FindingKind.CHECKPOINT_INCONSISTENT, inconsistent, checkpoint=index),
    ]


def _uncovered_findings(size: int, opened: Sequence[tuple[int, Checkpoint]]) -> list[Finding]:
    covered = max((checkpoint.size for _, checkpoint in opened), default=0)
    if size <= covered:
        return []
    span = f"entry {covered} is" if size == covered + 1 else f"entries {covered} to {size - 1} are"
    message = f"{span} not covered by any signed checkpoint yet"
    return [Finding(FindingKind.ENTRIES_UNCOVERED, message, position=covered)]
