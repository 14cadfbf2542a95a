"""Lists stored as JSON arrays instead of comma-joined text, so an item may itself hold a comma (a camera
called "Gate 3, north"); the register's two lists widen to text like the others

Revision ID: 0011
Revises: 0010
"""

import json
from collections.abc import Callable, Sequence
from functools import partial

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTS = (
    ("deployments", "cameras"),
    ("technologies", "categories"),
    ("technologies", "camera_kinds"),
    ("foi_requests", "exemptions"),
)
NARROW = {("technologies", "categories"): 400, ("technologies", "camera_kinds"): 40}
"""The list columns that were bounded text before this revision, and their lengths."""


class CommaInListError(RuntimeError):
    """A list item holds a comma, which the comma-joined form before this revision cannot store."""


def upgrade() -> None:
    for (table, column), length in NARROW.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.String(length=length), type_=sa.Text())
    for table, column in LISTS:
        _rewrite(table, column, _as_json)


def downgrade() -> None:
    for table, column in LISTS:
        _rewrite(table, column, partial(_as_comma_joined, where=f"{table}.{column}"))
    for (table, column), length in NARROW.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.String(length=length))


def _as_json(comma_joined: str) -> str:
    return json.dumps([item for item in comma_joined.split(",") if item], ensure_ascii=False)


def _as_comma_joined(stored: str, where: str) -> str:
    items: list[str] = json.loads(stored)
    with_comma = [item for item in items if "," in item]
    if with_comma:
        raise CommaInListError(
            f"cannot downgrade below 0011_json_lists: {where} holds {with_comma[0]!r}, and before it a list "
            "item could not contain a comma; rename it first"
        )
    return ",".join(items)


def _rewrite(table_name: str, column_name: str, convert: Callable[[str], str]) -> None:
    """Convert every row's value in place: all rows or, on a refusal, none (the migrations run in one
    transaction)."""
    table = sa.table(table_name, sa.column("id", sa.Integer()), sa.column(column_name, sa.Text()))
    column = table.c[column_name]
    connection = op.get_bind()
    for row_id, value in connection.execute(sa.select(table.c.id, column)).all():
        connection.execute(table.update().where(table.c.id == row_id).values({column_name: convert(value)}))
