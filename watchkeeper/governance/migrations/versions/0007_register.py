"""The register of surveillance and analytics technology, its contracts, costs, vendor contacts and
governing documents, and the log of Freedom of Information requests

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "foi_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("requester_named", sa.Boolean(), nullable=False),
        sa.Column("requester_address_given", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("exemptions", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_sequence", sa.BigInteger(), nullable=False),
        sa.Column("answer_audit_sequence", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foi_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_foi_requests_reference")),
    )
    with op.batch_alter_table("foi_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_foi_requests_received_on"), ["received_on"], unique=False)

    op.create_table(
        "technologies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("categories", sa.String(length=400), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("product", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("camera_kinds", sa.String(length=40), nullable=False),
        sa.Column("components", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_sequence", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technologies")),
        sa.UniqueConstraint("name", name=op.f("uq_technologies_name")),
    )
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technology_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_sequence", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["technology_id"],
            ["technologies.id"],
            name=op.f("fk_contracts_technology_id_technologies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("reference", name=op.f("uq_contracts_reference")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contracts_technology_id"), ["technology_id"], unique=False)

    op.create_table(
        "governing_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technology_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_sequence", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["technology_id"],
            ["technologies.id"],
            name=op.f("fk_governing_documents_technology_id_technologies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governing_documents")),
    )
    with op.batch_alter_table("governing_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_governing_documents_technology_id"), ["technology_id"], unique=False)

    op.create_table(
        "technology_uses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technology_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_sequence", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["technology_id"],
            ["technologies.id"],
            name=op.f("fk_technology_uses_technology_id_technologies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_technology_uses")),
    )
    with op.batch_alter_table("technology_uses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_technology_uses_technology_id"), ["technology_id"], unique=False)

    op.create_table(
        "vendor_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technology_id", sa.Integer(), nullable=True),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_sequence", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["technology_id"],
            ["technologies.id"],
            name=op.f("fk_vendor_contacts_technology_id_technologies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_contacts")),
    )
    with op.batch_alter_table("vendor_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vendor_contacts_technology_id"), ["technology_id"], unique=False)

    op.create_table(
        "costs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("technology_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("supplier", sa.String(length=200), nullable=False),
        sa.Column("amount_pence", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_sequence", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_costs_contract_id_contracts"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["technology_id"], ["technologies.id"], name=op.f("fk_costs_technology_id_technologies"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_costs")),
    )
    with op.batch_alter_table("costs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_costs_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_costs_technology_id"), ["technology_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_costs_year"), ["year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("costs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_costs_year"))
        batch_op.drop_index(batch_op.f("ix_costs_technology_id"))
        batch_op.drop_index(batch_op.f("ix_costs_contract_id"))

    op.drop_table("costs")
    with op.batch_alter_table("vendor_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vendor_contacts_technology_id"))

    op.drop_table("vendor_contacts")
    with op.batch_alter_table("technology_uses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_technology_uses_technology_id"))

    op.drop_table("technology_uses")
    with op.batch_alter_table("governing_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_governing_documents_technology_id"))

    op.drop_table("governing_documents")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contracts_technology_id"))

    op.drop_table("contracts")
    op.drop_table("technologies")
    with op.batch_alter_table("foi_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_foi_requests_received_on"))

    op.drop_table("foi_requests")
