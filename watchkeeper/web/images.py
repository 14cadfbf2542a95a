"""Face images as the pages show them: small, upright JPEGs, the enrolled face centred with a margin.

A person comparing two faces needs the faces, not the whole photographs they came from; and a small image
is all a page needs, so no page carries more of a face image than it shows.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from fastapi.responses import Response
from PIL import Image, ImageOps, UnidentifiedImageError

from watchkeeper.face.images import face_with_margin
from watchkeeper.governance.galleries import EnrolledImage

THUMBNAIL_SIDE = 320


def image_response(data: bytes) -> Response:
    """A stored image as it is (a live crop, a watchlist image), typed from its own bytes."""
    with Image.open(io.BytesIO(data)) as image:
        media_type = Image.MIME.get(image.format or "", "application/octet-stream")
    return Response(data, media_type=media_type)


def face_response(image: EnrolledImage) -> Response:
    """The enrolled face of ``image`` with a margin around it, as a small JPEG."""
    face = face_with_margin(np.asarray(_upright(image.data)), image.box)
    return Response(_jpeg(Image.fromarray(face)), media_type="image/jpeg")


def preview_data_url(data: bytes) -> str | None:
    """An uploaded image as a ``data:`` URL of a small JPEG, for a page to show back what was sent without
    storing it anywhere (None if it cannot be read as an image)."""
    try:
        upright = _upright(data)
    except (UnidentifiedImageError, OSError):
        return None
    return "data:image/jpeg;base64," + base64.b64encode(_jpeg(upright)).decode("ascii")


def _upright(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return ImageOps.exif_transpose(image).convert("RGB")


def _jpeg(image: Image.Image) -> bytes:
    image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()
