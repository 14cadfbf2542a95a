"""dlib's face-recognition ResNet (dlib_face_recognition_resnet_model_v1.dat) rebuilt as an ONNX graph.

The graph takes a batch of aligned 150 x 150 RGB chips as NHWC uint8 (what the aligner produces, so callers
pass chips as they are) and returns (N, 128) float32 descriptors. Pixel normalisation, (value - mean) / 256
per channel as dlib's input layer does, happens inside the graph. Each affine layer is folded into the
convolution before it, so the graph is convolutions, relus, pools and adds only.

The layer file does not say which tag or skip wrapper is which, so the network's C++ type from dlib's
dnn_face_recognition_ex.cpp is written down here as :func:`face_resnet_spec`; the file's layers must match
it one for one (kinds, filter counts, kernels, strides) or building stops with a :class:`ModelError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx

from watchkeeper.errors import ModelError
from watchkeeper.networks.dlib_reader import (
    AddPrev,
    Affine,
    Conv,
    DlibNetwork,
    FullyConnected,
    Layer,
    Marker,
    MetricLoss,
    Pool,
    Relu,
)
from watchkeeper.networks.graph import FLOAT, UINT8, GraphBuilder, Value, tensor_info
from watchkeeper.types import DESCRIPTOR_SIZE

CHIP_SIZE = 150
INPUT_NAME = "chips"
OUTPUT_NAME = "descriptors"


@dataclass(frozen=True, slots=True)
class ConvSpec:
    filters: int
    kernel: int
    stride: int


@dataclass(frozen=True, slots=True)
class PoolSpec:
    kind: str
    size: int
    stride: int


@dataclass(frozen=True, slots=True)
class TagSpec:
    """tagN: remembers the current output under ``tag``."""

    tag: int


@dataclass(frozen=True, slots=True)
class SkipSpec:
    """skipN: continues from the output remembered under ``tag``."""

    tag: int


@dataclass(frozen=True, slots=True)
class AddPrevSpec:
    """add_prevN: adds the output remembered under ``tag``."""

    tag: int


@dataclass(frozen=True, slots=True)
class SimpleSpec:
    """A layer with nothing to check but its kind: affine, relu, global average pool, fc."""

    kind: type


Spec = ConvSpec | PoolSpec | TagSpec | SkipSpec | AddPrevSpec | SimpleSpec


def _block(filters: int, stride: int) -> list[Spec]:
    """dlib's ``block``: con 3x3 (stride) -> affine -> relu -> con 3x3 -> affine."""
    return [
        ConvSpec(filters, 3, stride),
        SimpleSpec(Affine),
        SimpleSpec(Relu),
        ConvSpec(filters, 3, 1),
        SimpleSpec(Affine),
    ]


def _residual(filters: int) -> list[Spec]:
    """``ares``: relu(add_prev1(block(tag1(x))))."""
    return [TagSpec(1), *_block(filters, 1), AddPrevSpec(1), SimpleSpec(Relu)]


def _residual_down(filters: int) -> list[Spec]:
    """``ares_down``: relu(add_prev2(avg_pool 2x2/2(skip1(tag2(block/2(tag1(x)))))))."""
    return [
        TagSpec(1),
        *_block(filters, 2),
        TagSpec(2),
        SkipSpec(1),
        PoolSpec("avg", 2, 2),
        AddPrevSpec(2),
        SimpleSpec(Relu),
    ]


def face_resnet_spec() -> list[Spec]:
    """The network type, input to output: what each layer record and each marker in the file must be."""
    spec: list[Spec] = [ConvSpec(32, 7, 2), SimpleSpec(Affine), SimpleSpec(Relu), PoolSpec("max", 3, 2)]
    for filters, down, plain in (
        (32, False, 3),
        (64, True, 3),
        (128, True, 2),
        (256, True, 2),
        (256, True, 0),
    ):
        if down:
            spec += _residual_down(filters)
        for _ in range(plain):
            spec += _residual(filters)
    spec += [PoolSpec("avg", 0, 0), SimpleSpec(FullyConnected)]
    return spec


def build_resnet_model(network: DlibNetwork) -> onnx.ModelProto:
    """The ONNX model for a parsed face ResNet file; a :class:`ModelError` if it is another network."""
    _check_header(network)
    spec = face_resnet_spec()
    if len(spec) != len(network.layers):
        raise ModelError(f"{network.path}: not the face ResNet: {len(network.layers)} layers, expected {len(spec)}")
    builder = GraphBuilder()
    x = _normalised_input(builder, network)
    remembered: dict[int, Value] = {}
    layers = network.layers
    index = 0
    while index < len(layers):
        _check_layer(network, index, spec[index], layers[index])
        entry, layer = spec[index], layers[index]
        if isinstance(layer, Conv) and index + 1 < len(layers) and isinstance(layers[index + 1], Affine):
            _check_layer(network, index + 1, spec[index + 1], layers[index + 1])
            x = _conv_affine(builder, x, layer, layers[index + 1])  # type: ignore[arg-type]
            index += 2
            continue
        x = _apply(builder, x, entry, layer, remembered)
        index += 1
    return builder.model(
        [tensor_info(INPUT_NAME, UINT8, ["batch", CHIP_SIZE, CHIP_SIZE, 3])],
        [tensor_info(x.name, FLOAT, ["batch", DESCRIPTOR_SIZE])],
        doc=f"dlib face ResNet from {network.path.name}, sha256 {network.sha256}",
    )


def _check_header(network: DlibNetwork) -> None:
    size = network.input.size
    if not isinstance(network.loss, MetricLoss) or network.input.kind != "input_rgb_image_sized":
        raise ModelError(f"{network.path}: not the face ResNet (loss or input layer of another network)")
    if size != (CHIP_SIZE, CHIP_SIZE):
        raise ModelError(f"{network.path}: face ResNet input is {size}, expected {CHIP_SIZE}x{CHIP_SIZE}")


