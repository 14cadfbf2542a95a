"""Accuracy on the shared labelled photos: the raw dlib pipeline as face_recognition runs it, against
Watchkeeper's best configuration, in one run, with the same metrics and the difference.

Run: ``python benchmarks/accuracy.py`` (``make bench`` installs the peer package). The raw pipeline is the
face_recognition package's: dlib's HOG detector with one upsampling, dlib's 5-point shape predictor, dlib's
descriptor with ``num_jitters=1``, threshold 0.6. Without the peer package installed, the same pipeline is
reproduced with Watchkeeper's dlib backend (the same dlib calls) and the output says so. Watchkeeper's best
configuration is the one ``watchkeeper evaluate`` finds best on these photos: the ONNX networks, each
descriptor averaged with its mirror image's, and a subject's enrolment photos fused into a mean template.

The set is every distinct single-person photo of labels.csv and dlib's five Johns (77 faces, 11 people):
small, so every figure comes with its counts, and figures the counts cannot support are printed as such.
Differences are Watchkeeper minus the peer (lower is better for error rates, higher for d' and margins).
The track-fusion result on the clip (``watchkeeper.evaluation.tracks``) is printed last. The last line is
JSON with the headline figures.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FACES = PROJECT_ROOT.parent / "shared" / "data" / "faces"
ANNOTATIONS = PROJECT_ROOT / "benchmarks" / "data" / "short_hamilton_clip_faces.csv"
THRESHOLD = 0.6


def labelled_files() -> list[Any]:
    from watchkeeper.evaluation.labelled import distinct, read_labelled_set, read_labels

    rows = [(f.path, f.identity) for f in distinct(read_labels(FACES)) if f.is_single_person]
    rows += [(f.path, f.identity) for f in read_labelled_set(FACES / "dlib/examples/johns")]
    with tempfile.TemporaryDirectory() as folder:
        labels = Path(folder) / "labels.csv"
        with labels.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows([("file", "identity"), *rows])
        return distinct(read_labelled_set(labels))


def peer_descriptors(files: list[Any]) -> tuple[str, list[str], np.ndarray, int]:
    """Descriptors as face_recognition makes them (or its exact dlib calls, when it is not installed)."""
    try:
        import face_recognition as peer
    except ImportError:
        peer = None
    identities, descriptors, failures = [], [], 0
    if peer is not None:
        for f in files:
            image = peer.load_image_file(str(f.path))
            boxes = peer.face_locations(image, 1, "hog")
            if len(boxes) != 1:
                failures += 1
                continue
            descriptors.append(peer.face_encodings(image, boxes, 1, "small")[0])
            identities.append(f.identity)
        return "face_recognition 1.3.0", identities, np.asarray(descriptors), failures
    from dataclasses import replace

    from watchkeeper.config import NetworkBackend, load_settings
    from watchkeeper.evaluation.samples import describe
    from watchkeeper.face import EngineOptions, FaceEngine

    engine = FaceEngine(EngineOptions(), replace(load_settings(), network_backend=NetworkBackend.DLIB))
    samples = describe(engine, files)
    name = "dlib backend (face_recognition not installed)"
    return name, samples.identities, samples.descriptors(), len(samples.failures)


def figures(identities: list[str], descriptors: np.ndarray, fusion: Any) -> dict[str, Any]:
    """The evaluation's figures for one set of descriptors (no intervals: this compares point values)."""
    from watchkeeper.evaluation.evaluate import FMR_TARGETS, FPIR_TARGETS, counted
    from watchkeeper.evaluation.identification import search_all
    from watchkeeper.evaluation.metrics import decidability, equal_error_rate, operating_point, separation_margin
    from watchkeeper.evaluation.pairs import all_pair_scores

    pairs = all_pair_scores(identities, descriptors)
    searches = search_all(identities, descriptors, fusion)
    fnmr, fmr = counted(pairs, THRESHOLD)
    fnir, fpir = counted(searches.scores, THRESHOLD)
    result: dict[str, Any] = {
        "faces": len(identities),
        "genuine_pairs": len(pairs.positive),
        "impostor_pairs": len(pairs.negative),
        "fnmr_at_0.6": fnmr.rate,
        "fmr_at_0.6": fmr.rate,
        "eer": equal_error_rate(pairs),
        "verification_d_prime": decidability(pairs),
        "verification_margin": separation_margin(pairs),
        "rank_1": searches.rank_one_hits / searches.mated,
        "fnir_at_0.6": fnir.rate,
        "fpir_at_0.6": fpir.rate,
        "identification_d_prime": decidability(searches.scores),
        "identification_margin": separation_margin(searches.scores),
    }
    for target in FMR_TARGETS:
        point = operating_point(pairs, target)
        result[f"fnmr_at_fmr_{target:g}"] = point.false_negative_rate if point.supported else None
    for target in FPIR_TARGETS:
        point = operating_point(searches.scores, target)
        result[f"fnir_at_fpir_{target:g}"] = point.false_negative_rate if point.supported else None
    return result


