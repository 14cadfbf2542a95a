"""dlib's MMOD CNN face detector (mmod_human_face_detector.dat): its conv net as ONNX, the rest in numpy.

dlib's detector is three parts, and only the middle one is a network:

1. an image pyramid, pyramid_down<6> (each level 5/6 of the previous, floor, until it is under 5 rows),
   with all levels tiled into one image (:func:`pyramid_layout`) and each level resized from the previous
   one with align-corners bilinear interpolation, on the already normalised values (pixel - mean) / 256;
2. seven convolutions (batch norm folded in) giving one score per cell of the tiled image;
3. every positive cell becomes an 80 x 80 window, mapped back from its pyramid level to the image, and
   windows are pruned by dlib's non-max suppression (overlap measured against the bounding rectangle of
   both boxes, not their union).

Part 3 follows dlib's code arithmetic for arithmetic (rounding included) and part 1 computes the same
bilinear samples in float (to about 1e-4 of a normalised pixel), so boxes come out equal to dlib's and
scores agree to float rounding.
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort  # type: ignore[import-untyped]  # ships no type information
from numpy.typing import NDArray

from watchkeeper.errors import ModelError
from watchkeeper.networks.cache import ensure_cached_model
from watchkeeper.networks.dlib_models import DlibModel, model_path
from watchkeeper.networks.dlib_reader import BatchNorm, Conv, DlibNetwork, MmodLoss, Relu, read_network
from watchkeeper.networks.graph import DYNAMIC, FLOAT, GraphBuilder, Value, tensor_info
from watchkeeper.networks.runtime import make_session
from watchkeeper.types import BoundingBox, Detection, RGBImage

MMOD_BUILDER = "dlib-mmod-v3"
"""Cache key for the detector builder's output; change it whenever the builder produces a different graph."""
INPUT_NAME = "tiled_pyramid"
OUTPUT_NAME = "scores"
PYRAMID_RATE = 5.0 / 6.0
MIN_LEVEL_ROWS = 5
EXPECTED_CONVS = (
    (16, 5, 2, 0),
    (32, 5, 2, 0),
    (32, 5, 2, 0),
    (45, 5, 1, 2),
    (45, 5, 1, 2),
    (45, 5, 1, 2),
    (1, 9, 1, 4),
)
"""(filters, kernel, stride, padding) of each convolution in dlib's detector type, input to output."""

FloatImage = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Rect:
    """An integer rectangle with inclusive edges, as dlib's ``rectangle``."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left + 1

    @property
    def height(self) -> int:
        return self.bottom - self.top + 1

    @property
    def area(self) -> int:
        return max(self.width, 0) * max(self.height, 0)

    def contains(self, x: int, y: int) -> bool:
        return self.left <= x <= self.right and self.top <= y <= self.bottom


def build_mmod_model(network: DlibNetwork) -> onnx.ModelProto:
    """The conv net: a (1, 3, rows, cols) tiled pyramid in, (1, 1, rows', cols') scores out."""
    _check_detector(network)
    builder = GraphBuilder()
    x = Value(INPUT_NAME, 3, DYNAMIC, DYNAMIC)
    layers = network.layers
    for index in range(0, len(layers), 3):
        conv = layers[index]
        assert isinstance(conv, Conv)
        weights, bias = conv.filters, conv.bias
        if index + 1 < len(layers):
            norm = layers[index + 1]
            assert isinstance(norm, BatchNorm)
            affine = norm.as_affine()
            weights = conv.filters * affine.gamma[:, None, None, None]
            bias = conv.bias * affine.gamma + affine.beta
        x = builder.conv(x, weights, bias, conv.stride, conv.padding)
        if index + 2 < len(layers):
            x = builder.relu(x)
    scores = builder.node("Identity", [x.name], OUTPUT_NAME, exact_name=True)
    return builder.model(
        [tensor_info(INPUT_NAME, FLOAT, [1, 3, "rows", "cols"])],
        [tensor_info(scores, FLOAT, [1, 1, "out_rows", "out_cols"])],
        doc=f"dlib MMOD face detector from {network.path.name}, sha256 {network.sha256}",
    )


def _check_detector(network: DlibNetwork) -> None:
    """The file is dlib's face detector type: the layers and options the pre- and post-processing assume."""
    loss = network.loss
    if not isinstance(loss, MmodLoss) or network.input.pyramid_padding is None:
        raise ModelError(f"{network.path}: not the MMOD detector (loss or input layer of another network)")
    if len(loss.windows) != 1 or loss.box_regression:
        raise ModelError(f"{network.path}: MMOD detectors with several windows or box regression are not supported")
    convs = [layer for layer in network.layers if isinstance(layer, Conv)]
    kinds = [type(layer) for layer in network.layers]
    expected_kinds = [Conv, BatchNorm, Relu] * 6 + [Conv]
    geometry = tuple((c.out_channels, c.kernel[0], c.stride[0], c.padding[0]) for c in convs)
    if kinds != expected_kinds or geometry != EXPECTED_CONVS or any(c.kernel[0] != c.kernel[1] for c in convs):
        raise ModelError(f"{network.path}: not the MMOD face detector (layers {geometry})")


