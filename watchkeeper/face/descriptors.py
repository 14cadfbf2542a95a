"""128-d face descriptors from aligned chips, behind a small backend interface.

Descriptors are computed from chips, not from whole images, so that a backend is a pure function of its
input pixels: the ONNX rebuild of dlib's network is checked against dlib's own on identical chips. Which
backend runs is a setting (:class:`~watchkeeper.config.NetworkBackend`); the backends themselves live in
:mod:`watchkeeper.networks.backends`.
"""

from __future__ import annotations

from typing import Protocol

from watchkeeper.config import NetworkBackend, Settings
from watchkeeper.networks.backends import DlibDescriptorBackend, OnnxDescriptorBackend
from watchkeeper.networks.resnet import DESCRIPTOR_SIZE
from watchkeeper.types import Descriptors, RGBImage

__all__ = ["DESCRIPTOR_SIZE", "DescriptorBackend", "make_descriptor_backend"]


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
