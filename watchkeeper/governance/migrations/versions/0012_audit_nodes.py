"""The audit log's perfect subtree hashes, so a proof reads O(log n) stored nodes instead of every leaf

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from watchkeeper.governance.audit.merkle import perfect_nodes

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 10_000
"""Nodes inserted per statement while backfilling, so a long log is not held in one parameter list."""


def upgrade() -> None:
    nodes = op.create_table(
        "audit_nodes",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("level", "position"),
    )
    entries = sa.table(
        "audit_entries", sa.column("sequence", sa.BigInteger()), sa.column("leaf_hash", sa.LargeBinary())
    )
    connection = op.get_bind()
    leaves = (
        bytes(leaf)
        for leaf in connection.execute(sa.select(entries.c.leaf_hash).order_by(entries.c.sequence)).scalars()
    )
    batch: list[dict[str, object]] = []
    for node in perfect_nodes(list(leaves)):
        batch.append({"level": node.level, "position": node.position, "hash": node.hash})
        if len(batch) == BATCH:
            connection.execute(nodes.insert(), batch)
            batch = []
    if batch:
        connection.execute(nodes.insert(), batch)


def downgrade() -> None:
    op.drop_table("audit_nodes")
