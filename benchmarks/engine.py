"""Detection and descriptor time: Watchkeeper's engine against the face_recognition package, in one run.

Run: ``python benchmarks/engine.py`` (``make bench`` installs the peer package first, without its source-built
``dlib`` dependency). Both sides get the same decoded pixels of every distinct still image in the shared
labelled set; each measurement is the median of several rounds. Ratios are peer time over Watchkeeper time
(higher is better for Watchkeeper). The small-face detector, CenterFace, is timed on the same pixels against the
peer's HOG (``centerface_detection_speedup``), and both are scored on dlib's annotated scenes (faces found of the
43 annotated, and faces made up); so is CenterFace shown the photos at most 640 px on the longer side instead of
1600 (``centerface_640_...``), which is how fast it can be on these photos, at the cost of faces under about 36 px
in a 2000 px photo (a CCTV still's), which is why 1600 stays the default. The last line is JSON with the headline
figures.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data" / "faces"
STILLS = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}
REDUCED_SIDE = 640


def median_seconds(action: Callable[[], object], rounds: int) -> float:
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        action()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def measure(engine: Any, peer: Any, image: Any, rounds: int) -> tuple[str, int, int, float, float, float, float]:
    """Size, faces found by each side, and median seconds to detect and to describe, ours then the peer's."""
    from watchkeeper.face.alignment import align_face
    from watchkeeper.face.landmarks import predict_landmarks

    pixels = image.pixels
    detections = engine.detect(image.pixels)
    peer_boxes = peer.face_locations(pixels, 1, "hog")

    def describe() -> object:
        landmarks = [predict_landmarks(pixels, d.box) for d in detections]
        chips = [align_face(pixels, m, d.box) for d, m in zip(detections, landmarks, strict=True)]
        return engine.descriptor_backend.compute(chips)

    return (
        f"{image.size.width}x{image.size.height}",
        len(detections),
        len(peer_boxes),
        median_seconds(lambda: engine.detect(image.pixels), rounds),
        median_seconds(lambda: peer.face_locations(pixels, 1, "hog"), rounds),
        median_seconds(describe, rounds),
        median_seconds(lambda: peer.face_encodings(pixels, peer_boxes, 1, "small"), rounds),
    )


def centerface_seconds(centerface: Any, image: Any, rounds: int) -> float:
    return median_seconds(lambda: centerface.detect(image.pixels), rounds)


