"""Ids that are never reused (galleries and the tables of biometric data), and a gallery generation token
that changes with every change to a gallery's faces, so an index can never be taken for another's

Revision ID: 0010
Revises: 0009
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEVER_REUSED = (
    "galleries",
    "subjects",
    "enrolled_faces",
    "searches",
    "search_candidates",
    "footage_segments",
    "watchlist_entries",
    "alerts",
)
"""Only SQLite reuses ids (the largest id of a deleted row goes to the next row); it stops once a table is
declared AUTOINCREMENT, which it allows only when the table is created, so each is rebuilt (Watchkeeper
migrates SQLite with foreign keys off, so rebuilding a table leaves the rows that refer to it alone).
The rebuilt table continues after the largest id it holds."""


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in NEVER_REUSED:
            _rebuild(table, autoincrement=True)
    with op.batch_alter_table("galleries", schema=None, table_kwargs=_options(True)) as batch_op:
        batch_op.add_column(sa.Column("generation", sa.String(length=32), nullable=True))
    galleries = sa.table("galleries", sa.column("id", sa.Integer()), sa.column("generation", sa.String()))
    connection = op.get_bind()
    for (gallery_id,) in connection.execute(sa.select(galleries.c.id)).all():
        connection.execute(galleries.update().where(galleries.c.id == gallery_id).values(generation=uuid.uuid4().hex))
    with op.batch_alter_table("galleries", schema=None, table_kwargs=_options(True)) as batch_op:
        batch_op.alter_column("generation", existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("galleries", schema=None, table_kwargs=_options(True)) as batch_op:
        batch_op.drop_column("generation")
    if op.get_bind().dialect.name == "sqlite":
        for table in NEVER_REUSED:
            _rebuild(table, autoincrement=False)


def _rebuild(table: str, autoincrement: bool) -> None:
    with op.batch_alter_table(table, schema=None, recreate="always", table_kwargs=_options(autoincrement)):
        pass


def _options(autoincrement: bool) -> dict[str, bool]:
    return {"sqlite_autoincrement": autoincrement}
