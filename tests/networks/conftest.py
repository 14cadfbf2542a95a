"""Fixtures for the network rebuild: the shared still images, their aligned chips and dlib's descriptors.

Chips come from the existing face engine (HOG detection, 5-point alignment) without descriptors, so dlib's
ResNet and the ONNX rebuild see identical pixels. Analyses and dlib's descriptors take about 40 s for the
whole data set on one core, so they are computed once per session.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from chipdata import Chips, still_images

from watchkeeper.face import EngineOptions, FaceEngine
from watchkeeper.face.descriptors import DlibDescriptorBackend
from watchkeeper.face.models import DlibModel, model_path
from watchkeeper.networks.backends import OnnxDescriptorBackend
from watchkeeper.types import Descriptors, RGBImage

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_FACES = PROJECT_ROOT / ".." / "shared" / "data" / "faces"


@pytest.fixture(scope="session")
def shared_faces() -> Path:
    """The shared face images; tests that need them skip, saying why, when they are absent."""
    root = SHARED_FACES.resolve()
    if not (root / "labels.csv").is_file():
        pytest.skip(f"shared face data not found at <project>/../shared/data/faces ({root})")
    return root


@pytest.fixture(scope="session")
def face_chips(shared_faces: Path) -> Chips:
    engine = FaceEngine(EngineOptions(compute_descriptors=False))
    sources: list[str] = []
    chips: list[RGBImage] = []
    for path in still_images(shared_faces):
        for face in engine.analyse_file(path).faces:
            sources.append(str(path.relative_to(shared_faces)))
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
def onnx_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="session")
def onnx_backend(onnx_cache: Path) -> OnnxDescriptorBackend:
    return OnnxDescriptorBackend(onnx_cache, threads=2, batch_size=32)


@pytest.fixture(scope="session")
def onnx_descriptors(onnx_backend: OnnxDescriptorBackend, face_chips: Chips) -> Descriptors:
    return onnx_backend.compute(face_chips.chips)
