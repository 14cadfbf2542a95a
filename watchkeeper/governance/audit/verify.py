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
* stored hashes of perfect subtrees (the node layer proofs are built from), when given, that differ from the
  hash the entries give, are missing, or lie beyond the log (``node_altered``): a rewritten node would let
  the log serve inclusion and consistency proofs that fail at the client, though the entries are intact;
* entries after the newest signed checkpoint (``entries_uncovered``): an error, because the writer signs a
  head in the transaction of every append, so an entry no head covers was written by something else, or
  the heads that covered it were removed;
* pruned entries (content NULL, leaf hash kept) that no intact, covered ``retention.audit_pruned`` entry
  names (``entry_pruned_unaccounted``), and prune entries whose cutoff their retention period, or the
  configuration in force, did not allow (``prune_not_allowed``); see :func:`_pruned_findings`;
* signed heads kept *outside* the database (``heads``: the checkpoints file beside the signing key, and
  heads an outside witness kept): each must carry the log's signature (``head_invalid``), be no larger than
  the stored log (``log_shrank``: the log was cut short or blanked), and have the root of the stored log's
  first ``size`` entries (``head_inconsistent``); and the database's newest checkpoint must be at least as
  large as every such head (``checkpoint_rolled_back``);
* the chain of heads: the outside heads and the database's newest checkpoint, in size order, each proven
  to extend the one before it by an RFC 9162 consistency proof built from the stored leaf hashes and
  checked with :func:`.proofs.verify_consistency` against the two signed roots (``head_not_extended``).

Both head checks run, because they answer different questions. Comparing a head's root with the root of
the stored entries' prefix *localises* damage: it names the head the stored content disagrees with, and
works alongside the checkpoints' ``entry_altered`` findings; it uses hashes recomputed from the stored
bytes. The consistency proofs check what a witness relies on: that the signed heads form one history.
They are built from the stored leaf-hash column; the log serves witnesses (``audit checkpoint --since``)
the same proofs read from its stored nodes, which ``node_altered`` checks against those leaves, so
verification vouches for those proofs too, and a failing pair names two heads signed by the same key that
no single log can have (two heads of one size with different roots, say): evidence of a fork that holds
without reference to the database.

Tamper evidence must not depend on the database it protects: everything above but the outside heads can
be rewritten by whoever can write the database (delete the newest entries with their checkpoints, or all
of them), so only a head kept elsewhere shows that the log once was longer or different.

Content edits that keep the sequence show only in the roots (and stored leaf hashes); deletions and
reorderings show in both the sequences and the roots, so even an intruder who renumbers the sequences
and recomputes every stored hash is caught by the first signed checkpoint after the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum, StrEnum
from itertools import pairwise

from watchkeeper.governance.audit.checkpoint import Checkpoint, Verifier, open_checkpoint
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.errors import CheckpointError, EntryError, ProofError
from watchkeeper.governance.audit.events import CONFIGURATION_ACTION, PRUNE_ACTION
from watchkeeper.governance.audit.merkle import CompactRange, NodeKey, SubtreeHashes, leaf_hash, perfect_nodes
from watchkeeper.governance.audit.proofs import HashOfRange, consistency_proof, verify_consistency


