"""Where a camera's picture changed: the parts of a frame worth searching for faces that came into view.

A static camera over a concourse sees mostly floor, walls and signs that do not change; a person walking in
does. Searching a 1920 x 1080 frame for faces 24 px wide costs about nine times a 640 x 360 search, so the
live pipeline searches the whole picture only now and then and, in between, only the parts that changed
since its last search. Change is found by differencing two greyscale copies of the frames shrunk to
:data:`MOTION_SIDE` (noise and compression artefacts average out, and the cost is a fraction of a
millisecond), thresholding the difference, dilating it so the parts of one moving person join, and boxing
the connected parts. A person standing still is not motion: the periodic whole search finds them, and once
found they are followed where they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from numpy.typing import NDArray

from watchkeeper.types import BoundingBox, ImageSize, RGBImage

MOTION_SIDE = 320
"""Longer side, in pixels, of the copies compared. At 1080p one pixel of it is 6 x 6 of the frame, still
finer than a 24 px face."""

CHANGE_LEVEL = 18
"""Grey levels (of 255) a pixel of the shrunk copy must change by to count: above H.264's flicker on a
static background at ordinary bit rates, below the change a person's edge makes against a floor."""

MOTION_MARGIN = 0.5
"""A changed part is searched in its box grown by this many box sides on every side (at least
:data:`MIN_REGION_PX`): a head moving slowly changes only along its edges, and the face must lie inside."""

MIN_REGION_PX = 64
"""The smallest side of a searched part, in frame pixels: a detector needs context around a small face."""

GreyImage = NDArray[np.uint8]


class MotionFinder:
    """Boxes of the parts of each frame it is shown that changed since the frame it was shown before."""

    def __init__(self) -> None:
        self._previous: GreyImage | None = None

    def changed_regions(self, image: RGBImage) -> list[BoundingBox] | None:
        """The changed parts of ``image`` (boxes in its pixels, grown and merged), or None when there is no
        earlier frame of the same size to compare with (the caller searches the whole frame then)."""
        height, width = image.shape[:2]
        factor = min(1.0, MOTION_SIDE / max(height, width))
        shrunk = (max(1, round(width * factor)), max(1, round(height * factor)))
        small = cv2.resize(image, shrunk, interpolation=cv2.INTER_AREA)
        grey: GreyImage = np.asarray(cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (3, 3), 0), np.uint8)
        previous, self._previous = self._previous, grey
        if previous is None or previous.shape != grey.shape:
            return None
        changed = (np.asarray(cv2.absdiff(grey, previous)) > CHANGE_LEVEL).astype(np.uint8)
        joined = cv2.dilate(changed, np.ones((3, 3), np.uint8), iterations=2)
        count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
        size = ImageSize(width, height)
        boxes = [
            _grown(_frame_box(stats[label], factor), size)
            for label in range(1, count)  # label 0 is the unchanged background
        ]
        return merged_regions(boxes)


def _frame_box(stat: NDArray[np.int32], factor: float) -> BoundingBox:
    left, top, box_width, box_height = (int(v) for v in stat[:4])
    return BoundingBox(
        int(left / factor), int(top / factor), int(np.ceil((left + box_width) / factor)),
        int(np.ceil((top + box_height) / factor)),
    )  # fmt: skip


def _grown(box: BoundingBox, size: ImageSize) -> BoundingBox:
    """``box`` grown on every side by :data:`MOTION_MARGIN` of its longer side, and to at least
    :data:`MIN_REGION_PX` each way, within the frame."""
    side = max(box.width, box.height)
    dx = max(round(MOTION_MARGIN * side), (MIN_REGION_PX - box.width + 1) // 2)
    dy = max(round(MOTION_MARGIN * side), (MIN_REGION_PX - box.height + 1) // 2)
    return BoundingBox(box.left - dx, box.top - dy, box.right + dx, box.bottom + dy).clipped(size)


def merged_regions(boxes: Sequence[BoundingBox]) -> list[BoundingBox]:
    """``boxes`` with every overlapping pair replaced by their union, until none overlap: each part of the
    picture is then searched once."""
    merged: list[BoundingBox] = []
    for box in boxes:
        region = box
        while overlapping := [m for m in merged if m.intersection_over_union(region) > 0.0]:
            for other in overlapping:
                merged.remove(other)
                region = region.union(other)
        merged.append(region)
    return [region for region in merged if region.area > 0]
