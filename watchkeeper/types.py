"""Shared vocabulary: pixel geometry, array aliases and confidence intervals used by every layer.

This module imports nothing of Watchkeeper's own, so any module may depend on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

RGBImage = NDArray[np.uint8]
"""An image as a C-contiguous ``(height, width, 3)`` uint8 array, channels in R, G, B order."""

DESCRIPTOR_SIZE = 128
"""Length of a face descriptor: the output of dlib's ResNet, the rows every gallery index holds."""

Descriptors = NDArray[np.float32]
"""Face descriptors as a ``(n, DESCRIPTOR_SIZE)`` float32 array (one row per face), or ``(DESCRIPTOR_SIZE,)``
for one face."""


CONFIDENCE_LEVEL = 0.95
"""The level of every interval Watchkeeper reports."""


@dataclass(frozen=True, slots=True)
class Interval:
    """A two-sided confidence interval at :data:`CONFIDENCE_LEVEL`, and how it was computed."""

    low: float
    high: float
    method: str
    """``"wilson"`` or ``"identity_bootstrap"`` (face accuracy), ``"jeffreys"`` or ``"location_bootstrap"`` (crime
    forecasts); each module that makes one says why it chose its method."""


@dataclass(frozen=True, slots=True)
class ImageSize:
    """Width and height of an image in pixels."""

    width: int
    height: int

    def __post_init__(self) -> None:
        if self.width < 1 or self.height < 1:
            raise ValueError(f"image size must be positive, got {self.width} x {self.height}")

    @property
    def pixels(self) -> int:
        return self.width * self.height


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """A face box in pixels of the image it was found in: its left, top, right and bottom edges.

    The numbers are those dlib's detectors report and the face_recognition package prints, so results can
    be compared with both. Geometry treats them as edges (pixel ``x`` covers ``[x, x + 1)``), so
    ``width = right - left`` and a box clipped to an image of width ``W`` has ``right <= W``. A box straight
    from a detector may extend past the image's edges; :meth:`clipped` trims it.
    """

    left: int
    top: int
    right: int
    bottom: int

    def __post_init__(self) -> None:
        if self.right < self.left or self.bottom < self.top:
            raise ValueError(
                f"box has right < left or bottom < top: left={self.left} top={self.top} "
                f"right={self.right} bottom={self.bottom}"
            )

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def area(self) -> int:
        return self.width * self.height

    def scaled(self, factor: float) -> BoundingBox:
        """The same box in an image resized by ``factor`` (e.g. back from a downscaled copy)."""
        return BoundingBox(
            left=round(self.left * factor),
            top=round(self.top * factor),
            right=round(self.right * factor),
            bottom=round(self.bottom * factor),
        )

    def translated(self, dx: int, dy: int) -> BoundingBox:
        """The same box moved by ``(dx, dy)`` (e.g. from a crop's pixels back to the whole image's)."""
        return BoundingBox(self.left + dx, self.top + dy, self.right + dx, self.bottom + dy)

    def expanded(self, margin: float) -> BoundingBox:
        """The box grown by ``margin`` times its own width (height) on the left and right (top and bottom)."""
        dx, dy = round(self.width * margin), round(self.height * margin)
        return BoundingBox(self.left - dx, self.top - dy, self.right + dx, self.bottom + dy)

    def union(self, other: BoundingBox) -> BoundingBox:
        """The smallest box holding both."""
        return BoundingBox(
            min(self.left, other.left), min(self.top, other.top), max(self.right, other.right),
            max(self.bottom, other.bottom),
        )  # fmt: skip

    def clipped(self, size: ImageSize) -> BoundingBox:
        """The part of the box inside an image of ``size`` (faces cut by the frame's edge)."""
        left = min(max(self.left, 0), size.width)
        top = min(max(self.top, 0), size.height)
        return BoundingBox(
            left=left,
            top=top,
            right=max(min(self.right, size.width), left),
            bottom=max(min(self.bottom, size.height), top),
        )

    def intersection_over_union(self, other: BoundingBox) -> float:
        """Overlap of two boxes as intersection area over union area, in [0, 1] (0 for two empty boxes)."""
        width = min(self.right, other.right) - max(self.left, other.left)
        height = min(self.bottom, other.bottom) - max(self.top, other.top)
        if width <= 0 or height <= 0:
            return 0.0
        intersection = width * height
        return intersection / (self.area + other.area - intersection)

    def intersection(self, other: BoundingBox) -> BoundingBox:
        """The part of this box inside ``other`` (an empty box at the nearest edge when they do not overlap)."""
        left, top = max(self.left, other.left), max(self.top, other.top)
        return BoundingBox(left, top, max(left, min(self.right, other.right)), max(top, min(self.bottom, other.bottom)))

    def overlaps(self, other: BoundingBox) -> bool:
        return self.intersection(other).area > 0

    def contains(self, other: BoundingBox) -> bool:
        return (
            self.left <= other.left and self.top <= other.top and other.right <= self.right
            and other.bottom <= self.bottom
        )  # fmt: skip

    def contains_point(self, x: float, y: float) -> bool:
        return self.left <= x < self.right and self.top <= y < self.bottom

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.left + self.right) / 2, (self.top + self.bottom) / 2)

    def as_css(self) -> tuple[int, int, int, int]:
        """``(top, right, bottom, left)``: the order the face_recognition package uses."""
        return (self.top, self.right, self.bottom, self.left)


@dataclass(frozen=True, slots=True)
class Detection:
    """One face found by a detector.

    ``box`` is in pixels of the image the detector was given and may extend past its edges (a face cut by
    the frame); landmark prediction wants the whole box, reports want it clipped. ``score`` is the
    detector's own confidence: the HOG's SVM margin, the CNN's score or CenterFace's heatmap value (0 to 1);
    higher is more certain, 0 is dlib's detectors' default decision boundary, and the detectors' scores are
    not comparable.
    """

    box: BoundingBox
    score: float


@dataclass(frozen=True, slots=True, kw_only=True)
class FrameRegion:
    """A part of a camera's picture as fractions of its width and height (0 to 1 from the left and the top),
    so it means the same part of the scene whatever resolution the camera streams at.

    A deployment's recognition zone for a camera is one: faces are looked for only there (a concourse, not
    the departure board above it), which saves the search of the rest and is drawn on the operator's view.
    """

    left: float
    top: float
    right: float
    bottom: float

    def __post_init__(self) -> None:
        if not (0.0 <= self.left < self.right <= 1.0 and 0.0 <= self.top < self.bottom <= 1.0):
            raise ValueError(
                "a frame region needs 0 <= left < right <= 1 and 0 <= top < bottom <= 1, got "
                f"left={self.left} top={self.top} right={self.right} bottom={self.bottom}"
            )

    def in_pixels(self, size: ImageSize) -> BoundingBox:
        """The region in a picture of ``size``: edges rounded outwards, so a face on the border is kept."""
        return BoundingBox(
            math.floor(self.left * size.width),
            math.floor(self.top * size.height),
            math.ceil(self.right * size.width),
            math.ceil(self.bottom * size.height),
        )