class FindingKind(StrEnum):
    """What a finding is about; every kind is an error except ``entries_pruned_unnamed``."""

    ENTRY_MALFORMED = "entry_malformed"
    ENTRY_ALTERED = "entry_altered"
    ENTRY_MISSING = "entry_missing"
    ENTRY_REORDERED = "entry_reordered"
    ENTRY_DUPLICATED = "entry_duplicated"
    CHECKPOINT_INVALID = "checkpoint_invalid"
    CHECKPOINT_INCONSISTENT = "checkpoint_inconsistent"
    ENTRIES_UNCOVERED = "entries_uncovered"
    ENTRY_PRUNED_UNACCOUNTED = "entry_pruned_unaccounted"
    PRUNE_NOT_ALLOWED = "prune_not_allowed"
    ENTRIES_PRUNED_UNNAMED = "entries_pruned_unnamed"
    HEAD_INVALID = "head_invalid"
    HEAD_INCONSISTENT = "head_inconsistent"
    LOG_SHRANK = "log_shrank"
    CHECKPOINT_ROLLED_BACK = "checkpoint_rolled_back"
    HEAD_NOT_EXTENDED = "head_not_extended"
    NODE_ALTERED = "node_altered"

    @property
    def is_error(self) -> bool:
        """Whether the finding means the log cannot be trusted as it is.

        The one warning is ``entries_pruned_unnamed``: content pruned before prune entries named what they
        pruned (older logs), which can be neither proven lawful nor shown to be tampering.
        """
        return self is not FindingKind.ENTRIES_PRUNED_UNNAMED


@dataclass(frozen=True)
class Finding:
    """One problem: its kind, a message for people, and where it is.

    ``position`` is the 0-based position in the stored entries (for a missing entry: the position it belongs
    at; for a stored node: its first leaf); ``sequence`` the sequence number concerned; ``checkpoint`` the
    index of the checkpoint concerned in the list given to :func:`verify_log`; ``head`` the number of the
    outside head concerned in its ``source`` (both from its :class:`Head`). Fields that do not apply are None.
    """

    kind: FindingKind
    message: str
    position: int | None = None
    sequence: int | None = None
    checkpoint: int | None = None
    head: int | None = None
    source: str | None = None

    @property
    def is_error(self) -> bool:
        """Whether this finding is an error rather than a warning."""
        return self.kind.is_error


@dataclass(frozen=True)
class Head:
    """A signed tree head kept outside the database: its signed-note text, where it was kept (named in
    findings, e.g. ``checkpoints file`` or ``witness``) and its 0-based number there."""

    source: str
    number: int
    text: str


@dataclass(frozen=True)
class VerificationReport:
    """The outcome of :func:`verify_log`.

    ``size`` is the number of stored entries and ``root_hash`` their Merkle root as stored;
    ``latest_checkpoint`` the largest validly signed checkpoint that matches the stored log (None if none
    does); ``heads_checked`` how many outside heads were given; ``findings`` every problem, errors and
    warnings, in the order the checks ran; ``latest_signed`` the signed text of ``latest_checkpoint``, for
    a reader to keep as a head it has verified.
    """

    size: int
    root_hash: bytes
    latest_checkpoint: Checkpoint | None
    findings: tuple[Finding, ...]
    heads_checked: int = 0
    latest_signed: str | None = None

    @property
    def ok(self) -> bool:
        """True when there are no errors (the only warning is content pruned by an older prune entry)."""
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
    heads: Sequence[Head] = (),
    nodes: Mapping[NodeKey, bytes] | None = None,
) -> VerificationReport:
    """Check stored entries (canonical bytes, in stored order) against signed checkpoint texts.

    ``leaf_hashes``, if given, are the leaf hashes stored with the entries (same order and length;
    ValueError otherwise); they pinpoint entries whose bytes were edited without updating the stored hash.
    ``origin``, if given, is the log's name every checkpoint must carry. ``heads`` are signed heads kept
    outside the database that holds ``entries`` and ``checkpoints``, in any order. ``nodes``, if given, are
    the stored hashes of perfect subtrees above the leaves, by (level, position), each checked against the
    hash the entries give. Reads every entry once: O(n) hashes.

    An entry may be ``None`` when retention pruned its content: its stored leaf hash then stands in for it
    (so ``leaf_hashes`` is required), which keeps every checkpoint and every other entry verifiable; the
    pruned entry's own content can no longer be checked, only its place in the tree and that a prune entry
    the retention policy allowed accounts for it.
    """
    if leaf_hashes is not None and len(leaf_hashes) != len(entries):
        raise ValueError(f"{len(leaf_hashes)} stored leaf hashes for {len(entries)} entries")
    hashes = [_entry_hash(data, position, leaf_hashes) for position, data in enumerate(entries)]
    decoded, findings = _decode_entries(entries)
    opened, checkpoint_findings = _open_checkpoints(checkpoints, verifier, origin)
    findings += checkpoint_findings
    outside, head_findings = _open_heads(heads, verifier, origin)
    expected_size = max([len(entries), *(checkpoint.size for _, checkpoint in opened)])
    findings += _sequence_findings(decoded, expected_size)
    if leaf_hashes is not None:
        findings += _stored_hash_findings(hashes, leaf_hashes)
    if nodes is not None:
        findings += _node_findings(hashes, nodes)
    sizes = {checkpoint.size for _, checkpoint in [*opened, *outside]}
    roots = _prefix_roots(hashes, {size for size in sizes if size <= len(hashes)})
    matching = [(index, cp) for index, cp in opened if cp.size <= len(hashes) and roots[cp.size] == cp.root_hash]
    findings += _root_findings(opened, roots, matching)
    findings += _uncovered_findings(len(entries), opened)
    index, latest = max(matching, key=lambda item: item[1].size, default=(None, None))
    findings += _pruned_findings(decoded, latest.size if latest else 0)
    findings += head_findings + _outside_head_findings(heads, outside, roots, len(entries), opened)
    chain = _head_chain(heads, outside, opened, len(hashes))
    findings += _consistency_findings(chain, SubtreeHashes(leaf_hashes if leaf_hashes is not None else hashes))
    signed = checkpoints[index] if index is not None else None
    return VerificationReport(len(entries), roots[len(hashes)], latest, tuple(findings), len(heads), signed)