def pyramid_layout(rows: int, cols: int, padding: int, outer_padding: int) -> tuple[list[Rect], int, int]:
    """Where each pyramid level goes in the tiled image, and the tiled image's rows and columns.

    Levels go down a first column, one below the other, until the next one fits beside the narrowing
    column; the rest fill a second column upwards from the bottom right, as dlib's
    compute_tiled_image_pyramid_details does.
    """
    sizes = [(rows, cols)]
    while True:
        rows, cols = math.floor(PYRAMID_RATE * rows), math.floor(PYRAMID_RATE * cols)
        if rows * cols == 0 or rows < MIN_LEVEL_ROWS:
            break
        sizes.append((rows, cols))
    first_rows, first_cols = sizes[0]
    total_height = sum(r + padding for r, _ in sizes) - 2 * padding
    height = prev_width = 0
    for level_rows, level_cols in sizes:
        if level_cols <= first_cols - prev_width - padding and (height - first_rows) * 2 >= total_height - first_rows:
            break
        height += level_rows + padding
        prev_width = level_cols
    height -= padding
    rects: list[Rect] = []
    y = outer_padding
    while y < height + outer_padding and len(rects) < len(sizes):
        level_rows, level_cols = sizes[len(rects)]
        rects.append(Rect(outer_padding, y, outer_padding + level_cols - 1, y + level_rows - 1))
        y += level_rows + padding
    y -= padding
    original = rects[0]
    while len(rects) < len(sizes):
        level_rows, level_cols = sizes[len(rects)]
        right, bottom = outer_padding + first_cols - 1, y - 1
        rect = Rect(right - (level_cols - 1), bottom - (level_rows - 1), right, bottom)
        overlaps = not (
            rect.right < original.left
            or rect.left > original.right
            or rect.bottom < original.top
            or rect.top > original.bottom
        )
        if overlaps:
            break
        rects.append(rect)
        y -= level_rows + padding
    return rects, height + 2 * outer_padding, first_cols + 2 * outer_padding


def resize_bilinear(image: FloatImage, rows: int, cols: int, out: FloatImage | None = None) -> FloatImage:
    """dlib's bilinear resize of a (rows, cols, channels) float image: corners aligned, float arithmetic.

    Output pixel (r, c) samples the source at (r * (src_rows - 1) / (rows - 1), c * ...), as dlib's
    resize_bilinear does. OpenCV's remap computes that bilinear sample in float as dlib's CPU code does
    (values agree to about 1e-4 of a normalised pixel) at a twentieth of the cost of the same arithmetic
    in numpy, which made building the pyramid cost more than running the network on it. ``out``, when
    given, is written in place (a level's window in the tiled pyramid).
    """
    map_x, map_y = _sample_maps(*image.shape[:2], rows, cols)
    if out is None:
        out = np.empty((rows, cols, *image.shape[2:]), dtype=np.float32)
    cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, dst=out, borderMode=cv2.BORDER_REPLICATE)
    return out


