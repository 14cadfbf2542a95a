"""The packaged dlib model files are checked, byte for byte, against the files dlib published."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.errors import ModelError
from watchkeeper.networks.dlib_models import DlibModel, model_path, verify_published


@pytest.mark.parametrize("model", list(DlibModel))
def test_installed_files_are_the_published_ones(model: DlibModel) -> None:
    verify_published(model_path(model), model)


def test_a_single_flipped_weight_bit_is_caught(tmp_path: Path) -> None:
    # A flip deep inside the weights still parses and still runs, as a subtly different network: only the
    # content hash can tell.
    data = bytearray(model_path(DlibModel.FACE_RESNET).read_bytes())
    data[len(data) // 2] ^= 0x01
    altered = tmp_path / DlibModel.FACE_RESNET.value
    altered.write_bytes(bytes(data))
    with pytest.raises(ModelError, match=r"not the published dlib_face_recognition_resnet_model_v1\.dat"):
        verify_published(altered, DlibModel.FACE_RESNET)


def test_the_wrong_model_is_caught() -> None:
    with pytest.raises(ModelError, match="damaged or was replaced"):
        verify_published(model_path(DlibModel.MMOD_DETECTOR), DlibModel.LANDMARKS_5)