def _entry_hash(data: object, position: int, leaf_hashes: Sequence[bytes] | None) -> bytes:
    if data is None:
        if leaf_hashes is None:
            raise ValueError(f"entry at position {position} is pruned (None): its stored leaf hash is needed")
        return leaf_hashes[position]
    if not isinstance(data, bytes):
        raise TypeError(f"stored entry at position {position} must be bytes, got {type(data).__name__}")
    return leaf_hash(data)


def _node_findings(hashes: Sequence[bytes], stored: Mapping[NodeKey, bytes]) -> list[Finding]:
    """Each stored node that differs from the node the entries' hashes give, each node of the log that is not
    stored, and each stored node the log has no leaves for."""
    findings: list[Finding] = []
    expected = {node.key: node.hash for node in perfect_nodes(hashes)}
    for key in sorted(expected.keys() | stored.keys()):
        level, position = key
        first = position << level
        where = f"the stored node over entries {first} to {first + (1 << level) - 1} (level {level})"
        node = stored.get(key)
        if key not in expected:
            message = f"{where} lies beyond the log's {len(hashes)} entries: nothing the log wrote"
        elif node is None:
            message = f"{where} is missing: proofs that need it cannot be served"
        elif node != expected[key]:
            message = (
                f"{where} is {node.hex()}, but the entries give {expected[key].hex()}: proofs built on it would "
                "not verify"
            )
        else:
            continue
        findings.append(Finding(FindingKind.NODE_ALTERED, message, position=first))
    return findings


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


class _Content(Enum):
    PRUNED = "pruned"
    """Stands for an entry whose content retention removed, among the decoded entries."""


Decoded = AuditEntry | _Content | None
"""A stored entry decoded: the entry, pruned, or None if its bytes are malformed."""


def _decode_entries(entries: Sequence[bytes | None]) -> tuple[list[Decoded], list[Finding]]:
    """Each stored entry decoded once: the entry, ``PRUNED`` for a pruned one, None for a malformed one
    (with a finding)."""
    decoded: list[Decoded] = []
    findings: list[Finding] = []
    for position, data in enumerate(entries):
        if data is None:
            decoded.append(_Content.PRUNED)
            continue
        try:
            decoded.append(AuditEntry.from_canonical_bytes(data))
        except EntryError as exc:
            decoded.append(None)
            findings.append(Finding(FindingKind.ENTRY_MALFORMED, f"position {position}: {exc}", position=position))
    return decoded, findings


