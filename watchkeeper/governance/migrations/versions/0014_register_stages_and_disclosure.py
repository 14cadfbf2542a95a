"""The register answers as of a date: camera kinds and plan approval belong to a stage of use, entries can
be marked as this system, costs name the stage they paid for, contracts and documents say how they are
published, and retention policy statements are kept in the force's own words

Revision ID: 0014
Revises: 0013
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WATCHKEEPER_NAME = "Watchkeeper"
"""The one name under which this system could be registered before this revision."""


def upgrade() -> None:
    with op.batch_alter_table("technology_uses", schema=None) as batch_op:
        batch_op.add_column(sa.Column("camera_kinds", sa.Text(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("approved_on", sa.Date(), nullable=True))
    # A technology's camera kinds were one setting for all its stages: each stage inherits them.
    op.execute(
        "UPDATE technology_uses SET camera_kinds = (SELECT camera_kinds FROM technologies "
        "WHERE technologies.id = technology_uses.technology_id)"
    )
    with op.batch_alter_table("technologies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("this_system", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.drop_column("camera_kinds")
    op.get_bind().execute(
        sa.text("UPDATE technologies SET this_system = :yes WHERE name = :name"),
        {"yes": True, "name": WATCHKEEPER_NAME},
    )
    with op.batch_alter_table("costs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("use_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_costs_use_id", ["use_id"])
        batch_op.create_foreign_key(
            "fk_costs_use_id_technology_uses", "technology_uses", ["use_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("published_url", sa.Text(), nullable=True))
    with op.batch_alter_table("governing_documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redacted", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "retention_statements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("technology_id", sa.Integer(), sa.ForeignKey("technologies.id", ondelete="CASCADE"), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("in_force_from", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_sequence", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_retention_statements_technology_id", "retention_statements", ["technology_id"])


def downgrade() -> None:
    """Camera kinds go back to the technology as the union of its stages' (what the older schema could
    say); the other facts have no place there and are dropped (their audit entries keep them)."""
    op.drop_index("ix_retention_statements_technology_id", table_name="retention_statements")
    op.drop_table("retention_statements")
    with op.batch_alter_table("governing_documents", schema=None) as batch_op:
        batch_op.drop_column("redacted")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_column("published_url")
    with op.batch_alter_table("costs", schema=None) as batch_op:
        batch_op.drop_constraint("fk_costs_use_id_technology_uses", type_="foreignkey")
        batch_op.drop_index("ix_costs_use_id")
        batch_op.drop_column("use_id")
    with op.batch_alter_table("technologies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("camera_kinds", sa.Text(), nullable=False, server_default="[]"))
        batch_op.drop_column("this_system")
    bind = op.get_bind()
    kinds: dict[int, set[str]] = {}
    for technology_id, stored in bind.execute(sa.text("SELECT technology_id, camera_kinds FROM technology_uses")):
        kinds.setdefault(technology_id, set()).update(json.loads(stored))
    for technology_id, found in kinds.items():
        bind.execute(
            sa.text("UPDATE technologies SET camera_kinds = :kinds WHERE id = :id"),
            {"kinds": json.dumps(sorted(found)), "id": technology_id},
        )
    with op.batch_alter_table("technology_uses", schema=None) as batch_op:
        batch_op.drop_column("approved_on")
        batch_op.drop_column("camera_kinds")
