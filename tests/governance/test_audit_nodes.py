"""The audit log's node layer: proofs read from O(log n) stored nodes are those the leaves give, and a
stored node rewritten in the database is named by verification and fails the proofs built on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial

import pytest
from alembic import command
from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import ORMExecuteState

from watchkeeper.errors import NotFoundError
from watchkeeper.governance.audit.checkpoint import open_checkpoint
from watchkeeper.governance.audit.errors import ProofError
from watchkeeper.governance.audit.events import UploadsSwept
from watchkeeper.governance.audit.merkle import SubtreeHashes, subtree_hash
from watchkeeper.governance.audit.proofs import consistency_proof, inclusion_proof, verify_inclusion
from watchkeeper.governance.audit.verify import FindingKind
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import alembic_config, transaction
from watchkeeper.governance.roles import SYSTEM_ACTOR
from watchkeeper.governance.schema import AuditEntryRow, AuditNode


def append_entries(gov: Governance, count: int) -> None:
    with transaction(gov.sessions) as session:
        for number in range(count):
            gov.audit.append(session, SYSTEM_ACTOR, UploadsSwept(files=number), "uploads swept")


def stored_leaves(gov: Governance) -> list[bytes]:
    with gov.sessions() as session:
        return [
            bytes(leaf) for leaf in session.scalars(select(AuditEntryRow.leaf_hash).order_by(AuditEntryRow.sequence))
        ]


def stored_nodes(gov: Governance) -> dict[tuple[int, int], bytes]:
    with gov.sessions() as session:
        rows = session.execute(select(AuditNode.level, AuditNode.position, AuditNode.hash)).all()
    return {(level, position): bytes(node) for level, position, node in rows}


def test_proofs_from_stored_nodes_equal_those_from_every_leaf_for_every_size_up_to_40(gov: Governance) -> None:
    """The proofs the log served before it stored nodes, computed from all the leaf hashes, byte for byte."""
    assert gov.audit.size() <= 1  # the configuration in force, recorded at open
    append_entries(gov, 1 - gov.audit.size())
    for size in range(1, 41):
        if size > 1:
            append_entries(gov, 1)
        leaves = stored_leaves(gov)
        assert len(leaves) == size
        for index in range(size):
            _, leaf, proof, _ = gov.audit.inclusion(index)
            assert leaf == leaves[index]
            assert proof == inclusion_proof(index, size, partial(subtree_hash, leaves))
        every_leaf = SubtreeHashes(leaves)
        for old_size in range(1, size + 1):
            update = gov.audit.update_since(old_size, size)
            assert list(update.proof) == consistency_proof(old_size, size, every_leaf)
            assert update.old_root == every_leaf(0, old_size)


@contextmanager
def rows_read(gov: Governance) -> Iterator[list[int]]:
    """The number of rows each statement of the block returned, in order."""
    counts: list[int] = []

    def count(state: ORMExecuteState) -> object:
        frozen = state.invoke_statement().freeze()
        counts.append(len(frozen.data))
        return frozen()

    event.listen(gov.sessions, "do_orm_execute", count)
    try:
        yield counts
    finally:
        event.remove(gov.sessions, "do_orm_execute", count)


@pytest.mark.parametrize("size", [1000, 1023, 1024, 1025])
def test_a_proof_reads_a_logarithmic_number_of_rows(gov: Governance, size: int) -> None:
    append_entries(gov, size - gov.audit.size())
    bound = 4 + 2 * size.bit_length()  # the head, the entry, and at most two tiles per level
    for index in (0, size // 3, size - 2, size - 1):
        with rows_read(gov) as counts:
            gov.audit.inclusion(index)
        assert len(counts) <= 4
        assert sum(counts) <= bound, counts
    for old_size in (1, size // 2, size - 1):
        with rows_read(gov) as counts:
            gov.audit.update_since(old_size, size)
        assert len(counts) <= 4
        assert sum(counts) <= bound, counts


def test_appends_store_every_perfect_subtree_and_nothing_else(gov: Governance) -> None:
    append_entries(gov, 37 - gov.audit.size())
    leaves = stored_leaves(gov)
    nodes = stored_nodes(gov)
    assert len(nodes) == 37 - (37).bit_count()
    for (level, position), node in nodes.items():
        assert node == subtree_hash(leaves, position << level, (position + 1) << level)


def test_the_migration_backfills_the_nodes_appends_wrote(gov: Governance) -> None:
    append_entries(gov, 29 - gov.audit.size())
    written = stored_nodes(gov)
    config = alembic_config(gov.settings.effective_database_url)
    command.downgrade(config, "0011")
    command.upgrade(config, "head")
    assert stored_nodes(gov) == written
    assert gov.audit.verify().ok


def _rewrite(gov: Governance) -> None:
    with transaction(gov.sessions) as session:
        session.execute(
            update(AuditNode).where(AuditNode.level == 1, AuditNode.position == 2).values(hash=b"\x07" * 32)
        )


def _delete(gov: Governance) -> None:
    with transaction(gov.sessions) as session:
        session.execute(delete(AuditNode).where(AuditNode.level == 1, AuditNode.position == 2))


def _add_beyond(gov: Governance) -> None:
    with transaction(gov.sessions) as session:
        session.add(AuditNode(level=1, position=50, hash=b"\x07" * 32))


@pytest.mark.parametrize(
    ("tamper", "said"),
    [(_rewrite, "is 0707"), (_delete, "is missing"), (_add_beyond, "beyond the log")],
    ids=["rewritten", "deleted", "added"],
)
def test_verification_names_a_tampered_node(gov: Governance, tamper: Callable[[Governance], None], said: str) -> None:
    append_entries(gov, 12 - gov.audit.size())
    assert gov.audit.verify().ok
    tamper(gov)
    report = gov.audit.verify()
    assert not report.ok
    (finding,) = report.findings
    assert finding.kind is FindingKind.NODE_ALTERED
    first = 100 if tamper is _add_beyond else 4
    assert finding.position == first
    assert f"entries {first} to {first + 1} (level 1)" in finding.message
    assert said in finding.message


def test_a_proof_built_on_a_rewritten_node_fails_at_the_client(gov: Governance) -> None:
    append_entries(gov, 12 - gov.audit.size())
    _rewrite(gov)  # the node over entries 4 and 5: a sibling on the path of entries 6 and 7
    for index in range(12):
        _, leaf, proof, head = gov.audit.inclusion(index)
        checkpoint = open_checkpoint(head, gov.audit.verifier)
        if index in (6, 7):
            with pytest.raises(ProofError, match="the proof leads to root"):
                verify_inclusion(leaf, index, checkpoint.size, proof, checkpoint.root_hash)
        else:
            verify_inclusion(leaf, index, checkpoint.size, proof, checkpoint.root_hash)


def test_a_proof_that_needs_a_deleted_node_is_refused(gov: Governance) -> None:
    append_entries(gov, 12 - gov.audit.size())
    _delete(gov)
    with pytest.raises(NotFoundError, match="the 2 leaves from 4 is missing"):
        gov.audit.inclusion(6)
    with pytest.raises(NotFoundError, match="missing"):
        gov.audit.update_since(6, 12)  # the old root is over it
