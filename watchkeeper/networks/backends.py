"""Descriptor backends: dlib's face ResNet run by dlib itself (the reference) or by onnxruntime (the default).

Both satisfy :class:`~watchkeeper.face.descriptors.DescriptorBackend` and take the same aligned chips, so
they can be compared on identical input.

The ONNX graph is built from the installed dlib model file the first time it is needed and cached on disk
(see :mod:`watchkeeper.networks.cache`); the onnxruntime session is created lazily, once per backend, so
constructing a backend is free and an engine that never computes descriptors never loads the network.
Chips are run in batches: per-face cost falls steeply with batch size on a CPU.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import onnxruntime as ort  # type: ignore[import-untyped]  # ships no type information

from watchkeeper.networks.cache import ensure_cached_model
from watchkeeper.networks.dlib_models import DlibModel, face_resnet, model_path
from watchkeeper.networks.resnet import CHIP_SIZE, INPUT_NAME, build_resnet_model
from watchkeeper.networks.runtime import make_session
from watchkeeper.types import DESCRIPTOR_SIZE, Descriptors, RGBImage

RESNET_BUILDER = "dlib-face-resnet-v1"
"""Cache key for the ResNet builder's output; change it whenever the builder produces a different graph."""
DEFAULT_BATCH_SIZE = 32


def check_chips(chips: list[RGBImage]) -> None:
    """Refuse anything but aligned chips, naming what was given: a wrong shape would give a wrong answer."""
    for chip in chips:
        if chip.shape != (CHIP_SIZE, CHIP_SIZE, 3) or chip.dtype != np.uint8:
            raise ValueError(f"chips must be ({CHIP_SIZE}, {CHIP_SIZE}, 3) uint8, got {chip.shape} {chip.dtype}")


class DlibDescriptorBackend:
    """dlib's own ResNet implementation: one face at a time on one core; the reference for the ONNX rebuild."""

    name = "dlib"

    def compute(self, chips: list[RGBImage]) -> Descriptors:
        """One descriptor per chip, in order; an empty list gives a (0, 128) array."""
        if not chips:
            return np.empty((0, DESCRIPTOR_SIZE), dtype=np.float32)
        check_chips(chips)
        computed = face_resnet().compute_face_descriptor(chips)
        return np.asarray(computed, dtype=np.float32).reshape(len(chips), DESCRIPTOR_SIZE)


class OnnxDescriptorBackend:
    """128-d descriptors from aligned 150 x 150 chips, equal to dlib's to about 1e-6.

    ``cache_dir`` holds the built ONNX file. ``threads`` is onnxruntime's intra-op thread count (None: all
    cores). ``batch_size`` bounds how many chips go through the network at once (memory grows with it:
    about 3 MB per chip). ``model_file`` defaults to the dlib model the models package installs.
    """

    name = "onnx"

    def __init__(
        self,
        cache_dir: Path,
        threads: int | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
        model_file: Path | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be 1 or more, got {batch_size}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be 1 or more, got {threads}")
        self.cache_dir = cache_dir
        self.threads = threads
        self.batch_size = batch_size
        self.model_file = model_file
        self._session: ort.InferenceSession | None = None
        self._lock = threading.Lock()

    def session(self) -> ort.InferenceSession:
        """The onnxruntime session, built (and the ONNX file cached) on first use."""
        with self._lock:
            if self._session is None:
                source = self.model_file or model_path(DlibModel.FACE_RESNET)
                onnx_file = ensure_cached_model(self.cache_dir, source, RESNET_BUILDER, build_resnet_model)
                self._session = make_session(onnx_file, self.threads)
            return self._session

    def compute(self, chips: list[RGBImage]) -> Descriptors:
        """One descriptor per chip, in order; an empty list gives a (0, 128) array."""
        if not chips:
            return np.empty((0, DESCRIPTOR_SIZE), dtype=np.float32)
        check_chips(chips)
        session = self.session()
        results = []
        for start in range(0, len(chips), self.batch_size):
            batch = np.stack(chips[start : start + self.batch_size])
            (descriptors,) = session.run(None, {INPUT_NAME: batch})
            results.append(np.asarray(descriptors, dtype=np.float32))
        return np.concatenate(results).reshape(len(chips), DESCRIPTOR_SIZE)
