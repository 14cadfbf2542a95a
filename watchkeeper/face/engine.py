"""The face engine: from an image to its faces, each with box, landmarks, chip, quality and descriptor.

It holds no state beyond its options and lazily loaded models, writes nothing anywhere, and returns plain
arrays and dataclasses, so every caller (command line, server, video pipeline) can use it the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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
    make_detector,
)
from watchkeeper.face.images import ImageLimits, LoadedImage, load_image
from watchkeeper.face.landmarks import FivePointLandmarks, predict_landmarks
from watchkeeper.face.quality import FaceQuality, measure_quality
from watchkeeper.types import BoundingBox, Descriptors, Detection, ImageSize, RGBImage


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


@dataclass(frozen=True, slots=True, eq=False)
class Face:
    """One face found in an image.

    ``index`` is the face's position in its image's left-to-right order. ``box`` is clipped to the image;
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

    ``settings`` choose the network backend (ONNX by default, dlib's own as the reference) and where built
    networks are cached; by default they are read from the environment (:func:`~watchkeeper.config.load_settings`).
    Networks load on first use, so constructing an engine is cheap.
    """

    def __init__(
        self,
        options: EngineOptions | None = None,
        settings: Settings | None = None,
        descriptor_backend: DescriptorBackend | None = None,
    ) -> None:
        self.options = options or EngineOptions()
        self.settings = settings or load_settings()
        self.detector: FaceDetector = make_detector(self.options.detector, self.settings, self.options.upsample)
        backend = descriptor_backend or make_descriptor_backend(self.settings)
        self.descriptor_backend: DescriptorBackend = (
            MirrorAveragedBackend(backend) if self.options.mirror_averaging else backend
        )

    def load(self, path: str | Path) -> LoadedImage:
        """Read an image file under this engine's size limits."""
        return load_image(path, self.options.image_limits)

    def detect(self, image: LoadedImage) -> list[Detection]:
        """Boxes and scores only, in left-to-right order; the cheapest way to count faces."""
        return detect_faces(image.pixels, self.detector, self.options.max_detection_side)

    def analyse(self, image: LoadedImage) -> FaceAnalysis:
        """Every face in ``image``: box, landmarks, aligned chip, quality and (unless turned off) descriptor."""
        size = image.size
        detections = self.detect(image)
        landmarks = [predict_landmarks(image.pixels, d.box) for d in detections]
        chips = [align_face(image.pixels, marks, d.box) for d, marks in zip(detections, landmarks, strict=True)]
        descriptors: list[Descriptors | None] = (
            list(self.descriptor_backend.compute(chips)) if self.options.compute_descriptors else [None] * len(chips)
        )
        faces = tuple(
            _face(index, detection, size, marks, chip, descriptor)
            for index, (detection, marks, chip, descriptor) in enumerate(
                zip(detections, landmarks, chips, descriptors, strict=True)
            )
        )
        return FaceAnalysis(source=image.source, size=size, faces=faces)

    def analyse_file(self, path: str | Path) -> FaceAnalysis:
        """Load and analyse one image file."""
        return self.analyse(self.load(path))


def _face(
    index: int,
    detection: Detection,
    size: ImageSize,
    landmarks: FivePointLandmarks,
    chip: RGBImage,
    descriptor: Descriptors | None,
) -> Face:
    box = detection.box.clipped(size)
    return Face(
        index=index,
        box=box,
        detection=detection,
        landmarks=landmarks,
        quality=measure_quality(box, landmarks, chip),
        chip=chip,
        descriptor=descriptor,
    )
