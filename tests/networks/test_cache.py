"""The on-disk cache of built ONNX models: keyed by the source's SHA-256, rebuilt when stale or damaged."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import onnx
import pytest

from tests.networks.chipdata import some_chips
from watchkeeper.errors import ModelError
from watchkeeper.networks.backends import RESNET_BUILDER, OnnxDescriptorBackend
from watchkeeper.networks.cache import SOURCE_HASH_KEY, cached_model_path, ensure_cached_model
from watchkeeper.networks.dlib_reader import DlibNetwork
from watchkeeper.networks.resnet import build_resnet_model


def must_not_build(network: DlibNetwork) -> onnx.ModelProto:
    raise AssertionError(f"the cached model should have been used, not rebuilt from {network.path}")


def recorded_hash(path: Path) -> str:
    recorded: dict[str, str] = {entry.key: entry.value for entry in onnx.load(str(path)).metadata_props}
    return recorded[SOURCE_HASH_KEY]


def altered_copy(resnet_bytes: bytes, path: Path) -> Path:
    """A still valid network file with different contents: one fc weight's lowest mantissa byte changed."""
    data = bytearray(resnet_bytes)
    data[-200] ^= 0x01
    path.write_bytes(bytes(data))
    return path


@pytest.fixture
def model_copy(tmp_path: Path, resnet_bytes: bytes) -> Path:
    path = tmp_path / "resnet.dat"
    path.write_bytes(resnet_bytes)
    return path


def test_built_once_named_by_hash_and_reused(tmp_path: Path, model_copy: Path, resnet_bytes: bytes) -> None:
    cache = tmp_path / "cache"
    built = ensure_cached_model(cache, model_copy, RESNET_BUILDER, build_resnet_model)
    source_hash = hashlib.sha256(resnet_bytes).hexdigest()
    assert built == cache / f"{RESNET_BUILDER}-{source_hash}.onnx"
    assert built == cached_model_path(cache, model_copy, RESNET_BUILDER)
    assert recorded_hash(built) == source_hash
    assert ensure_cached_model(cache, model_copy, RESNET_BUILDER, must_not_build) == built
    assert [p.name for p in cache.iterdir()] == [built.name], "no temporary files may be left behind"


def test_rebuilt_when_the_source_changes(tmp_path: Path, model_copy: Path, resnet_bytes: bytes) -> None:
    cache = tmp_path / "cache"
    first = ensure_cached_model(cache, model_copy, RESNET_BUILDER, build_resnet_model)
    altered = altered_copy(resnet_bytes, model_copy)
    second = ensure_cached_model(cache, altered, RESNET_BUILDER, build_resnet_model)
    assert second != first
    assert recorded_hash(second) == hashlib.sha256(altered.read_bytes()).hexdigest()
    weights = {t.name: onnx.numpy_helper.to_array(t) for t in onnx.load(str(second)).graph.initializer}
    original = {t.name: onnx.numpy_helper.to_array(t) for t in onnx.load(str(first)).graph.initializer}
    assert any(not np.array_equal(weights[name], original[name]) for name in weights)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: b"not a model at all" * 10, id="garbage"),
        pytest.param(lambda data: data[:1000] + bytes(100) + data[1100:], id="zeroed-range"),
    ],
)
def test_damaged_cached_file_is_replaced(tmp_path: Path, model_copy: Path, damage: object) -> None:
    cache = tmp_path / "cache"
    built = ensure_cached_model(cache, model_copy, RESNET_BUILDER, build_resnet_model)
    good = built.read_bytes()
    built.write_bytes(damage(good))  # type: ignore[operator]
    again = ensure_cached_model(cache, model_copy, RESNET_BUILDER, build_resnet_model)
    assert again == built
    assert again.read_bytes() == good


def test_cached_file_without_its_source_hash_is_replaced(tmp_path: Path, model_copy: Path) -> None:
    """A file cut at a field boundary can still parse; it then lacks the hash, which is written last."""
    cache = tmp_path / "cache"
    built = ensure_cached_model(cache, model_copy, RESNET_BUILDER, build_resnet_model)
    model = onnx.load(str(built))
    del model.metadata_props[:]
    onnx.save(model, str(built))
    ensure_cached_model(cache, model_copy, RESNET_BUILDER, build_resnet_model)
    assert recorded_hash(built) == hashlib.sha256(model_copy.read_bytes()).hexdigest()


def test_backend_recovers_from_a_damaged_cache(tmp_path: Path, model_copy: Path) -> None:
    cache = tmp_path / "cache"
    chips = some_chips(2)
    expected = OnnxDescriptorBackend(cache, threads=1, model_file=model_copy).compute(chips)
    (cached,) = cache.glob("*.onnx")
    cached.write_bytes(cached.read_bytes()[:5000])
    recomputed = OnnxDescriptorBackend(cache, threads=1, model_file=model_copy).compute(chips)
    np.testing.assert_array_equal(recomputed, expected)


def test_unwritable_cache_is_a_model_error(tmp_path: Path, model_copy: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    with pytest.raises(ModelError, match="cannot write the model cache"):
        ensure_cached_model(blocker / "cache", model_copy, RESNET_BUILDER, build_resnet_model)
