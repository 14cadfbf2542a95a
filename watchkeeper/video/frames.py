"""One decoded video frame and where it came from.

A frame carries its own provenance (source name, decode index, stream timestamp, wall-clock capture time)
so that a match found in it can be reported and audited without asking the source again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from watchkeeper.types import RGBImage


@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    """An RGB image decoded from a video source.

    ``index`` counts every frame the decoder produced, from 0, including those later skipped as corrupt or
    dropped for a slow consumer, so gaps in the indices a consumer sees show exactly what it missed.
    ``timestamp`` is seconds on the source's stream clock (from the frame's pts, or ``index / fps`` when the
    stream has no timestamps); ``captured_at`` is the UTC wall-clock time the frame was read, the time a
    report about this frame should state. ``eq=False`` because comparing images pixel by pixel is never
    what equality of two frames should mean.
    """

    image: RGBImage
    source: str
    index: int
    timestamp: float
    captured_at: datetime

    def __post_init__(self) -> None:
        image = self.image
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"frame image must be a (height, width, 3) uint8 array, got {image.shape} {image.dtype}")
        if not image.flags.c_contiguous:
            raise ValueError("frame image must be C-contiguous")
        if self.index < 0:
            raise ValueError(f"frame index must not be negative, got {self.index}")
        if self.captured_at.utcoffset() != timedelta(0):
            raise ValueError(f"captured_at must be a timezone-aware UTC time, got {self.captured_at!r}")

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])