def _check_layer(network: DlibNetwork, index: int, entry: Spec, layer: Layer) -> None:
    """The layer matches its place in the network type, or a :class:`ModelError` says how it differs."""
    ok = _matches(entry, layer)
    if not ok:
        raise ModelError(
            f"{network.path}: not the face ResNet: layer {index + 1} is {_describe(layer)}, "
            f"expected {_describe_spec(entry)}"
        )


def _matches(entry: Spec, layer: Layer) -> bool:
    if isinstance(entry, ConvSpec):
        return (
            isinstance(layer, Conv)
            and layer.out_channels == entry.filters
            and layer.kernel == (entry.kernel, entry.kernel)
            and layer.stride == (entry.stride, entry.stride)
            and layer.padding == ((entry.kernel // 2, entry.kernel // 2) if entry.stride == 1 else (0, 0))
        )
    if isinstance(entry, PoolSpec):
        return (
            isinstance(layer, Pool)
            and layer.kind == entry.kind
            and layer.size == (entry.size, entry.size)
            and (layer.is_global or layer.stride == (entry.stride, entry.stride))
            and layer.padding == (0, 0)
        )
    if isinstance(entry, TagSpec | SkipSpec):
        return isinstance(layer, Marker)
    if isinstance(entry, AddPrevSpec):
        return isinstance(layer, AddPrev)
    if entry.kind is FullyConnected:
        return isinstance(layer, FullyConnected) and layer.weights.shape[1] == DESCRIPTOR_SIZE
    return isinstance(layer, entry.kind)


def _describe(layer: Layer) -> str:
    if isinstance(layer, Conv):
        return f"con {layer.out_channels} {layer.kernel} stride {layer.stride} padding {layer.padding}"
    if isinstance(layer, Pool):
        return f"{layer.kind}_pool {layer.size} stride {layer.stride} padding {layer.padding}"
    return type(layer).__name__


def _describe_spec(entry: Spec) -> str:
    if isinstance(entry, ConvSpec):
        return f"con {entry.filters} {entry.kernel}x{entry.kernel} stride {entry.stride}"
    if isinstance(entry, PoolSpec):
        return f"{entry.kind}_pool {entry.size}x{entry.size} stride {entry.stride}"
    if isinstance(entry, SimpleSpec):
        return entry.kind.__name__
    return f"{type(entry).__name__.removesuffix('Spec').lower()}{entry.tag}"


def _normalised_input(builder: GraphBuilder, network: DlibNetwork) -> Value:
    """uint8 NHWC chips -> float NCHW, (pixel - channel mean) / 256 as dlib's input_rgb_image_sized."""
    as_float = builder.node("Cast", [INPUT_NAME], "float", to=FLOAT)
    planar = builder.node("Transpose", [as_float], "nchw", perm=[0, 3, 1, 2])
    means = np.array(network.input.means, dtype=np.float32).reshape(1, 3, 1, 1)
    centred = builder.node("Sub", [planar, builder.constant("means", means)], "centred")
    scale = np.array(1.0 / 256.0, dtype=np.float32)
    scaled = builder.node("Mul", [centred, builder.constant("scale", scale)], "scaled")
    return Value(scaled, 3, CHIP_SIZE, CHIP_SIZE)


def _conv_affine(builder: GraphBuilder, x: Value, conv: Conv, affine: Affine) -> Value:
    """affine(conv(x)) as one convolution: gamma scales each filter and its bias, beta adds to the bias."""
    gamma = affine.gamma.astype(np.float32)
    weights = conv.filters * gamma[:, None, None, None]
    bias = conv.bias * gamma + affine.beta
    return builder.conv(x, weights, bias, conv.stride, conv.padding)


def _apply(builder: GraphBuilder, x: Value, entry: Spec, layer: Layer, remembered: dict[int, Value]) -> Value:
    if isinstance(entry, TagSpec):
        remembered[entry.tag] = x
        return x
    if isinstance(entry, SkipSpec):
        return remembered[entry.tag]
    if isinstance(entry, AddPrevSpec):
        return builder.add(x, remembered[entry.tag])
    if isinstance(layer, Relu):
        return builder.relu(x)
    if isinstance(layer, Pool) and layer.is_global:
        pooled = builder.node("GlobalAveragePool", [x.name], "gap")
        flat = builder.node("Flatten", [pooled], "flat", axis=1)
        return Value(flat, x.channels, 1, 1)
    if isinstance(layer, Pool):
        return builder.pool(x, layer.kind, layer.size, layer.stride)
    if isinstance(layer, FullyConnected):
        return _fully_connected(builder, x, layer)
    if isinstance(layer, Conv):
        return builder.conv(x, layer.filters, layer.bias, layer.stride, layer.padding)
    raise ModelError(f"layer {_describe(layer)} cannot be placed in the face ResNet")


def _fully_connected(builder: GraphBuilder, x: Value, layer: FullyConnected) -> Value:
    inputs, outputs = (int(d) for d in layer.weights.shape)
    if inputs != x.channels * x.rows * x.cols:
        raise ModelError(f"fully connected layer takes {inputs} inputs, the network gives {x.channels}")
    weights = builder.constant("fc", layer.weights)
    if layer.bias is None:
        return Value(builder.node("MatMul", [x.name, weights], OUTPUT_NAME, exact_name=True), outputs, 1, 1)
    product = builder.node("MatMul", [x.name, weights], "fc")
    bias = builder.constant("fc_bias", layer.bias)
    return Value(builder.node("Add", [product, bias], OUTPUT_NAME, exact_name=True), outputs, 1, 1)
