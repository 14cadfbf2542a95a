"""128-d face descriptors from aligned chips, behind a small backend interface.

Descriptors are computed from chips, not from whole images, so that a backend is a pure function of its
input pixels: the ONNX rebuild of dlib's network is checked against dlib's own on identical chips. Which
backend runs is a setting (:class:`~watchkeeper.config.NetworkBackend`); the backends themselves live in
:mod:`watchkeeper.networks.backends`.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from watchkeeper.config import NetworkBackend, Settings
from watchkeeper.networks.backends import DlibDescriptorBackend, OnnxDescriptorBackend
from watchkeeper.types import DESCRIPTOR_SIZE, Descriptors, RGBImage

__all__ = [
    "DESCRIPTOR_SIZE",
    "DescriptorBackend",
    "MirrorAveragedBackend",
    "make_descriptor_backend",
    "mirror_average",
    "mirrored",
]


class DescriptorBackend(Protocol):
    """Computes one descriptor per aligned chip."""

    name: str

    def compute(self, chips: list[RGBImage]) -> Descriptors:
        """A ``(len(chips), 128)`` float32 array; an empty list gives a ``(0, 128)`` array."""
        ...


def make_descriptor_backend(settings: Settings) -> DescriptorBackend:
    """The backend ``settings`` choose; the ONNX one caches its built network under the data directory."""
    if settings.network_backend is NetworkBackend.DLIB:
        return DlibDescriptorBackend()
    return OnnxDescriptorBackend(settings.model_cache_dir, threads=settings.threads)


def mirrored(chip: RGBImage) -> RGBImage:
    """The chip flipped left to right: an aligned chip stays aligned, its eyes swapping places."""
    flipped: RGBImage = np.ascontiguousarray(chip[:, ::-1])
    return flipped


class MirrorAveragedBackend:
    """Horizontal-flip test-time augmentation: each descriptor is the mean of the chip's and its mirror
    image's, computed in one batch by ``inner``.

    A face and its mirror image are the same person, so averaging the two cancels some of what is
    particular to one side of the face (light from one side, a slight turn). It doubles the network's
    work per face. ``watchkeeper evaluate`` measures what it gains (see docs/cli.md).
    """

    def __init__(self, inner: DescriptorBackend) -> None:
        self.inner = inner
        self.name = f"{inner.name}+mirror"

    def compute(self, chips: list[RGBImage]) -> Descriptors:
        """One averaged descriptor per chip, in order; an empty list gives a (0, 128) array."""
        if not chips:
            return self.inner.compute(chips)
        both = self.inner.compute([*chips, *(mirrored(chip) for chip in chips)])
        return mirror_average(both[: len(chips)], both[len(chips) :])


def mirror_average(plain: Descriptors, of_mirror_images: Descriptors) -> Descriptors:
    """The mean of descriptors and their mirror images' descriptors, row by row."""
    averaged: Descriptors = ((plain + of_mirror_images) / 2.0).astype(np.float32)
    return averaged