def _sequence_findings(decoded: Sequence[Decoded], expected_size: int) -> list[Finding]:
    """Sequences that go backwards, repeat, or leave gaps in [0, expected_size)."""
    findings: list[Finding] = []
    seen: set[int] = set()
    malformed: set[int] = set()
    previous: tuple[int, int] | None = None  # (position, sequence) of the last decodable entry
    for position, entry in enumerate(decoded):
        if entry is None:
            malformed.add(position)
            continue
        sequence = position if entry is _Content.PRUNED else entry.sequence  # pruned: attested by the roots alone
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


def runs(ordered: Iterable[int]) -> list[tuple[int, int]]:
    """Inclusive (first, last) runs of consecutive values in ``ordered`` (sorted, unique): [1, 2, 3, 7] is
    [(1, 3), (7, 7)]. How prune entries name the sequences they pruned, compactly."""
    found: list[tuple[int, int]] = []
    for value in ordered:
        if found and found[-1][1] == value - 1:
            found[-1] = (found[-1][0], value)
        else:
            found.append((value, value))
    return found


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
    message = (
        f"{span} not covered by any signed checkpoint: every append signs one, so these were written by "
        "something else or their checkpoints were removed"
    )
    return [Finding(FindingKind.ENTRIES_UNCOVERED, message, position=covered)]


def _open_heads(
    heads: Sequence[Head], verifier: Verifier, origin: str | None
) -> tuple[list[tuple[int, Checkpoint]], list[Finding]]:
    """The outside heads whose signatures verify (with their indexes), and a finding for each that does not."""
    opened: list[tuple[int, Checkpoint]] = []
    findings: list[Finding] = []
    for index, head in enumerate(heads):
        try:
            opened.append((index, open_checkpoint(head.text, verifier, origin)))
        except CheckpointError as exc:
            message = f"{head.source} head #{head.number}: {exc}"
            findings.append(Finding(FindingKind.HEAD_INVALID, message, head=head.number, source=head.source))
    return opened, findings


def _outside_head_findings(
    heads: Sequence[Head],
    outside: Sequence[tuple[int, Checkpoint]],
    roots: Mapping[int, bytes],
    size: int,
    checkpoints: Sequence[tuple[int, Checkpoint]],
) -> list[Finding]:
    """Each outside head against the stored log; the database's newest checkpoint against them all."""
    findings: list[Finding] = []
    for index, head in outside:
        kept = heads[index]
        where = f"{kept.source} head #{kept.number}"
        if head.size > size:
            message = (
                f"{where} signs {head.size} entries, but the stored log has only {size}: "
                "the log was cut short, blanked or rolled back"
            )
            findings.append(Finding(FindingKind.LOG_SHRANK, message, head=kept.number, source=kept.source))
        elif roots[head.size] != head.root_hash:
            message = (
                f"{where} signs root {head.root_hash.hex()} for size {head.size}, but the stored log's root at "
                f"that size is {roots[head.size].hex()}: the stored entries are not those that were signed"
            )
            findings.append(Finding(FindingKind.HEAD_INCONSISTENT, message, head=kept.number, source=kept.source))
    newest_stored = max((checkpoint.size for _, checkpoint in checkpoints), default=0)
    largest = max(outside, key=lambda item: item[1].size, default=None)
    if largest is not None and largest[1].size > newest_stored:
        kept = heads[largest[0]]
        message = (
            f"the database's newest signed checkpoint is of size {newest_stored}, older than {kept.source} head "
            f"#{kept.number} of size {largest[1].size}: the log's checkpoints were rolled back"
        )
        findings.append(Finding(FindingKind.CHECKPOINT_ROLLED_BACK, message, head=kept.number, source=kept.source))
    return findings


