"""Audit state remembers the configuration last recorded, so changes of configuration are audited

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("configuration_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_state", schema=None) as batch_op:
        batch_op.drop_column("configuration_hash")
