"""Finding faces: dlib's HOG detector (default), its MMOD CNN detector or CenterFace, behind one small interface.

Detectors see at most ``max_side`` pixels on the longer side: a 12-megapixel photo is shrunk for detection
and the boxes are mapped back to the original, so later stages (landmarks, alignment, descriptors) still
work at full resolution. Without this, one large image costs as much as dozens of ordinary ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import cv2
import numpy as np

from watchkeeper.config import NetworkBackend, Settings
from watchkeeper.networks import dlib_models
from watchkeeper.networks.centerface import CenterFaceDetector
from watchkeeper.networks.mmod import OnnxMmodDetector
from watchkeeper.types import BoundingBox, Detection, ImageSize, RGBImage

DEFAULT_MAX_DETECTION_SIDE = 1600
"""Longest side, in pixels, that a detector is shown; larger images are downscaled for detection only."""


class DetectorKind(StrEnum):
    """Which face detector to run."""

    HOG = "hog"
    """dlib's HOG + linear SVM detector: fast on a CPU, frontal and near-frontal faces."""
    CNN = "cnn"
    """dlib's MMOD CNN detector: finds more turned and partly hidden faces. On the ONNX backend a 640 x 480
    frame takes about as long as the HOG with one upsampling (about 0.2 s); on dlib's own, about 15x that."""
    CENTERFACE = "centerface"
    """CenterFace (MIT) on onnxruntime: finds faces down to about 10 px wide in one pass at the image's own
    size, where dlib's detectors need upsampling (:mod:`watchkeeper.networks.centerface`)."""


VIDEO_DETECTION_SIDE: dict[DetectorKind, int] = {
    DetectorKind.HOG: 640,
    DetectorKind.CNN: 640,
    DetectorKind.CENTERFACE: 1920,
}
"""The longest side a frame of video (live runs, footage searches, track evaluation) is shown to each
detector at. dlib's detectors see 640 px: their 80 px window finds nothing smaller in the reduced frame
anyway, and frames come many a second. CenterFace sees a 1080p frame whole, because that is what finds
the 24-60 px faces of a camera over a concourse; its searches between whole-picture ones cover only the
parts that changed, which keeps it in real time."""


def video_detection_side(detector: DetectorKind) -> int:
    """The longest side frames of video are shown to ``detector`` at (:data:`VIDEO_DETECTION_SIDE`)."""
    return VIDEO_DETECTION_SIDE[detector]


class FaceDetector(Protocol):
    """Anything that finds faces in an RGB image; a detector sees the image as given (no downscaling)."""

    def detect(self, image: RGBImage) -> list[Detection]: ...


@dataclass(frozen=True, slots=True)
class HogDetector:
    """dlib's HOG detector.

    ``upsample`` doubles the image that many times before scanning: its 80 x 80 window then finds faces down
    to about 40 px (once) or 20 px (twice), at 4x the cost each time. ``threshold`` shifts the SVM decision:
    raising it drops doubtful detections (fewer false faces, more missed faces), lowering it does the reverse.
    """

    upsample: int = 1
    threshold: float = 0.0

    def detect(self, image: RGBImage) -> list[Detection]:
        rects, scores, _ = dlib_models.frontal_face_detector().run(image, self.upsample, self.threshold)
        return [Detection(_box_from_dlib(rect), float(score)) for rect, score in zip(rects, scores, strict=True)]


DEFAULT_CNN_UPSAMPLE = 0
"""The CNN detector's pyramid already covers faces from about 80 px upwards; upsampling once quadruples its
cost (dlib's own implementation: about 14 s for a one-megapixel image as it is, 60 s upsampled once)."""


@dataclass(frozen=True, slots=True)
class MmodDetector:
    """dlib's own MMOD CNN detector: the reference for the ONNX rebuild."""

    upsample: int = DEFAULT_CNN_UPSAMPLE

    def detect(self, image: RGBImage) -> list[Detection]:
        found = dlib_models.mmod_face_detector()(image, self.upsample)
        return [Detection(_box_from_dlib(item.rect), float(item.confidence)) for item in found]


def make_detector(kind: DetectorKind, settings: Settings, upsample: int | None = None) -> FaceDetector:
    """The detector of ``kind``, with its own default upsampling unless ``upsample`` is given (HOG 1, CNN and
    CenterFace 0).

    The CNN detector runs on the network backend ``settings`` choose: the ONNX rebuild (about 15x faster
    than dlib's own on a CPU, same boxes) or dlib's, the reference.
    """
    if upsample is not None and upsample < 0:
        raise ValueError(f"upsample must be 0 or more, got {upsample}")
    if kind is DetectorKind.HOG:
        return HogDetector() if upsample is None else HogDetector(upsample=upsample)
    if kind is DetectorKind.CENTERFACE:
        return CenterFaceDetector(threads=settings.threads, upsample=upsample or 0)
    cnn_upsample = DEFAULT_CNN_UPSAMPLE if upsample is None else upsample
    if settings.network_backend is NetworkBackend.DLIB:
        return MmodDetector(upsample=cnn_upsample)
    return OnnxMmodDetector(settings.model_cache_dir, upsample=cnn_upsample, threads=settings.threads)


def detect_faces(
    image: RGBImage, detector: FaceDetector, max_side: int = DEFAULT_MAX_DETECTION_SIDE
) -> list[Detection]:
    """Faces in ``image``, boxes in its own pixels, ordered left to right (then top to bottom).

    The image is downscaled first when its longer side exceeds ``max_side``. The order is stable so that a
    face's index means the same thing to every command that reports or selects faces.
    """
    if max_side < 1:
        raise ValueError(f"max_side must be positive, got {max_side}")
    height, width = image.shape[:2]
    detections = _detect_scaled(image, detector, min(1.0, max_side / max(height, width)))
    return sorted(detections, key=_reading_order)


def detect_faces_in_region(
    image: RGBImage, detector: FaceDetector, region: BoundingBox, scale: float = 1.0
) -> list[Detection]:
    """Faces inside ``region`` of ``image`` (the part of it within the image), boxes in the image's pixels.

    The region is resized by ``scale`` (at most 1) before detection. Looking again only where a face was
    a moment ago, at the smallest scale that still finds it, costs a fraction of a whole-frame detection;
    video tracking does this between whole-frame detections.
    """
    if not 0.0 < scale <= 1.0:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    height, width = image.shape[:2]
    inside = region.clipped(ImageSize(width, height))
    if inside.width < 1 or inside.height < 1:
        return []
    crop = np.ascontiguousarray(image[inside.top : inside.bottom, inside.left : inside.right])
    found = _detect_scaled(crop, detector, scale)
    return sorted((Detection(d.box.translated(inside.left, inside.top), d.score) for d in found), key=_reading_order)


def _reading_order(detection: Detection) -> tuple[int, int]:
    return (detection.box.left, detection.box.top)


def _detect_scaled(image: RGBImage, detector: FaceDetector, scale: float) -> list[Detection]:
    """Detections on ``image`` resized by ``scale`` (at most 1), boxes mapped back to ``image``'s pixels."""
    if scale >= 1.0:
        return detector.detect(image)
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small: RGBImage = np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), dtype=np.uint8)
    return [Detection(d.box.scaled(1.0 / scale), d.score) for d in detector.detect(small)]


def _box_from_dlib(rect: Any) -> BoundingBox:
    return BoundingBox(left=int(rect.left()), top=int(rect.top()), right=int(rect.right()), bottom=int(rect.bottom()))