@functools.lru_cache(maxsize=256)
def _sample_maps(src_rows: int, src_cols: int, rows: int, cols: int) -> tuple[FloatImage, FloatImage]:
    """Where each output pixel of an align-corners resize samples its source (a video repeats sizes)."""
    y = np.arange(rows, dtype=np.float32) * np.float32((src_rows - 1) / max(rows - 1, 1))
    x = np.arange(cols, dtype=np.float32) * np.float32((src_cols - 1) / max(cols - 1, 1))
    map_x = np.ascontiguousarray(np.broadcast_to(x[None, :], (rows, cols)))
    map_y = np.ascontiguousarray(np.broadcast_to(y[:, None], (rows, cols)))
    map_x.flags.writeable = map_y.flags.writeable = False
    return map_x, map_y


def tiled_pyramid(image: RGBImage, network: DlibNetwork) -> tuple[FloatImage, list[Rect]]:
    """The normalised image and its pyramid levels in one (1, 3, rows, cols) tensor, zeros between levels.

    Each level is resized from the previous one straight into its window, one colour plane at a time:
    planes are what the network takes, and resizing planes costs about half as much as resizing interleaved
    pixels and transposing them (on the example clip the live pipeline runs 3% faster for it).
    """
    padding, outer = network.input.pyramid_padding, network.input.pyramid_outer_padding
    if padding is None or outer is None:
        raise ModelError(f"{network.path}: the input layer is not an image pyramid")
    rects, rows, cols = pyramid_layout(image.shape[0], image.shape[1], padding, outer)
    tiled = np.zeros((1, 3, rows, cols), dtype=np.float32)
    for channel, mean in enumerate(network.input.means):
        plane = tiled[0, channel]
        level = _window(plane, rects[0])
        np.subtract(image[:, :, channel], np.float32(mean), out=level, dtype=np.float32)
        level /= np.float32(256.0)
        for rect in rects[1:]:
            level = resize_bilinear(level, rect.height, rect.width, out=_window(plane, rect))
    return tiled, rects


def _window(plane: FloatImage, rect: Rect) -> FloatImage:
    return plane[rect.top : rect.bottom + 1, rect.left : rect.right + 1]


def _lround(value: float) -> int:
    """C's lround: halves away from zero (Python's round() goes to even)."""
    return math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)


def _nearest_level(rects: list[Rect], x: int, y: int) -> int:
    """dlib's nearest_rect: the first level containing the point, else the closest one."""
    best, best_distance = 0, math.inf
    for index, rect in enumerate(rects):
        if rect.contains(x, y):
            return index
        nearest_x = min(max(x, rect.left), rect.right)
        nearest_y = min(max(y, rect.top), rect.bottom)
        distance = math.hypot(nearest_x - x, nearest_y - y)
        if distance < best_distance:
            best, best_distance = index, distance
    return best


def _window_to_image(rects: list[Rect], cx: float, cy: float, window: tuple[int, int]) -> tuple[float, ...]:
    """A detector window centred at tiled point (cx, cy), in the original image's coordinates."""
    half_w, half_h = (window[0] - 1) / 2, (window[1] - 1) / 2
    box = [cx - half_w, cy - half_h, cx + half_w, cy + half_h]
    level = _nearest_level(rects, math.floor(cx + 0.5), math.floor(cy + 0.5))
    origin = rects[level]
    box = [box[0] - origin.left, box[1] - origin.top, box[2] - origin.left, box[3] - origin.top]
    for _ in range(level):
        box = [v * (1 / PYRAMID_RATE) + 0.3 for v in box]
    return tuple(box)


def _overlaps(a: Rect, b: Rect, iou: float, covered: float) -> bool:
    """dlib's test_box_overlap: intersection over the bounding rectangle of both, or over either box."""
    inner = Rect(max(a.left, b.left), max(a.top, b.top), min(a.right, b.right), min(a.bottom, b.bottom))
    if inner.width <= 0 or inner.height <= 0:
        return False
    inner_area = inner.area
    outer = Rect(min(a.left, b.left), min(a.top, b.top), max(a.right, b.right), max(a.bottom, b.bottom)).area
    return inner_area / outer > iou or inner_area / a.area > covered or inner_area / b.area > covered


