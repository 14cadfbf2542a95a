"""Small, degraded faces: the face_recognition package against Watchkeeper on a CCTV-like copy of the shared photos.

Run: ``python benchmarks/small_faces.py`` (``make .venv/.peer`` installs the peer package). The shared labelled
photos are copied, seeded, at face widths of 60, 40 and 28 px, each image turned, blurred, darkened and
JPEG-compressed (:mod:`watchkeeper.evaluation.degrade`, the same as ``watchkeeper degrade``). Each pipeline
describes the clean photos (the watchlist) and every degraded copy (the camera); verification pairs each degraded
face with the clean photos of other sources.

Per face width: detection rate (labelled faces found, group photos included), and the true accept rate at a false
accept rate of 0.01 and at the default threshold (0.6) over the pairs of the faces each pipeline acquired. The
peer runs as its documentation advises for small faces: HOG upsampled twice on the degraded copies (once, its
default, on the clean photos, where twice would cost 16x for nothing), its 5-point landmarks, one jitter.
Ratios are Watchkeeper over the peer. The last line is JSON with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = PROJECT_ROOT.parent / "shared" / "data" / "faces"
PEER_CLEAN_UPSAMPLE = 1
PEER_DEGRADED_UPSAMPLE = 2


def peer_describer(peer: Any, upsample: int) -> Any:
    """The face_recognition package as a describer of labelled files."""
    from watchkeeper.evaluation.degrade import DescribedSet
    from watchkeeper.evaluation.labelled import IMAGE_SUFFIXES, LabelledFile

    def describe_files(files: Sequence[LabelledFile]) -> DescribedSet:
        labelled = detected = 0
        sources: list[str] = []
        identities: list[str] = []
        descriptors: list[Any] = []
        for item in files:
            if item.expected_faces is None or item.path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            labelled += item.expected_faces
            image = peer.load_image_file(str(item.path))
            boxes = peer.face_locations(image, upsample, "hog")
            detected += min(len(boxes), item.expected_faces)
            if item.is_single_person and len(boxes) == 1:
                sources.append(str(item.path))
                identities.append(item.identity)
                descriptors.append(peer.face_encodings(image, boxes, 1, "small")[0])
        array = np.asarray(descriptors, dtype=np.float32).reshape(-1, 128)
        return DescribedSet(labelled, detected, tuple(sources), tuple(identities), array)

    return describe_files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder with labels.csv and images")
    parser.add_argument("--seed", type=int, default=0, help="seed of the degradation")
    args = parser.parse_args()

    try:
        import face_recognition
    except ImportError:
        print("The peer package is not installed; run `make .venv/.peer` (it installs face_recognition --no-deps).")
        return 2

    from watchkeeper.evaluation.degrade import (
        Degradation,
        DegradationReport,
        compare_clean_and_degraded,
        engine_describer,
        write_degraded_copies,
    )
    from watchkeeper.evaluation.labelled import distinct, read_labelled_set, read_labels
    from watchkeeper.face import DetectorKind, EngineOptions, FaceEngine

    clean = distinct(read_labels(args.data))
    peer_clean = peer_describer(face_recognition, PEER_CLEAN_UPSAMPLE)
    configurations = {
        "peer": (peer_describer(face_recognition, PEER_DEGRADED_UPSAMPLE), peer_clean),
        "watchkeeper_hog": (engine_describer(FaceEngine()), None),
        "watchkeeper_centerface": (
            engine_describer(FaceEngine(EngineOptions(detector=DetectorKind.CENTERFACE))),
            None,
        ),
        "watchkeeper_centerface_mirror": (
            engine_describer(FaceEngine(EngineOptions(detector=DetectorKind.CENTERFACE, mirror_averaging=True))),
            None,
        ),
    }
    with tempfile.TemporaryDirectory() as folder:
        copies = write_degraded_copies(clean, Path(folder) / "copy", FaceEngine(), Degradation(seed=args.seed))
        copy_files = [(s.face_width, distinct(read_labelled_set(s.folder))) for s in copies.sets]
        reports: dict[str, DegradationReport] = {
            name: compare_clean_and_degraded(describer, clean, copy_files, clean_describer=clean_describer)
            for name, (describer, clean_describer) in configurations.items()
        }

    header = f"{'pipeline':24} {'px':>5} {'detected':>9} {'rate':>6} {'pairs g/i':>10} {'TAR@.01':>8} {'TAR@0.6':>8}"
    print(header)
    print("-" * len(header))
    for name, report in reports.items():
        rows = [("clean", report.clean), *((str(d.face_width), d.figures) for d in report.degraded)]
        for width, f in rows:
            print(
                f"{name:24} {width:>5} {f.faces_detected:>4}/{f.faces_labelled:<4} {f.detection_rate!s:>6} "
                f"{f.genuine_pairs:>4}/{f.impostor_pairs:<5} {f.true_accept_rate_at_far_0_01!s:>8} "
                f"{f.true_accept_rate_at_threshold!s:>8}"
            )

    best = "watchkeeper_centerface"

    def by_width(report: DegradationReport) -> dict[str, Any]:
        return {str(d.face_width): asdict(d.figures) for d in report.degraded}

    def ratio(ours: float | None, theirs: float | None) -> float | None:
        return None if ours is None or not theirs else round(ours / theirs, 3)

    smallest = str(min(copies.sets, key=lambda s: s.face_width).face_width)
    ours, theirs = by_width(reports[best])[smallest], by_width(reports["peer"])[smallest]
    summary = {
        "seed": args.seed,
        "images": len(copies.sets[0].images),
        "best_configuration": best,
        "peer": by_width(reports["peer"]),
        "watchkeeper": {name: by_width(r) for name, r in reports.items() if name != "peer"},
        f"detection_rate_{smallest}px": ours["detection_rate"],
        f"peer_detection_rate_{smallest}px": theirs["detection_rate"],
        f"detection_ratio_{smallest}px": ratio(ours["detection_rate"], theirs["detection_rate"]),
        f"tar_at_far_0_01_{smallest}px": ours["true_accept_rate_at_far_0_01"],
        f"peer_tar_at_far_0_01_{smallest}px": theirs["true_accept_rate_at_far_0_01"],
        f"tar_ratio_{smallest}px": ratio(ours["true_accept_rate_at_far_0_01"], theirs["true_accept_rate_at_far_0_01"]),
    }
    print()
    print(
        f"at {smallest} px: {best} detects {ours['detection_rate']} (peer {theirs['detection_rate']}), "
        f"TAR at FAR 0.01 {ours['true_accept_rate_at_far_0_01']} (peer {theirs['true_accept_rate_at_far_0_01']})"
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