@dataclass(frozen=True)
class _ChainLink:
    """A signed head in the chain of heads, with how findings name it."""

    head: Checkpoint
    where: str
    number: int | None = None
    source: str | None = None
    checkpoint: int | None = None


def _head_chain(
    heads: Sequence[Head],
    outside: Sequence[tuple[int, Checkpoint]],
    checkpoints: Sequence[tuple[int, Checkpoint]],
    size: int,
) -> list[_ChainLink]:
    """The outside heads and the database's newest checkpoint, in size order (heads of one size in the
    order given, the database's last), each distinct (size, root) once: those a consistency proof can be
    built for, of 1 to ``size`` entries (an empty head extends nothing; a larger one is already
    ``log_shrank`` or ``entries_uncovered``)."""
    links = [
        _ChainLink(head, f"{heads[index].source} head #{heads[index].number}", heads[index].number, heads[index].source)
        for index, head in outside
    ]
    newest = max(checkpoints, key=lambda item: item[1].size, default=None)
    if newest is not None:
        links.append(_ChainLink(newest[1], "the database's newest checkpoint", checkpoint=newest[0]))
    distinct: dict[tuple[int, bytes], _ChainLink] = {}
    for link in links:
        if 0 < link.head.size <= size:
            distinct.setdefault((link.head.size, link.head.root_hash), link)
    return sorted(distinct.values(), key=lambda link: link.head.size)  # stable: ties keep the order given


def _consistency_findings(chain: Sequence[_ChainLink], hash_of_range: HashOfRange) -> list[Finding]:
    """Each head in ``chain`` proven to extend the one before it, the proof built from ``hash_of_range``."""
    findings: list[Finding] = []
    for older, newer in pairwise(chain):
        try:
            proof = consistency_proof(older.head.size, newer.head.size, hash_of_range)
            verify_consistency(older.head.size, newer.head.size, older.head.root_hash, newer.head.root_hash, proof)
        except (ProofError, ValueError) as exc:  # ValueError: a stored leaf hash that is not a hash
            message = (
                f"{newer.where} (size {newer.head.size}) does not extend {older.where} (size {older.head.size}), "
                f"both signed by the log: {exc}"
            )
            findings.append(
                Finding(
                    FindingKind.HEAD_NOT_EXTENDED,
                    message,
                    checkpoint=newer.checkpoint,
                    head=newer.number,
                    source=newer.source,
                )
            )
    return findings


