"""The operator's live view: a camera's frame drawn as the pipeline sees it, as a small JPEG.

An operator has to tell at a glance what a camera can and cannot recognise: a face boxed is being followed,
a face marked ``match`` raised an alert, a grey box ``too small`` is seen but never recognised, the picture
is dimmed where the deployment's recognition zone does not reach, and a bar shows how far apart a face's
eyes must be to be matched at all. The frame is the pipeline's own, so the drawing is done on a reduced
copy, and the JPEG is only returned: nothing here keeps or writes a picture.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import cv2
import numpy as np

from watchkeeper.live.pipeline import FaceStatus, FrameView
from watchkeeper.types import BoundingBox, RGBImage

VIEW_MAX_WIDTH = 640
"""Wide enough to see who is boxed on a control-room screen, small enough to send twice a second."""
JPEG_QUALITY = 70

Colour = tuple[int, int, int]
FACE_COLOURS: dict[FaceStatus, Colour] = {
    FaceStatus.FOLLOWED: (0, 200, 255),
    FaceStatus.MATCHED: (255, 0, 200),
    FaceStatus.TOO_SMALL: (150, 150, 150),
}
"""In R, G, B order, as the page's legend shows them: a match is the one strong, warm colour in the picture;
a face too small is grey, like something the camera cannot make out."""
FACE_LABELS = {FaceStatus.MATCHED: "match", FaceStatus.TOO_SMALL: "too small"}
ZONE_COLOUR: Colour = (255, 221, 0)
SCALE_COLOUR: Colour = (255, 255, 255)
SHADOW: Colour = (0, 0, 0)
OUTSIDE_ZONE_BRIGHTNESS = 0.35
"""Outside the zone the picture stays visible (the operator still sees the scene), plainly darker."""
FONT = cv2.FONT_HERSHEY_SIMPLEX
FONT_SCALE = 0.45
MARGIN = 8


def draw_view(view: FrameView, *, max_width: int = VIEW_MAX_WIDTH) -> bytes:
    """``view`` drawn for the operator as a JPEG at most ``max_width`` pixels wide. The boxes, zone and
    minimum size are the pipeline's, in the frame's pixels, so they are scaled with the picture: the bar
    of the minimum face size is as long on the picture as the smallest matched eye distance is."""
    scale = min(1.0, max_width / view.image.shape[1])
    picture = _reduced(view.image, scale)
    if view.zone is not None:
        zone = _scaled(view.zone, scale)
        _dim_outside(picture, zone)
        _outline(picture, zone, ZONE_COLOUR, "recognition zone")
    for face in view.faces:
        _outline(picture, _scaled(face.box, scale), FACE_COLOURS[face.status], FACE_LABELS.get(face.status))
    if view.minimum_face_px is not None:
        _scale_bar(picture, round(view.minimum_face_px * scale), view.minimum_face_px)
    return _jpeg(picture)


WAITING = "waiting for the camera's picture"
STOPPED = "this camera's run has stopped"
SIGNED_OUT = "signed out: sign in again to see the camera"


@functools.lru_cache(maxsize=8)
def notice_picture(text: str) -> bytes:
    """A plain picture of ``text`` in place of the camera's: what the view shows while a running camera
    has no recent frame (connecting, or reconnecting) and when it stops, so an operator can tell a camera
    that is down from a quiet scene and never takes a frozen picture for a live one."""
    picture = np.full((360, VIEW_MAX_WIDTH, 3), 40, dtype=np.uint8)
    (text_width, _), _ = cv2.getTextSize(text, FONT, 0.7, 1)
    cv2.putText(picture, text, ((VIEW_MAX_WIDTH - text_width) // 2, 185), FONT, 0.7, SCALE_COLOUR, 1, cv2.LINE_AA)
    return _jpeg(picture)


def _jpeg(picture: RGBImage) -> bytes:
    height, width = picture.shape[:2]
    encoded, jpeg = cv2.imencode(
        ".jpg", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY]
    )
    if not encoded:
        raise ValueError(f"could not encode a {width}x{height} view as JPEG")
    return jpeg.tobytes()


def _reduced(image: RGBImage, scale: float) -> RGBImage:
    """A copy to draw on (the frame itself is the pipeline's), reduced when it is wider than the view."""
    if scale >= 1.0:
        return image.copy()
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)


def _scaled(box: BoundingBox, scale: float) -> BoundingBox:
    return BoundingBox(
        round(box.left * scale), round(box.top * scale), round(box.right * scale), round(box.bottom * scale)
    )


def _dim_outside(picture: RGBImage, zone: BoundingBox) -> None:
    inside = picture[zone.top : zone.bottom, zone.left : zone.right].copy()
    picture[:] = (picture * OUTSIDE_ZONE_BRIGHTNESS).astype(np.uint8)
    picture[zone.top : zone.bottom, zone.left : zone.right] = inside


def _outline(picture: RGBImage, box: BoundingBox, colour: Colour, label: str | None) -> None:
    """A box with its label on a dark band just above it (inside it when the box touches the top), so the
    label reads on any scene."""
    height, width = picture.shape[:2]
    right, bottom = min(box.right, width) - 1, min(box.bottom, height) - 1
    cv2.rectangle(picture, (box.left, box.top), (max(box.left, right), max(box.top, bottom)), colour, 2)
    if label is None:
        return
    (text_width, text_height), baseline = cv2.getTextSize(label, FONT, FONT_SCALE, 1)
    band = text_height + baseline + 4
    top = box.top - band if box.top >= band else box.top + 2
    cv2.rectangle(picture, (box.left, top), (box.left + text_width + 6, top + band), SHADOW, cv2.FILLED)
    cv2.putText(picture, label, (box.left + 3, top + text_height + 2), FONT, FONT_SCALE, colour, 1, cv2.LINE_AA)


def _scale_bar(picture: RGBImage, length: int, minimum_face_px: int) -> None:
    """The smallest eye distance matched, as a bar with end marks in the bottom left corner: a face whose
    eyes are closer together than the bar is long is seen and never recognised."""
    height, width = picture.shape[:2]
    label = f"min. eye distance {minimum_face_px} px"
    _size, baseline = cv2.getTextSize(label, FONT, FONT_SCALE, 1)
    left, y = MARGIN, height - MARGIN - 6
    right = min(left + max(length, 1), width - MARGIN)
    marks: Sequence[tuple[tuple[int, int], tuple[int, int]]] = (
        ((left, y), (right, y)),
        ((left, y - 6), (left, y + 6)),
        ((right, y - 6), (right, y + 6)),
    )
    for colour, thickness in ((SHADOW, 4), (SCALE_COLOUR, 2)):
        for start, end in marks:
            cv2.line(picture, start, end, colour, thickness)
    text_at = (left, y - 10 - baseline)
    cv2.putText(picture, label, text_at, FONT, FONT_SCALE, SHADOW, 3, cv2.LINE_AA)
    cv2.putText(picture, label, text_at, FONT, FONT_SCALE, SCALE_COLOUR, 1, cv2.LINE_AA)