def scene_counts(data: Path, detect: Callable[[Any], list[Any]]) -> Any:
    """Annotated faces found, missed and made up on dlib's scenes by ``detect`` (pixels to boxes)."""
    from watchkeeper.evaluation.annotated import count_detections, read_imglab
    from watchkeeper.face import load_image

    folder = data / "dlib/examples/faces"
    scenes = read_imglab(folder / "training.xml") + read_imglab(folder / "testing.xml")
    return count_detections(scenes, lambda path: detect(load_image(path).pixels))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with labels.csv and images")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per measurement (median kept)")
    args = parser.parse_args()

    try:
        import face_recognition
    except ImportError:
        print("The peer package is not installed; run `make bench` (it installs face_recognition --no-deps).")
        return 2

    from watchkeeper.evaluation.labelled import distinct, read_labels
    from watchkeeper.face import DetectorKind, EngineOptions, FaceEngine
    from watchkeeper.types import BoundingBox

    engine = FaceEngine()
    centerface = FaceEngine(EngineOptions(detector=DetectorKind.CENTERFACE, compute_descriptors=False))
    images = [engine.load(f.path) for f in distinct(read_labels(args.data)) if f.path.suffix.lower() in STILLS]

    # Warm up both sides once: model loading is not what is measured.
    face_recognition.face_encodings(images[0].pixels, model="small")
    engine.analyse(images[0])
    centerface.detect(images[0].pixels)

    measured = [measure(engine, face_recognition, image, args.rounds) for image in images]
    centerface_faces = sum(len(centerface.detect(image.pixels)) for image in images)
    centerface_detect_total = sum(centerface_seconds(centerface, image, args.rounds) for image in images)
    centerface_scenes = scene_counts(args.data, lambda pixels: [d.box for d in centerface.detect(pixels)])
    reduced = FaceEngine(replace(centerface.options, max_detection_side=REDUCED_SIDE))
    reduced_faces = sum(len(reduced.detect(image.pixels)) for image in images)
    reduced_detect_total = sum(centerface_seconds(reduced, image, args.rounds) for image in images)
    reduced_scenes = scene_counts(args.data, lambda pixels: [d.box for d in reduced.detect(pixels)])
    peer_scenes = scene_counts(
        args.data,
        lambda pixels: [
            BoundingBox(left, top, right, bottom)
            for top, right, bottom, left in face_recognition.face_locations(pixels, 1)
        ],
    )
    rows = [(Path(image.source).relative_to(args.data), *row) for image, row in zip(images, measured, strict=True)]

    header = f"{'image':52} {'size':>10} {'faces':>9} {'detect ms ours/peer':>21} {'describe ms ours/peer':>23}"
    print(header)
    print("-" * len(header))
    for name, size, ours_faces, peer_faces, od, pd, oe, pe in rows:
        print(
            f"{name!s:52} {size:>10} {ours_faces:>4}/{peer_faces:<4} {od * 1e3:>9.1f}/{pd * 1e3:<10.1f} "
            f"{oe * 1e3:>10.1f}/{pe * 1e3:<10.1f}"
        )

    ours_faces_total = sum(r[2] for r in rows)
    peer_faces_total = sum(r[3] for r in rows)
    ours_detect_total = sum(r[4] for r in rows)
    peer_detect_total = sum(r[5] for r in rows)
    ours_describe_total = sum(r[6] for r in rows)
    peer_describe_total = sum(r[7] for r in rows)
    summary = {
        "images": len(rows),
        "faces": ours_faces_total,
        "peer_faces": peer_faces_total,
        "detection_ms_per_image": round(ours_detect_total / len(rows) * 1e3, 2),
        "peer_detection_ms_per_image": round(peer_detect_total / len(rows) * 1e3, 2),
        "detection_speedup": round(peer_detect_total / ours_detect_total, 3),
        "descriptor_ms_per_face": round(ours_describe_total / ours_faces_total * 1e3, 2),
        "peer_descriptor_ms_per_face": round(peer_describe_total / peer_faces_total * 1e3, 2),
        "descriptor_speedup": round(
            (peer_describe_total / peer_faces_total) / (ours_describe_total / ours_faces_total), 3
        ),
        "end_to_end_speedup": round(
            (peer_detect_total + peer_describe_total) / (ours_detect_total + ours_describe_total), 3
        ),
        "descriptor_backend": engine.descriptor_backend.name,
        "centerface_faces": centerface_faces,
        "centerface_detection_ms_per_image": round(centerface_detect_total / len(rows) * 1e3, 2),
        "centerface_detection_speedup": round(peer_detect_total / centerface_detect_total, 3),
        "centerface_scene_faces_found": centerface_scenes.found,
        "centerface_scene_faces_missed": centerface_scenes.missed,
        "centerface_scene_false_faces": centerface_scenes.false_faces,
        "centerface_640_faces": reduced_faces,
        "centerface_640_detection_speedup": round(peer_detect_total / reduced_detect_total, 3),
        "centerface_640_scene_faces_found": reduced_scenes.found,
        "centerface_640_scene_false_faces": reduced_scenes.false_faces,
        "peer_scene_faces_found": peer_scenes.found,
        "peer_scene_faces_missed": peer_scenes.missed,
        "peer_scene_false_faces": peer_scenes.false_faces,
    }
    print()
    print(
        f"detection: {summary['detection_ms_per_image']} ms/image (peer {summary['peer_detection_ms_per_image']}), "
        f"speedup {summary['detection_speedup']}x; descriptors: {summary['descriptor_ms_per_face']} ms/face "
        f"(peer {summary['peer_descriptor_ms_per_face']}), speedup {summary['descriptor_speedup']}x; "
        f"end to end speedup {summary['end_to_end_speedup']}x"
    )
    print(
        f"centerface: {summary['centerface_detection_ms_per_image']} ms/image, speedup over the peer's HOG "
        f"{summary['centerface_detection_speedup']}x; dlib's scenes: {centerface_scenes.found} found, "
        f"{centerface_scenes.missed} missed, {centerface_scenes.false_faces} made up (peer {peer_scenes.found}, "
        f"{peer_scenes.missed}, {peer_scenes.false_faces}); at {REDUCED_SIDE} px: "
        f"{summary['centerface_640_detection_speedup']}x, {reduced_scenes.found} found, {reduced_scenes.missed} missed"
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
