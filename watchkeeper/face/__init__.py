"""The face engine: detection, 5-point landmarks, alignment, quality, 128-d descriptors and comparison.

Typical use::

    from watchkeeper.face import FaceEngine, compare_descriptors

    engine = FaceEngine()
    first = engine.analyse_file("a.jpg").single_face()
    second = engine.analyse_file("b.jpg").single_face()
    print(compare_descriptors(first.descriptor, second.descriptor))

Boxes are in pixels of the original image (see :class:`watchkeeper.types.BoundingBox`); descriptors are
float32 arrays of 128 values; distances are Euclidean, with :data:`DEFAULT_MATCH_THRESHOLD` (0.6) as the
same-person threshold. Models load on first use; nothing is written to disk.
"""

from watchkeeper.face.compare import (
    DEFAULT_MATCH_THRESHOLD,
    MAX_MATCH_THRESHOLD,
    Comparison,
    compare_descriptors,
    distance_from_similarity,
    face_distance,
    similarity_from_distance,
)
from watchkeeper.face.detection import (
    DetectorKind,
    detect_faces,
    detect_faces_in_region,
    make_detector,
    video_detection_side,
)
from watchkeeper.face.engine import VIDEO_OPTIONS, EngineOptions, Face, FaceAnalysis, FaceEngine
from watchkeeper.face.images import ImageLimits, LoadedImage, decode_image, load_image
from watchkeeper.face.landmarks import FivePointLandmarks
from watchkeeper.face.quality import FaceQuality
from watchkeeper.types import Detection

__all__ = [
    "DEFAULT_MATCH_THRESHOLD",
    "MAX_MATCH_THRESHOLD",
    "VIDEO_OPTIONS",
    "Comparison",
    "Detection",
    "DetectorKind",
    "EngineOptions",
    "Face",
    "FaceAnalysis",
    "FaceEngine",
    "FaceQuality",
    "FivePointLandmarks",
    "ImageLimits",
    "LoadedImage",
    "compare_descriptors",
    "decode_image",
    "detect_faces",
    "detect_faces_in_region",
    "distance_from_similarity",
    "face_distance",
    "load_image",
    "make_detector",
    "similarity_from_distance",
    "video_detection_side",
]
