"""Searches through recorded footage: the video searched, and the segments where the probe person appears

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("searches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("footage", sa.Text(), nullable=True))
    op.create_table(
        "footage_segments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("search_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("start_seconds", sa.Float(), nullable=False),
        sa.Column("end_seconds", sa.Float(), nullable=False),
        sa.Column("distance", sa.Float(), nullable=False),
        sa.Column("similarity", sa.Float(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["search_id"], ["searches.id"], name=op.f("fk_footage_segments_search_id_searches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_footage_segments")),
    )
    with op.batch_alter_table("footage_segments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_footage_segments_search_id"), ["search_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("footage_segments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_footage_segments_search_id"))
    op.drop_table("footage_segments")
    with op.batch_alter_table("searches", schema=None) as batch_op:
        batch_op.drop_column("footage")