def track_fusion() -> Any:
    from watchkeeper.evaluation.tracks import evaluate_track_fusion, read_annotations
    from watchkeeper.face import DetectorKind, EngineOptions, FaceEngine
    from watchkeeper.video.sources import VideoSource

    engine = FaceEngine(EngineOptions(detector=DetectorKind.CNN))
    references = {"lin_manuel_miranda": "lin-manuel-miranda.png", "alex_lacamoire": "alex-lacamoire.png"}
    watchlist = {
        name: engine.analyse_file(FACES / "examples" / file).single_face().require_descriptor()
        for name, file in references.items()
    }
    with VideoSource(FACES / "examples" / "short_hamilton_clip.mp4") as source:
        return evaluate_track_fusion(engine, source.frames(), read_annotations(ANNOTATIONS), watchlist, THRESHOLD)


def show(value: Any) -> str:
    if value is None:
        return "not supported"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def main() -> int:
    if not (FACES / "labels.csv").is_file():
        print(f"The shared face data is not at {FACES}.")
        return 2
    from watchkeeper.evaluation.samples import describe
    from watchkeeper.face import FaceEngine
    from watchkeeper.matching.fusion import EnrolmentFusion

    files = labelled_files()
    peer_name, peer_ids, peer_vectors, peer_failures = peer_descriptors(files)
    ours = describe(FaceEngine(), files)
    raw = figures(peer_ids, peer_vectors, EnrolmentFusion.NEAREST)
    best = figures(ours.identities, ours.descriptors(mirror_averaged=True), EnrolmentFusion.MEAN)
    print(f"raw pipeline: {peer_name}; failures to acquire {peer_failures}")
    print(f"Watchkeeper: ONNX networks, mirror averaging, mean-template enrolment; failures {len(ours.failures)}")
    print(f"{'figure':28} {'raw dlib':>14} {'Watchkeeper':>14} {'difference':>12}")
    for name in raw:
        a, b = raw[name], best[name]
        difference = b - a if isinstance(a, int | float) and isinstance(b, int | float) else None
        print(f"{name:28} {show(a):>14} {show(b):>14} {show(difference) if difference is not None else '':>12}")
    print("(not supported: fewer non-matching comparisons than 1 / target rate)")

    clip = track_fusion()
    print(
        f"\nTrack fusion on the clip: {clip.observations} faces on {clip.processed_frames} frames, "
        f"{clip.tracks} tracks "
        f"({clip.tracks_spanning_several_people} spanning a camera cut), {clip.segments} one-person segments"
    )
    print(f"{'rule':20} {'found':>8} {'false alerts':>13} {'margin':>8}")
    for outcome in clip.outcomes:
        found = f"{outcome.mated_found}/{outcome.mated}"
        alerts = f"{outcome.false_alerts}/{outcome.non_mated}"
        print(f"{outcome.rule:20} {found:>8} {alerts:>13} {outcome.margin:8.3f}")

    margins = {o.rule: round(o.margin, 4) for o in clip.outcomes}
    summary = {
        "faces": best["faces"],
        "identities": len(set(ours.identities)),
        "raw_verification_d_prime": round(raw["verification_d_prime"], 3),
        "verification_d_prime": round(best["verification_d_prime"], 3),
        "raw_identification_d_prime": round(raw["identification_d_prime"], 3),
        "identification_d_prime": round(best["identification_d_prime"], 3),
        "raw_fnmr_at_fmr_1e-3": raw["fnmr_at_fmr_0.001"],
        "fnmr_at_fmr_1e-3": best["fnmr_at_fmr_0.001"],
        "fnmr_at_fmr_1e-4_supported": best["fnmr_at_fmr_0.0001"] is not None,
        "raw_eer": raw["eer"],
        "eer": best["eer"],
        "rank_1": best["rank_1"],
        "identification_margin_gain": round(best["identification_margin"] - raw["identification_margin"], 4),
        "track_margin_nearest_of_best_3": margins["nearest_of_best_3"],
        "per_face_margin": margins["per_face"],
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
