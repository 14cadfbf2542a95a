"""A witness that keeps only signed heads: an honest update is proven to extend its head; a forged or
mismatched proof, or a head of a forked log (the operator signing two histories with the log's own key),
is refused."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchkeeper.governance.audit.checkpoint import Checkpoint, Signer, open_checkpoint, sign_checkpoint
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.errors import CheckpointError, ProofError
from watchkeeper.governance.audit.merkle import SubtreeHashes, leaf_hash, root_hash, subtree_hash
from watchkeeper.governance.audit.proofs import consistency_proof
from watchkeeper.governance.audit.verify import FindingKind, Head, verify_log
from watchkeeper.governance.audit.witness import HeadUpdate, check_update

ORIGIN = "watchkeeper.example/audit"
SIGNER = Signer(ORIGIN, hashlib.sha256(b"witness test key").digest())
VERIFIER = SIGNER.verifier()
IMPOSTOR = Signer(ORIGIN, hashlib.sha256(b"impostor").digest())

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def entry(sequence: int, reason: str) -> bytes:
    return AuditEntry(
        sequence=sequence,
        timestamp=START + timedelta(minutes=sequence),
        actor="officer",
        role="operator",
        action="search.run",
        target=f"gallery:custody/subject:{sequence}",
        reason=reason,
        details={},
    ).canonical_bytes()


LOG = [entry(n, "case 1000") for n in range(13)]
LEAVES = [leaf_hash(data) for data in LOG]
FORK = [*LEAVES[:4], *(leaf_hash(entry(n, "rewritten")) for n in range(4, 13))]
"""The same log from entry 4 on rewritten: same size, same key, another history."""


def head(leaves: list[bytes], size: int, signer: Signer = SIGNER) -> str:
    return sign_checkpoint(Checkpoint(ORIGIN, size, root_hash(leaves[:size])), signer)


def update(leaves: list[bytes], old_size: int, new_size: int, signer: Signer = SIGNER) -> HeadUpdate:
    """What an honest log holding ``leaves`` serves a witness whose head is of ``old_size``."""
    hashes = SubtreeHashes(leaves[:new_size])
    proof = tuple(consistency_proof(old_size, new_size, hashes))
    return HeadUpdate(
        old_size, new_size, hashes(0, old_size), hashes(0, new_size), proof, head(leaves, new_size, signer)
    )


WITNESS = open_checkpoint(head(LEAVES, 6), VERIFIER, ORIGIN)
HONEST = update(LEAVES, 6, 13)


def flip(value: bytes) -> bytes:
    return bytes([value[0] ^ 1]) + value[1:]


FORGED: dict[str, tuple[Callable[[], HeadUpdate], type[Exception], str]] = {
    # name: (the update the witness is served, the error, what the message says)
    "a proof element flipped": (
        lambda: dataclasses.replace(HONEST, proof=(flip(HONEST.proof[0]), *HONEST.proof[1:])),
        ProofError,
        "the proof leads to",
    ),
    "a proof element dropped": (lambda: dataclasses.replace(HONEST, proof=HONEST.proof[1:]), ProofError, "hashes"),
    "a proof element added": (
        lambda: dataclasses.replace(HONEST, proof=(*HONEST.proof, HONEST.proof[0])),
        ProofError,
        "hashes",
    ),
    "a proof for another old size": (lambda: update(LEAVES, 5, 13), ProofError, "from size 5"),
    "a proof to another head than the one signed": (
        lambda: dataclasses.replace(HONEST, signed=head(LEAVES, 12)),
        ProofError,
        "not to the signed head of size 12",
    ),
    "a rolled-back head": (
        lambda: dataclasses.replace(HONEST, new_size=4, new_root=root_hash(LEAVES[:4]), signed=head(LEAVES, 4)),
        ProofError,
        "rolled back",
    ),
    "the forked log's honest proof": (lambda: update(FORK, 6, 13), ProofError, "not the one the witness saw"),
    "the forked log's proof, claiming the witness's root": (
        lambda: dataclasses.replace(update(FORK, 6, 13), old_root=WITNESS.root_hash),
        ProofError,
        "the proof leads to old root",
    ),
    "the original proof under the forked log's head": (
        lambda: dataclasses.replace(HONEST, new_root=root_hash(FORK), signed=head(FORK, 13)),
        ProofError,
        "the proof leads to new root",
    ),
    "a head signed by another key": (lambda: update(LEAVES, 6, 13, IMPOSTOR), CheckpointError, "signature"),
}


def test_an_honest_update_extends_the_witness_head() -> None:
    assert check_update(WITNESS, HONEST, VERIFIER) == Checkpoint(ORIGIN, 13, root_hash(LEAVES))
    assert HeadUpdate.from_json(HONEST.to_json()) == HONEST
    assert check_update(WITNESS, update(LEAVES, 6, 6), VERIFIER).size == 6  # nothing new: an empty proof


@pytest.mark.parametrize("name", FORGED)
def test_a_forged_or_mismatched_update_is_refused(name: str) -> None:
    served, error, message = FORGED[name]
    with pytest.raises(error, match=message):
        check_update(WITNESS, HeadUpdate.from_json(served().to_json()), VERIFIER)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({}, "signed"),
        ({"signed": "x"}, "consistency"),
        ({"signed": "x", "consistency": {"proof": "ab"}}, "list of hex"),
        ({"signed": "x", "consistency": {**HONEST.to_json()["consistency"], "old_size": -1}}, "old_size"),  # type: ignore[dict-item]
        ({"signed": "x", "consistency": {**HONEST.to_json()["consistency"], "proof": ["XYZ"]}}, "proof element 0"),  # type: ignore[dict-item]
    ],
)
def test_a_malformed_update_document_is_a_proof_error(document: object, message: str) -> None:
    with pytest.raises(ProofError, match=message):
        HeadUpdate.from_json(document)


STORED = [head(LEAVES, size) for size in range(1, 14)]

CHAINS: dict[str, tuple[list[str], set[FindingKind]]] = {
    # name: (heads kept outside, beside the database's checkpoints of LEAVES; the findings expected)
    "heads of the log, in any order": ([STORED[9], STORED[2], STORED[5]], set()),
    "a head of the fork at the stored size": (
        [head(FORK, 13)],
        {FindingKind.HEAD_INCONSISTENT, FindingKind.HEAD_NOT_EXTENDED},
    ),
    "heads of both histories at one smaller size": (
        [STORED[7], head(FORK, 8)],
        {FindingKind.HEAD_INCONSISTENT, FindingKind.HEAD_NOT_EXTENDED},
    ),
    "a head of the fork before the point of forking": ([head(FORK, 4)], set()),
}


@pytest.mark.parametrize("name", CHAINS)
def test_heads_of_a_forked_log_do_not_extend_each_other(name: str) -> None:
    outside, expected = CHAINS[name]
    heads = [Head("witness", number, text) for number, text in enumerate(outside)]
    report = verify_log(LOG, STORED, VERIFIER, leaf_hashes=LEAVES, origin=ORIGIN, heads=heads)
    assert {finding.kind for finding in report.findings} == expected
    for finding in report.of_kind(FindingKind.HEAD_NOT_EXTENDED):
        assert "does not extend" in finding.message


def test_the_fork_is_named_by_the_pair_of_heads() -> None:
    heads = [Head("witness", 0, STORED[7]), Head("witness", 1, head(FORK, 8))]
    report = verify_log(LOG, STORED, VERIFIER, leaf_hashes=LEAVES, origin=ORIGIN, heads=heads)
    forked = report.of_kind(FindingKind.HEAD_NOT_EXTENDED)
    assert [(finding.source, finding.head) for finding in forked] == [("witness", 1), (None, None)]
    assert forked[0].message.startswith("witness head #1 (size 8) does not extend witness head #0 (size 8)")
    assert forked[1].message.startswith("the database's newest checkpoint (size 13) does not extend witness head #1")
    assert forked[1].checkpoint == 12


@settings(deadline=None)
@given(st.integers(1, 70), st.data())
def test_cached_subtree_hashes_are_the_subtree_hashes(size: int, data: st.DataObject) -> None:
    leaves = [leaf_hash(n.to_bytes(2, "big")) for n in range(size)]
    cached = SubtreeHashes(leaves)
    for _ in range(5):
        start = data.draw(st.integers(0, size))
        end = data.draw(st.integers(start, size))
        assert cached(start, end) == subtree_hash(leaves, start, end)
