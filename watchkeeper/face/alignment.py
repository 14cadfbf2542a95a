"""Aligned face chips: the face rotated upright, scaled and cropped the way dlib's ResNet was trained.

The chip is the network's only input, so every backend (dlib today, others later) is fed the same pixels
and can be compared on them exactly.
"""

from __future__ import annotations

import dlib
import numpy as np

from watchkeeper.face.landmarks import FivePointLandmarks
from watchkeeper.networks.resnet import CHIP_SIZE
from watchkeeper.types import BoundingBox, RGBImage

CHIP_PADDING = 0.25
"""Border around the landmarks' extent, as a fraction of it: what the ResNet was trained with."""


def align_face(image: RGBImage, landmarks: FivePointLandmarks, box: BoundingBox) -> RGBImage:
    """The ``CHIP_SIZE`` x ``CHIP_SIZE`` RGB chip of one face, eyes level and at fixed positions."""
    chip = dlib.get_face_chip(image, landmarks.to_dlib(box), size=CHIP_SIZE, padding=CHIP_PADDING)
    return np.ascontiguousarray(chip, dtype=np.uint8)
