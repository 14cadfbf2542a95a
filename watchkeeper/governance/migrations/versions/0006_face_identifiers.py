"""Face identifiers: a public UUID per enrolled face and per image, the image's size, the detector's score
and a client's label for the image

Revision ID: 0006
Revises: 0005
"""

import io
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from PIL import Image

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SIDEWAYS_ORIENTATIONS = frozenset({5, 6, 7, 8})
"""EXIF orientations that turn the stored image by 90 degrees: its upright width is its stored height."""


def upgrade() -> None:
    with op.batch_alter_table("enrolled_faces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("face_uuid", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("image_uuid", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("image_width", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("image_height", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("detection_score", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("external_image_id", sa.String(length=255), nullable=True))
    _fill_existing_faces()
    with op.batch_alter_table("enrolled_faces", schema=None) as batch_op:
        batch_op.alter_column("face_uuid", existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column("image_uuid", existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column("image_width", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("image_height", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_enrolled_faces_face_uuid"), ["face_uuid"])


def _fill_existing_faces() -> None:
    """Faces enrolled before this revision get their identifiers, and their image's upright size read
    from its header (each was decoded at enrolment, so each can be read again)."""
    connection = op.get_bind()
    faces = sa.table(
        "enrolled_faces",
        sa.column("id", sa.Integer()),
        sa.column("image", sa.LargeBinary()),
        sa.column("face_uuid", sa.String()),
        sa.column("image_uuid", sa.String()),
        sa.column("image_width", sa.Integer()),
        sa.column("image_height", sa.Integer()),
    )
    for face_id, image in connection.execute(sa.select(faces.c.id, faces.c.image)).all():
        with Image.open(io.BytesIO(image)) as opened:
            width, height = opened.size
            if opened.getexif().get(0x0112) in _SIDEWAYS_ORIENTATIONS:
                width, height = height, width
        connection.execute(
            faces.update()
            .where(faces.c.id == face_id)
            .values(face_uuid=str(uuid.uuid4()), image_uuid=str(uuid.uuid4()), image_width=width, image_height=height)
        )


def downgrade() -> None:
    with op.batch_alter_table("enrolled_faces", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_enrolled_faces_face_uuid"), type_="unique")
        batch_op.drop_column("external_image_id")
        batch_op.drop_column("detection_score")
        batch_op.drop_column("image_height")
        batch_op.drop_column("image_width")
        batch_op.drop_column("image_uuid")
        batch_op.drop_column("face_uuid")
