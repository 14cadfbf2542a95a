"""Camera runs with checkpointed counts, so a run whose process died is closed on record, not lost

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "camera_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("camera", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("checkpoint_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("interrupted", sa.Boolean(), nullable=False),
        sa.Column("frames_processed", sa.Integer(), nullable=False),
        sa.Column("faces_seen", sa.Integer(), nullable=False),
        sa.Column("tracks", sa.Integer(), nullable=False),
        sa.Column("frames_dropped", sa.Integer(), nullable=False),
        sa.Column("corrupt_skipped", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["deployment_id"], ["deployments.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("camera_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_camera_runs_deployment_id"), ["deployment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_camera_runs_stopped_at"), ["stopped_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("camera_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_camera_runs_stopped_at"))
        batch_op.drop_index(batch_op.f("ix_camera_runs_deployment_id"))
    op.drop_table("camera_runs")