def detections_from_scores(scores: FloatImage, rects: list[Rect], loss: MmodLoss) -> list[tuple[Rect, float]]:
    """Positive cells to image boxes, best first, with dlib's non-max suppression."""
    rows, cols = np.nonzero(scores > 0)
    candidates = []
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        box = _window_to_image(rects, 8 * c + 14, 8 * r + 14, loss.windows[0])
        candidates.append((float(scores[r, c]), Rect(*(_lround(v) for v in box))))
    candidates.sort(key=lambda item: item[0], reverse=True)
    kept: list[tuple[Rect, float]] = []
    for score, rect in candidates:
        if not any(_overlaps(other, rect, loss.nms_iou, loss.nms_percent_covered) for other, _ in kept):
            kept.append((rect, score))
    return kept


def upsample_image(image: RGBImage) -> RGBImage:
    """dlib's pyramid_up with pyramid_down<2>: size from its rect_up, then an align-corners bilinear resize.

    dlib rounds its uint8 RGB resize with its own optimised code; this one rounds to nearest, so upsampled
    detection is close to dlib's rather than equal.
    """
    rows, cols = image.shape[:2]
    out_rows = _lround((rows - 1 + 0.75) * 2) + 1
    out_cols = _lround((cols - 1 + 1.25) * 2) + 1
    resized = resize_bilinear(image.astype(np.float32), out_rows, out_cols)
    return np.ascontiguousarray(np.clip(np.rint(resized), 0, 255).astype(np.uint8))


def _rect_down(rect: Rect, levels: int) -> Rect:
    """pyramid_down<2>'s rect_down: p / 2 - (1.25, 0.75) per level, rounded as dlib converts to rectangle."""
    box = [float(rect.left), float(rect.top), float(rect.right), float(rect.bottom)]
    for _ in range(levels):
        box = [box[0] / 2 - 1.25, box[1] / 2 - 0.75, box[2] / 2 - 1.25, box[3] / 2 - 0.75]
    return Rect(*(_lround(v) for v in box))


class OnnxMmodDetector:
    """dlib's MMOD face detector with its network run by onnxruntime; a :class:`FaceDetector`.

    ``upsample`` doubles the image that many times first, as dlib's does (finding faces smaller than 80 px).
    ``cache_dir`` holds the built ONNX file; the session is created on first use.
    """

    def __init__(
        self, cache_dir: Path, upsample: int = 0, threads: int | None = None, model_file: Path | None = None
    ) -> None:
        if upsample < 0:
            raise ValueError(f"upsample must be 0 or more, got {upsample}")
        self.cache_dir = cache_dir
        self.upsample = upsample
        self.threads = threads
        self.model_file = model_file
        self._loaded: tuple[ort.InferenceSession, DlibNetwork] | None = None
        self._lock = threading.Lock()

    def _load(self) -> tuple[ort.InferenceSession, DlibNetwork]:
        with self._lock:
            if self._loaded is None:
                source = self.model_file or model_path(DlibModel.MMOD_DETECTOR)
                network = read_network(source)
                _check_detector(network)
                onnx_file = ensure_cached_model(self.cache_dir, source, MMOD_BUILDER, build_mmod_model)
                self._loaded = (make_session(onnx_file, self.threads), network)
            return self._loaded

    def detect(self, image: RGBImage) -> list[Detection]:
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"image must be (rows, cols, 3) uint8, got {image.shape} {image.dtype}")
        session, network = self._load()
        assert isinstance(network.loss, MmodLoss)
        for _ in range(self.upsample):
            image = upsample_image(image)
        tiled, rects = tiled_pyramid(image, network)
        (scores,) = session.run(None, {INPUT_NAME: tiled})
        found = detections_from_scores(np.asarray(scores)[0, 0], rects, network.loss)
        return [Detection(_to_box(_rect_down(rect, self.upsample)), score) for rect, score in found]


def _to_box(rect: Rect) -> BoundingBox:
    return BoundingBox(left=rect.left, top=rect.top, right=rect.right, bottom=rect.bottom)