def _pruned_findings(decoded: Sequence[Decoded], covered: int) -> list[Finding]:
    """Every pruned entry must be named by an intact prune entry that a signed checkpoint covers and that the
    retention period allowed; a NULL no such entry accounts for is an error.

    A prune entry (``retention.audit_pruned``) names the ``sequences`` it pruned as inclusive runs, its
    ``period_days`` and its cutoff ``recorded_up_to``. It is allowed when its cutoff is at least its period
    before its own time, and its period is no shorter than the ``retention_days.audit`` of the configuration
    in force (the latest ``config.change`` entry before it; "none" there allows no pruning). Prune and
    configuration entries are never pruned themselves (:meth:`AuditLog.prune`), so that this stays checkable.
    A prune entry of an older format, which gave only a count, cannot say what it pruned: the entries before
    it that nothing else names are reported as a warning (``entries_pruned_unnamed``), not accepted silently.
    """
    pruned = [position for position, entry in enumerate(decoded) if entry is _Content.PRUNED]
    if not pruned:
        return []
    findings: list[Finding] = []
    named: set[int] = set()
    unnamed_below = 0
    in_force: tuple[int, int | None] | None = None  # (position, audit days) of the configuration in force
    for position, entry in enumerate(decoded):
        if not isinstance(entry, AuditEntry):
            continue
        if entry.action == CONFIGURATION_ACTION and "audit" in (retention := _audit_retention(entry.details)):
            in_force = (position, _configured_audit_days(retention))
        elif entry.action == PRUNE_ACTION:
            if "sequences" not in entry.details:
                unnamed_below = position
                continue
            refusal = _prune_refusal(entry, position, covered, in_force)
            if refusal:
                findings.append(Finding(FindingKind.PRUNE_NOT_ALLOWED, refusal, position, entry.sequence))
            else:
                named.update(_named_sequences(entry.details, position))
    unaccounted = [position for position in pruned if position not in named]
    unnamed = [position for position in unaccounted if position < unnamed_below]
    for first, last in runs(position for position in unaccounted if position >= unnamed_below):
        which = f"entry {first} is" if first == last else f"entries {first} to {last} are"
        pronoun = "it" if first == last else "them"
        message = f"{which} pruned (content NULL) but no intact, allowed prune entry names {pronoun}"
        findings.append(Finding(FindingKind.ENTRY_PRUNED_UNACCOUNTED, message, first, first))
    if unnamed:
        message = (
            f"{len(unnamed)} entries before the prune entry at position {unnamed_below} were pruned by prune "
            "entries of an older format, which did not name what they pruned"
        )
        findings.append(Finding(FindingKind.ENTRIES_PRUNED_UNNAMED, message, unnamed[0], unnamed[0]))
    return findings


def _audit_retention(details: Mapping[str, object]) -> Mapping[str, object]:
    """The ``retention_days`` of a configuration entry, empty if it has none."""
    configuration = details.get("configuration")
    retention = configuration.get("retention_days") if isinstance(configuration, dict) else None
    return retention if isinstance(retention, dict) else {}


def _configured_audit_days(retention: Mapping[str, object]) -> int | None:
    """The audit period in days, None when the configuration keeps audit entries for ever."""
    days = retention["audit"]
    return days if isinstance(days, int) and not isinstance(days, bool) else None


def _prune_refusal(
    entry: AuditEntry, position: int, covered: int, in_force: tuple[int, int | None] | None
) -> str | None:
    """Why the prune entry at ``position`` does not account for what it names, or None if it does."""
    where = f"prune entry at position {position}"
    if position >= covered:
        return f"{where} is not covered by a signed checkpoint that matches the stored log"
    period, cutoff = entry.details.get("period_days"), entry.details.get("recorded_up_to")
    if isinstance(period, bool) or not isinstance(period, int) or period < 1 or not isinstance(cutoff, str):
        return f"{where} does not state its retention period (whole days) and cutoff"
    try:
        cutoff_time = datetime.fromisoformat(cutoff)
    except ValueError:
        return f"{where} has a cutoff that is not a time: {cutoff!r}"
    if cutoff_time.utcoffset() is None or cutoff_time + timedelta(days=period) > entry.timestamp:
        return f"{where} pruned up to {cutoff}, later than its period of {period} days allows at its time"
    if in_force is not None:
        configured = in_force[1]
        if configured is None:
            return f"{where} pruned, but the configuration in force (position {in_force[0]}) keeps audit entries"
        if period < configured:
            return (
                f"{where} pruned under a period of {period} days, shorter than the {configured} days of the "
                f"configuration in force (position {in_force[0]})"
            )
    return None


def _named_sequences(details: Mapping[str, object], position: int) -> set[int]:
    """The sequences a prune entry's ``sequences`` runs name, below its own position (it cannot prune later
    entries, or itself); nothing if the runs are malformed."""
    named: set[int] = set()
    listed = details.get("sequences")
    for item in listed if isinstance(listed, list) else [None]:
        if not (isinstance(item, list) and len(item) == 2 and all(type(value) is int for value in item)):
            return set()
        first, last = item
        named.update(range(max(first, 0), min(last, position - 1) + 1))
    return named
