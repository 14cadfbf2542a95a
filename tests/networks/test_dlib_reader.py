"""Reading dlib's network files: the shipped files parse completely, damaged copies fail with clear errors."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from watchkeeper.errors import ModelError
from watchkeeper.networks.backends import OnnxDescriptorBackend
from watchkeeper.networks.dlib_format import ByteReader, FormatError
from watchkeeper.networks.dlib_reader import (
    AddPrev,
    Affine,
    BatchNorm,
    Conv,
    FullyConnected,
    Marker,
    MetricLoss,
    MmodLoss,
    read_network,
)
from watchkeeper.networks.resnet import build_resnet_model

VERSION_RUN = slice(0x1D, 0x11F)
"""Where the face ResNet's run of layer-wrapper versions lies (found by the test below, used by others)."""


def load_resnet(path: Path) -> None:
    """Everything a backend does before running: parse, and check the layers against the network type."""
    build_resnet_model(read_network(path))


def write_copy(tmp_path: Path, data: bytes, name: str = "damaged.dat") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_face_resnet_parses_to_the_last_byte(resnet_file: Path, resnet_bytes: bytes) -> None:
    network = read_network(resnet_file)
    assert network.sha256 == hashlib.sha256(resnet_bytes).hexdigest()
    assert isinstance(network.loss, MetricLoss)
    assert (network.loss.margin, network.loss.distance_threshold) == pytest.approx((0.04, 0.6))
    assert network.input.size == (150, 150)
    assert network.input.means == pytest.approx((122.782, 117.001, 104.298), abs=1e-3)
    kinds = [type(layer) for layer in network.layers]
    assert kinds.count(Conv) == 29
    assert kinds.count(Affine) == 29
    assert kinds.count(AddPrev) == 14
    assert kinds.count(Marker) == 22
    assert network.parameter_count == 5_614_592
    first, last = network.layers[0], network.layers[-1]
    assert isinstance(first, Conv)
    assert first.filters.shape == (32, 3, 7, 7)
    assert first.stride == (2, 2)
    assert isinstance(last, FullyConnected)
    assert last.weights.shape == (256, 128)
    assert last.bias is None


def test_mmod_detector_parses_to_the_last_byte(mmod_file: Path) -> None:
    network = read_network(mmod_file)
    assert isinstance(network.loss, MmodLoss)
    assert network.loss.windows == ((80, 80),)
    assert network.loss.nms_iou == pytest.approx(0.3382761351109955)
    assert network.input.kind == "input_rgb_image_pyramid"
    assert (network.input.pyramid_padding, network.input.pyramid_outer_padding) == (10, 11)
    kinds = [type(layer) for layer in network.layers]
    assert kinds.count(Conv) == 7
    assert kinds.count(BatchNorm) == 6
    assert network.parameter_count == 181_141


def test_batch_norm_folds_as_dlib_does(mmod_file: Path) -> None:
    norm = next(layer for layer in read_network(mmod_file).layers if isinstance(layer, BatchNorm))
    affine = norm.as_affine()
    x = np.linspace(-3, 3, norm.gamma.size, dtype=np.float32)
    expected = norm.gamma * (x - norm.running_mean) / np.sqrt(norm.running_variance + norm.eps) + norm.beta
    np.testing.assert_allclose(affine.gamma * x + affine.beta, expected, rtol=1e-4, atol=1e-4)


def test_version_run_location(resnet_bytes: bytes) -> None:
    """The byte range the flip tests target really is the run of version integers (pairs 01 01 / 01 02)."""
    run = resnet_bytes[VERSION_RUN]
    assert len(run) % 2 == 0
    assert set(run[0::2]) == {0x01}
    assert set(run[1::2]) == {0x01, 0x02}
    assert resnet_bytes[VERSION_RUN.stop : VERSION_RUN.stop + 2] == b"\x01\x03"


@pytest.mark.parametrize("keep", [0, 1, 5, 20, 0x100, 0x130, 0x200, 5000, 1_000_000, -1])
def test_truncated_files_name_the_file_the_byte_and_the_layer(tmp_path: Path, resnet_bytes: bytes, keep: int) -> None:
    data = resnet_bytes[:keep]
    path = write_copy(tmp_path, data)
    with pytest.raises(ModelError) as caught:
        read_network(path)
    message = str(caught.value)
    assert str(path) in message
    assert re.search(r"truncated at byte \d+", message), message
    if keep > 0x200:
        assert re.search(r"while reading layer \d+ \((con_4|affine_|relu_|max_pool_2|add_prev_)\)", message), message


def test_truncated_in_a_late_layer_says_which(tmp_path: Path, resnet_bytes: bytes) -> None:
    path = write_copy(tmp_path, resnet_bytes[: len(resnet_bytes) - 70_000])
    with pytest.raises(ModelError, match=r"truncated at byte \d+ .*while reading layer 1[0-3]\d \(\w+\)"):
        read_network(path)


