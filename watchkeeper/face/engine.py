"""The face engine: from an image to its faces, each with box, landmarks, chip, quality and descriptor.

It holds no state beyond its options and lazily loaded models, writes nothing anywhere, and returns plain
arrays and dataclasses, so every caller (command line, server, video pipeline) can use it the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from watchkeeper.config import Settings, load_settings
from watchkeeper.errors import FaceSelectionError
from watchkeeper.face.alignment import align_face
from watchkeeper.face.descriptors import DescriptorBackend, MirrorAveragedBackend, make_descriptor_backend
from watchkeeper.face.detection import (
    DEFAULT_MAX_DETECTION_SIDE,
    DetectorKind,
    FaceDetector,
    detect_faces,
    detect_faces_in_region,
    make_detector,
)
from watchkeeper.face.images import ImageLimits, LoadedImage, load_image
from watchkeeper.face.landmarks import FivePointLandmarks, predict_landmarks
from watchkeeper.face.quality import FaceQuality, measure_quality
from watchkeeper.types import BoundingBox, Descriptors, Detection, ImageSize, RGBImage
from watchkeeper.video.tracking import shot_quality


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """How the engine finds and describes faces.

    ``upsample`` of ``None`` takes the detector's own default (HOG 1, CNN 0). ``max_detection_side`` caps
    the image size the detector sees (see :mod:`watchkeeper.face.detection`). ``compute_descriptors``
    can be turned off when only boxes and quality are wanted, which saves most of the time per face.
    ``mirror_averaging`` makes each descriptor the mean of the chip's and its mirror image's
    (:class:`~watchkeeper.face.descriptors.MirrorAveragedBackend`), for twice the network's work per face.
    It is off by default because the evidence is mixed: on the shared still photos it widens the gap between
    same-person and different-person distances (verification d' 6.66 to 6.83, margin 0.066 to 0.102), but
    on the shared clip it brings the faces of people not on the watchlist closer to it (smallest per-face
    distance 0.691 to 0.626), the direction that raises false alerts. ``watchkeeper evaluate --mirror``
    measures it on a force's own data. Descriptors made with and without it are about 0.08 apart for the
    same chip, so a gallery is best enrolled with the setting its probes use.
    """

    detector: DetectorKind = DetectorKind.HOG
    upsample: int | None = None
    max_detection_side: int = DEFAULT_MAX_DETECTION_SIDE
    compute_descriptors: bool = True
    mirror_averaging: bool = False
    image_limits: ImageLimits = field(default_factory=ImageLimits)


VIDEO_OPTIONS = EngineOptions(detector=DetectorKind.CNN)
"""How video is analysed unless a run chooses otherwise: the CNN detector, which also finds turned and partly
hidden faces (a HOG-only run misses people the CNN catches on real footage)."""


@dataclass(frozen=True, slots=True, eq=False)
class Face:
    """One face found in an image.

    ``index`` is the face's position among its image's detections (left to right when they come from
    :meth:`FaceEngine.detect`). ``box`` is clipped to the image;
    ``detection`` keeps the detector's unclipped box and score. ``chip`` is the aligned 150 x 150 crop and
    ``descriptor`` its 128-d float32 descriptor (``None`` when descriptors were not asked for). Both are
    biometric data: they live in memory only, and only the governance layer may store them.
    """

    index: int
    box: BoundingBox
    detection: Detection
    landmarks: FivePointLandmarks
    quality: FaceQuality
    chip: RGBImage
    descriptor: Descriptors | None

    def require_descriptor(self) -> Descriptors:
        """The descriptor, for callers that configured the engine to compute one."""
        if self.descriptor is None:
            raise ValueError("this face has no descriptor: the engine ran with compute_descriptors=False")
        return self.descriptor

    def shot_score(self) -> float:
        """How good a probe this face is, in [0, 1], for choosing a followed face's best shots: its quality
        and detector score combined by :func:`~watchkeeper.video.tracking.shot_quality`."""
        quality = self.quality
        return shot_quality(quality.inter_ocular_px, quality.sharpness, quality.frontalness, self.detection.score)


@dataclass(frozen=True, slots=True, eq=False)
class FaceAnalysis:
    """Every face found in one image, and the image's name and size."""

    source: str
    size: ImageSize
    faces: tuple[Face, ...]

    def single_face(self, index: int | None = None, option: str = "--face") -> Face:
        """The face at ``index``, or the only face when ``index`` is None.

        Raises :class:`FaceSelectionError` when there is no face, when there are several and no index was
        given (an automatic choice could compare the wrong person), or when the index does not exist.
        ``option`` names the choice in the message, so the caller's user knows what to pass.
        """
        count = len(self.faces)
        if count == 0:
            raise FaceSelectionError(self.source, "no face found")
        if index is None:
            if count > 1:
                raise FaceSelectionError(
                    self.source,
                    f"{count} faces found; choose one with {option} (0 to {count - 1}, left to right)",
                )
            return self.faces[0]
        if not 0 <= index < count:
            raise FaceSelectionError(self.source, f"{option} {index} does not exist; faces are 0 to {count - 1}")
        return self.faces[index]


class FaceEngine:
    """Detects, aligns, measures and describes faces, with one set of options.

    The work is a chain of stages, each a public method callable alone so that a caller needing only part
    of it (the live pipeline finds faces at its own scale and describes only a track's best shots) runs
    the same steps rather than a copy of them: :meth:`detect` (or :meth:`detect_in_region`) ->
    :meth:`faces` (landmarks, aligned chip, quality) -> :meth:`describe` (descriptors from chips).
    :meth:`analyse` runs them all on one image.

    ``settings`` choose the network backend (ONNX by default, dlib's own as the reference) and where built
    networks are cached; by default they are read from the environment (:func:`~watchkeeper.config.load_settings`).
    ``detector`` and ``descriptor_backend`` replace the ones the options and settings choose (tests count
    or share them). Networks load on first use, so constructing an engine is cheap.
    """

    def __init__(
        self,
        options: EngineOptions | None = None,
        settings: Settings | None = None,
        descriptor_backend: DescriptorBackend | None = None,
        detector: FaceDetector | None = None,
    ) -> None:
        self.options = options or EngineOptions()
        self.settings = settings or load_settings()
        self.detector: FaceDetector = detector or make_detector(
            self.options.detector, self.settings, self.options.upsample
        )
        backend = descriptor_backend or make_descriptor_backend(self.settings)
        self.descriptor_backend: DescriptorBackend = (
            MirrorAveragedBackend(backend) if self.options.mirror_averaging else backend
        )

    def load(self, path: str | Path) -> LoadedImage:
        """Read an image file under this engine's size limits."""
        return load_image(path, self.options.image_limits)

    def detect(self, pixels: RGBImage, max_side: int | None = None) -> list[Detection]:
        """Boxes and scores only, in left-to-right order; the cheapest way to count faces.

        The detector sees the image shrunk to at most ``max_side`` on its longer side (by default the
        options' ``max_detection_side``); boxes are in ``pixels``' own coordinates either way."""
        return detect_faces(pixels, self.detector, self.options.max_detection_side if max_side is None else max_side)

    def detect_in_region(self, pixels: RGBImage, region: BoundingBox, scale: float = 1.0) -> list[Detection]:
        """Faces inside ``region`` only, the region resized by ``scale`` (at most 1) for the detector; boxes in
        ``pixels``' coordinates (see :func:`~watchkeeper.face.detection.detect_faces_in_region`)."""
        return detect_faces_in_region(pixels, self.detector, region, scale)

    def faces(self, pixels: RGBImage, detections: Sequence[Detection]) -> tuple[Face, ...]:
        """A face for each of ``detections`` in ``pixels``, in their order: landmarks, the aligned chip and its
        quality, all at the image's full resolution, and no descriptor yet (see :meth:`with_descriptors`).

        Describing is most of the cost per face, so it is a stage of its own: a video pipeline measures
        every face it sees and describes only the few best shots of each track."""
        height, width = pixels.shape[:2]
        size = ImageSize(width, height)
        return tuple(_face(index, pixels, detection, size) for index, detection in enumerate(detections))

    def describe(self, chips: Sequence[RGBImage]) -> Descriptors:
        """One 128-d float32 descriptor per aligned chip, in order, in one batch; no chip gives ``(0, 128)``."""
        return self.descriptor_backend.compute(list(chips))

    def with_descriptors(self, faces: Sequence[Face]) -> tuple[Face, ...]:
        """``faces`` with their descriptors, computed in one batch."""
        descriptors = self.describe([face.chip for face in faces])
        return tuple(replace(face, descriptor=descriptor) for face, descriptor in zip(faces, descriptors, strict=True))

    def analyse(self, image: LoadedImage) -> FaceAnalysis:
        """Every face in ``image``: box, landmarks, aligned chip, quality and (unless turned off) descriptor."""
        faces = self.faces(image.pixels, self.detect(image.pixels))
        if self.options.compute_descriptors:
            faces = self.with_descriptors(faces)
        return FaceAnalysis(source=image.source, size=image.size, faces=faces)

    def analyse_file(self, path: str | Path) -> FaceAnalysis:
        """Load and analyse one image file."""
        return self.analyse(self.load(path))


def _face(index: int, pixels: RGBImage, detection: Detection, size: ImageSize) -> Face:
    """Landmarks, chip and quality of one detection; the quality is measured on the box cut to the image."""
    landmarks = predict_landmarks(pixels, detection.box)
    chip = align_face(pixels, landmarks, detection.box)
    box = detection.box.clipped(size)
    return Face(
        index=index,
        box=box,
        detection=detection,
        landmarks=landmarks,
        quality=measure_quality(box, landmarks, chip),
        chip=chip,
        descriptor=None,
    )
