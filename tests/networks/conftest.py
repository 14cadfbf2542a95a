"""Fixtures for the network rebuild: the shared still images, their aligned chips and dlib's descriptors.

Chips come from the existing face engine (HOG detection, 5-point alignment) without descriptors, so dlib's
ResNet and the ONNX rebuild see identical pixels. Analyses and dlib's descriptors take about 40 s for the
whole data set on one core, so they are computed once per session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.networks.chipdata import Chips, still_images
from watchkeeper.config import Settings
from watchkeeper.face import FaceEngine
from watchkeeper.networks.backends import DlibDescriptorBackend, OnnxDescriptorBackend
from watchkeeper.networks.dlib_models import DlibModel, model_path
from watchkeeper.types import Descriptors, RGBImage


@pytest.fixture(scope="session")
def face_chips(faces_dir: Path, boxes_only_engine: FaceEngine) -> Chips:
    engine = boxes_only_engine
    sources: list[str] = []
    chips: list[RGBImage] = []
    for path in still_images(faces_dir):
        for face in engine.analyse_file(path).faces:
            sources.append(str(path.relative_to(faces_dir)))
            chips.append(face.chip)
    assert len(chips) > 100, "the shared data should give well over a hundred faces"
    return Chips(sources, chips)


@pytest.fixture(scope="session")
def dlib_descriptors(face_chips: Chips) -> Descriptors:
    return DlibDescriptorBackend().compute(face_chips.chips)


@pytest.fixture(scope="session")
def resnet_file() -> Path:
    return model_path(DlibModel.FACE_RESNET)


@pytest.fixture(scope="session")
def mmod_file() -> Path:
    return model_path(DlibModel.MMOD_DETECTOR)


@pytest.fixture(scope="session")
def resnet_bytes(resnet_file: Path) -> bytes:
    return resnet_file.read_bytes()


@pytest.fixture(scope="session")
def onnx_cache(settings: Settings) -> Path:
    return settings.model_cache_dir


@pytest.fixture(scope="session")
def onnx_backend(onnx_cache: Path) -> OnnxDescriptorBackend:
    return OnnxDescriptorBackend(onnx_cache, threads=2, batch_size=32)


@pytest.fixture(scope="session")
def onnx_descriptors(onnx_backend: OnnxDescriptorBackend, face_chips: Chips) -> Descriptors:
    return onnx_backend.compute(face_chips.chips)