def test_empty_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="truncated at byte 0"):
        read_network(write_copy(tmp_path, b""))
    with pytest.raises(ModelError, match="cannot read model file"):
        read_network(tmp_path / "absent.dat")


def test_not_a_network_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="not a valid dlib network file"):
        read_network(write_copy(tmp_path, b"\x89PNG\r\n\x1a\n" + bytes(100)))


def test_trailing_bytes_are_rejected(tmp_path: Path, resnet_bytes: bytes) -> None:
    with pytest.raises(ModelError, match="3 unexpected bytes after the last layer"):
        read_network(write_copy(tmp_path, resnet_bytes + b"abc"))


@pytest.mark.parametrize("position", range(VERSION_RUN.start, VERSION_RUN.stop, 11))
@pytest.mark.parametrize("mask", [0x01, 0x02, 0x80, 0xFF])
def test_flipped_bits_in_the_layer_structure_are_caught(
    tmp_path: Path, resnet_bytes: bytes, position: int, mask: int
) -> None:
    """A flip that turns a tag into a layer, a layer into a tag, or a version into garbage never loads."""
    data = bytearray(resnet_bytes)
    data[position] ^= mask
    path = write_copy(tmp_path, bytes(data))
    with pytest.raises(ModelError, match=re.escape(str(path))):
        load_resnet(path)


def test_flipped_layer_tag(tmp_path: Path, resnet_bytes: bytes) -> None:
    position = resnet_bytes.index(b"max_pool_2")
    data = bytearray(resnet_bytes)
    data[position + 1] ^= 0x20
    with pytest.raises(ModelError, match=r"unsupported layer tag 'mAx_pool_2' at byte \d+ while reading layer 4"):
        read_network(write_copy(tmp_path, bytes(data)))


def _first_conv_data_offset(data: bytes) -> int:
    reader = ByteReader(data, data.index(b"con_4") + len(b"con_4"))
    for _ in range(5):  # tensor version, then four dimensions
        reader.read_int()
    return reader.offset


def test_flipped_tensor_dimension(tmp_path: Path, resnet_bytes: bytes) -> None:
    data = bytearray(resnet_bytes)
    offset = _first_conv_data_offset(resnet_bytes)
    data[offset - 1] ^= 0x04  # the last dimension's value byte: the tensor's size no longer fits the layer
    with pytest.raises(ModelError, match=r"while reading layer 1 \(con_4\)"):
        read_network(write_copy(tmp_path, bytes(data)))


def test_non_finite_parameters_are_rejected(tmp_path: Path, resnet_bytes: bytes) -> None:
    data = bytearray(resnet_bytes)
    offset = _first_conv_data_offset(resnet_bytes)
    data[offset + 2 : offset + 4] = b"\xc0\x7f"  # the first filter weight becomes a NaN
    with pytest.raises(ModelError, match=r"non-finite values .*layer 1 \(con_4\)"):
        read_network(write_copy(tmp_path, bytes(data)))


def test_another_network_is_not_taken_for_the_resnet(mmod_file: Path) -> None:
    with pytest.raises(ModelError, match="not the face ResNet"):
        load_resnet(mmod_file)


def test_backend_reports_a_damaged_model_file(tmp_path: Path, resnet_bytes: bytes) -> None:
    path = write_copy(tmp_path, resnet_bytes[: len(resnet_bytes) // 2])
    backend = OnnxDescriptorBackend(tmp_path / "cache", model_file=path)
    with pytest.raises(ModelError, match="truncated at byte"):
        backend.compute([np.zeros((150, 150, 3), np.uint8)])
    assert not list((tmp_path / "cache").glob("*.onnx"))


def test_format_error_carries_the_offset() -> None:
    reader = ByteReader(b"\x01\x05\x02")
    assert reader.read_int() == 5
    with pytest.raises(FormatError) as caught:
        reader.read_string()
    assert caught.value.offset == 3, "the string's length needs two bytes: the file ends at byte 3"


@pytest.mark.parametrize(
    ("encoded", "value"),
    [(b"\x01\x00", 0), (b"\x01\x05", 5), (b"\x81\x05", -5), (b"\x02\x00\x01", 256), (b"\x82\x34\x12", -0x1234)],
)
def test_integer_encoding(encoded: bytes, value: int) -> None:
    assert ByteReader(encoded).read_int() == value


def test_float_encoding() -> None:
    # mantissa 3, exponent -1: 1.5; exponent 32001: minus infinity
    assert ByteReader(b"\x01\x03\x81\x01").read_float() == 1.5
    assert ByteReader(b"\x01\x01\x02\x01\x7d").read_float() == -np.inf
