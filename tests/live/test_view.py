"""The operator's view of a synthetic frame: a small JPEG whose colours, zone and scale bar say what the
camera recognises, drawn without touching the frame the pipeline holds."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from watchkeeper.live.pipeline import FaceStatus, FrameView, ViewedFace
from watchkeeper.live.view import FACE_COLOURS, SCALE_COLOUR, VIEW_MAX_WIDTH, WAITING, draw_view, notice_picture
from watchkeeper.types import BoundingBox, RGBImage

MATCHED = BoundingBox(760, 200, 1000, 440)
FOLLOWED = BoundingBox(1040, 200, 1200, 360)
TOO_SMALL = BoundingBox(700, 560, 740, 600)
ZONE = BoundingBox(640, 0, 1280, 720)
"""The right half of a 1280 x 720 frame: the view halves it to 640 x 360."""


def frame() -> RGBImage:
    """Mid grey with a little noise, like a dull scene: every colour drawn on it stands out."""
    rng = np.random.default_rng(3)
    return np.ascontiguousarray(rng.integers(110, 146, size=(720, 1280, 3), dtype=np.uint8))


def decoded(jpeg: bytes) -> NDArray[np.uint8]:
    assert jpeg.startswith(b"\xff\xd8\xff")
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), dtype=np.uint8)


def nearest_status(colour: NDArray[np.float64]) -> FaceStatus:
    return min(FACE_COLOURS, key=lambda status: float(np.linalg.norm(colour - np.array(FACE_COLOURS[status]))))


def view_of(image: RGBImage, minimum_face_px: int | None = 100) -> FrameView:
    faces = (
        ViewedFace(MATCHED, FaceStatus.MATCHED),
        ViewedFace(FOLLOWED, FaceStatus.FOLLOWED),
        ViewedFace(TOO_SMALL, FaceStatus.TOO_SMALL),
    )
    return FrameView(image=image, frame_index=7, zone=ZONE, minimum_face_px=minimum_face_px, faces=faces)


def test_the_view_is_a_small_jpeg_drawn_on_a_copy_of_the_frame() -> None:
    image = frame()
    untouched = image.copy()
    picture = decoded(draw_view(view_of(image)))
    assert picture.shape == (360, VIEW_MAX_WIDTH, 3)
    assert np.array_equal(image, untouched)  # the pipeline's frame is as it was


def test_each_face_is_boxed_in_the_colour_of_its_status() -> None:
    picture = decoded(draw_view(view_of(frame()))).astype(np.float64)
    for box, status in ((MATCHED, FaceStatus.MATCHED), (FOLLOWED, FaceStatus.FOLLOWED)):
        left, top, right, bottom = (edge // 2 for edge in (box.left, box.top, box.right, box.bottom))
        middle = (top + bottom) // 2
        left_edge = picture[middle - 10 : middle + 10, left : left + 2].reshape(-1, 3).mean(axis=0)
        assert nearest_status(left_edge) is status, left_edge
        assert np.linalg.norm(left_edge - np.array(FACE_COLOURS[status])) < 60, left_edge
        inside = picture[middle - 10 : middle + 10, left + 10 : right - 10].reshape(-1, 3).mean(axis=0)
        assert np.all(np.abs(inside - 128) < 12), "inside a box the picture is left as it is"
    small = picture[285:296, 350:352].reshape(-1, 3).mean(axis=0)  # the left edge of the face too small
    assert nearest_status(small) is FaceStatus.TOO_SMALL, small


def test_outside_the_zone_is_darker_than_inside() -> None:
    picture = decoded(draw_view(view_of(frame(), minimum_face_px=None))).astype(np.float64)
    outside = picture[40:320, 20:300].mean()
    inside = picture[20:80, 340:620].mean()  # above the boxes
    assert outside < 0.5 * inside
    assert abs(inside - 128) < 8


def test_the_minimum_face_size_is_a_bar_scaled_with_the_picture() -> None:
    picture = decoded(draw_view(view_of(frame(), minimum_face_px=100))).astype(np.float64)
    row = picture[360 - 8 - 6]  # where the bar is drawn: the bottom left corner
    white = np.flatnonzero(np.linalg.norm(row - np.array(SCALE_COLOUR), axis=1) < 60)
    assert white.size > 0
    assert abs(int(white.min()) - 8) <= 2
    assert abs(int(white.max()) - (8 + 50)) <= 2, "100 px in the frame is 50 px in a picture of half its width"


def test_a_frame_narrower_than_the_view_keeps_its_size_and_needs_no_zone_or_minimum() -> None:
    ramp = np.linspace(40, 220, 320, dtype=np.float64).astype(np.uint8)
    image = np.ascontiguousarray(np.broadcast_to(ramp[None, :, None], (240, 320, 3)))  # smooth: JPEG keeps it
    view = FrameView(image=image, frame_index=0, zone=None, minimum_face_px=None, faces=())
    picture = decoded(draw_view(view)).astype(np.float64)
    assert picture.shape == (240, 320, 3)
    assert np.abs(picture - image).max() < 12  # nothing drawn, nothing dimmed


def test_a_camera_with_no_picture_yet_is_shown_as_waiting() -> None:
    picture = decoded(notice_picture(WAITING))
    assert picture.shape == (360, VIEW_MAX_WIDTH, 3)
    assert picture.max() > 200  # the words on a dark ground
