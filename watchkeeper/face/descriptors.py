"""128-d face descriptors from aligned chips, behind a small backend interface.

Descriptors are computed from chips, not from whole images, so that a backend is a pure function of its
input pixels: another implementation of the same network can be checked against dlib's on identical chips.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from watchkeeper.face import models
from watchkeeper.face.alignment import CHIP_SIZE
from watchkeeper.types import Descriptors, RGBImage

DESCRIPTOR_SIZE = 128


class DescriptorBackend(Protocol):
    """Computes one descriptor per aligned chip."""

    name: str

    def compute(self, chips: list[RGBImage]) -> Descriptors:
        """A ``(len(chips), 128)`` float32 array; an empty list gives a ``(0, 128)`` array."""
        ...


class DlibDescriptorBackend:
    """dlib's own ResNet implementation: the reference every other backend is measured against."""

    name = "dlib"

    def compute(self, chips: list[RGBImage]) -> Descriptors:
        if not chips:
            return np.empty((0, DESCRIPTOR_SIZE), dtype=np.float32)
        for chip in chips:
            if chip.shape != (CHIP_SIZE, CHIP_SIZE, 3) or chip.dtype != np.uint8:
                raise ValueError(f"chips must be ({CHIP_SIZE}, {CHIP_SIZE}, 3) uint8, got {chip.shape} {chip.dtype}")
        computed = models.face_resnet().compute_face_descriptor(chips)
        return np.asarray(computed, dtype=np.float32).reshape(len(chips), DESCRIPTOR_SIZE)
