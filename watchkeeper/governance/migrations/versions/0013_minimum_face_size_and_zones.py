"""Deployments gain a minimum face size and per-camera recognition zones; runs count the faces too small

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("faces_too_small", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("minimum_face_px", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("recognition_zones", sa.Text(), nullable=False, server_default="{}"))
    with op.batch_alter_table("camera_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("faces_too_small", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    """Refused while a deployment that may still run has a minimum face size or a zone: without them it would
    match faces its authorisation excludes. (An ended deployment's terms stay in the audit log.)"""
    bound = op.get_bind().execute(
        sa.text(
            "SELECT name FROM deployments WHERE status != 'ended' "
            "AND (minimum_face_px IS NOT NULL OR recognition_zones != '{}') ORDER BY name"
        )
    )
    restricted = [name for (name,) in bound]
    if restricted:
        raise RuntimeError(
            f"deployments {restricted} have a minimum face size or recognition zones that the older schema cannot "
            "hold; end them (or downgrade a copy) first"
        )
    with op.batch_alter_table("camera_runs", schema=None) as batch_op:
        batch_op.drop_column("faces_too_small")
    with op.batch_alter_table("deployments", schema=None) as batch_op:
        batch_op.drop_column("recognition_zones")
        batch_op.drop_column("minimum_face_px")
        batch_op.drop_column("faces_too_small")
