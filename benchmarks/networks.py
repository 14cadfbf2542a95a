"""dlib's networks against their ONNX rebuilds on this machine: time per face (and per frame), speed-up, GFLOP/s.

Run as ``python benchmarks/networks.py`` from the project root. Chips are real faces from the shared data
(``<project>/../shared/data/faces``). Each figure is the best of several timed runs, which estimates the
machine's capability rather than its background noise. The last line of output is one JSON object with
the headline figures, for scripts.
"""

from __future__ import annotations

import functools
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from watchkeeper.face import EngineOptions, FaceEngine
from watchkeeper.face.detection import MmodDetector
from watchkeeper.face.images import load_image
from watchkeeper.networks.backends import DlibDescriptorBackend, OnnxDescriptorBackend
from watchkeeper.networks.dlib_models import DlibModel, model_path
from watchkeeper.networks.dlib_reader import read_network
from watchkeeper.networks.graph import count_multiply_accumulates
from watchkeeper.networks.mmod import OnnxMmodDetector
from watchkeeper.networks.resnet import build_resnet_model
from watchkeeper.types import RGBImage

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_FACES = PROJECT_ROOT / ".." / "shared" / "data" / "faces"
BATCHES = (1, 8, 32)
THREADS = (1, 2)
CHIP_IMAGES = ("dlib/examples/faces/bald_guys.jpg", "examples/knn_examples/test/obama_and_biden.jpg")


def real_chips(count: int) -> list[RGBImage]:
    """``count`` aligned chips of real faces (repeating the available ones if there are fewer)."""
    engine = FaceEngine(EngineOptions(compute_descriptors=False))
    chips = [face.chip for name in CHIP_IMAGES for face in engine.analyse_file(SHARED_FACES / name).faces]
    if not chips:
        raise SystemExit("no faces found in the shared data")
    return [chips[i % len(chips)] for i in range(count)]


def best_seconds(run: Callable[[], object], min_total: float, min_runs: int = 3) -> float:
    """Fastest of repeated runs, repeating until ``min_total`` seconds have passed (after one warm-up)."""
    run()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < min_runs or time.perf_counter() - started < min_total:
        begin = time.perf_counter()
        run()
        times.append(time.perf_counter() - begin)
    return min(times)


def time_dlib(chips: list[RGBImage]) -> dict[int, float]:
    """ms per face for dlib at each batch size (dlib-bin runs the batch one face at a time on one core)."""
    backend = DlibDescriptorBackend()
    return {
        batch: 1000 * best_seconds(functools.partial(backend.compute, chips[:batch]), 1.5, min_runs=2) / batch
        for batch in BATCHES
    }


def time_onnx(chips: list[RGBImage], cache: Path, threads: int) -> dict[int, float]:
    result = {}
    for batch in BATCHES:
        backend = OnnxDescriptorBackend(cache, threads=threads, batch_size=batch)
        seconds = best_seconds(functools.partial(backend.compute, chips[:batch]), 1.5)
        result[batch] = 1000 * seconds / batch
    return result


def frame_640x480() -> RGBImage:
    """A real 640 x 480 frame: a photo from the shared data resized (aspect not kept) to VGA."""
    pixels = load_image(SHARED_FACES / "examples/knn_examples/test/obama_and_biden.jpg").pixels
    return np.ascontiguousarray(cv2.resize(pixels, (640, 480), interpolation=cv2.INTER_AREA))


def time_mmod(cache: Path) -> tuple[float, dict[int, float], int, int]:
    """ms per frame for dlib, and for ONNX at each thread count; and both detectors' face counts."""
    frame = frame_640x480()
    dlib_detector = MmodDetector()
    dlib_faces = len(dlib_detector.detect(frame))
    dlib_ms = 1000 * best_seconds(lambda: dlib_detector.detect(frame), 0.0, min_runs=1)
    onnx_ms = {}
    onnx_faces = 0
    for threads in THREADS:
        detector = OnnxMmodDetector(cache, threads=threads)
        onnx_faces = len(detector.detect(frame))
        onnx_ms[threads] = 1000 * best_seconds(functools.partial(detector.detect, frame), 2.0)
    return dlib_ms, onnx_ms, dlib_faces, onnx_faces


def main() -> None:
    if not (SHARED_FACES / "labels.csv").is_file():
        raise SystemExit(f"shared face data not found at {SHARED_FACES}")
    chips = real_chips(max(BATCHES))
    network = read_network(model_path(DlibModel.FACE_RESNET))
    gflop_per_face = 2 * count_multiply_accumulates(build_resnet_model(network)) / 1e9
    dlib_ms = time_dlib(chips)
    with tempfile.TemporaryDirectory() as cache_dir:
        onnx_ms = {threads: time_onnx(chips, Path(cache_dir), threads) for threads in THREADS}
        mmod_dlib_ms, mmod_onnx_ms, dlib_faces, onnx_faces = time_mmod(Path(cache_dir))

    print(f"Face descriptor ResNet: {gflop_per_face:.3f} GFLOP per face (counted from the ONNX graph)")
    print(f"{'backend':<22}{'batch':>6}{'ms/face':>10}{'speed-up':>10}{'GFLOP/s':>10}")
    for batch in BATCHES:
        dlib_rate = gflop_per_face * 1000 / dlib_ms[batch]
        print(f"{'dlib (1 core)':<22}{batch:>6}{dlib_ms[batch]:>10.2f}{1.0:>10.2f}{dlib_rate:>10.1f}")
        for threads in THREADS:
            ms = onnx_ms[threads][batch]
            label = f"onnx ({threads} thread{'s' if threads > 1 else ''})"
            print(f"{label:<22}{batch:>6}{ms:>10.2f}{dlib_ms[batch] / ms:>10.2f}{gflop_per_face * 1000 / ms:>10.1f}")

    print()
    print(f"MMOD face detector, one 640 x 480 frame (dlib found {dlib_faces} faces, ONNX {onnx_faces})")
    print(f"{'detector':<22}{'ms/frame':>10}{'speed-up':>10}")
    print(f"{'dlib (1 core)':<22}{mmod_dlib_ms:>10.1f}{1.0:>10.2f}")
    for threads in THREADS:
        label = f"onnx ({threads} thread{'s' if threads > 1 else ''})"
        print(f"{label:<22}{mmod_onnx_ms[threads]:>10.1f}{mmod_dlib_ms / mmod_onnx_ms[threads]:>10.2f}")

    best_threads = min(THREADS, key=lambda t: onnx_ms[t][32])
    best_mmod = min(mmod_onnx_ms.values())
    headline = {
        "descriptor_speedup_b32": round(dlib_ms[32] / onnx_ms[best_threads][32], 2),
        "descriptor_ms_per_face_b32": round(onnx_ms[best_threads][32], 3),
        "descriptor_ms_per_face_b32_1thread": round(onnx_ms[1][32], 3),
        "descriptor_ms_per_face_b1": round(min(onnx_ms[t][1] for t in THREADS), 3),
        "dlib_ms_per_face": round(statistics.median(dlib_ms.values()), 2),
        "gflops": round(gflop_per_face * 1000 / onnx_ms[best_threads][32], 1),
        "threads": best_threads,
        "mmod_ms_per_frame": round(best_mmod, 1),
        "mmod_dlib_ms_per_frame": round(mmod_dlib_ms, 1),
        "mmod_speedup": round(mmod_dlib_ms / best_mmod, 2),
    }
    print(json.dumps(headline))


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
