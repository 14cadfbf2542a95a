"""Live recognition on the example clip: Watchkeeper's pipeline against the naive per-frame approach.

Run: ``python benchmarks/live.py`` (``make bench`` installs the peer package first). The naive approach is
the face_recognition package's own video example: detect and encode every face on every frame, compare
each with the reference photos (its tolerance, 0.5, and the default 0.6 are both reported). Watchkeeper
runs its pipeline (CNN detector on every 3rd frame, tracks, best shots, one descriptor batch per track)
on the same decoded frames, at the clip's size and upscaled to 1280 x 720. Reported: frames per second
(higher is better; real time is the clip's 29.97 fps) and per-identity recall (people in the clip who
were found). The last line is JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import av
import cv2
import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FACES = PROJECT_ROOT.parent / "shared" / "data" / "faces" / "examples"
PEOPLE = {"lin_manuel_miranda": "lin-manuel-miranda.png", "alex_lacamoire": "alex-lacamoire.png"}


def decode(size: tuple[int, int] | None = None) -> list[np.ndarray]:
    with av.open(str(FACES / "short_hamilton_clip.mp4")) as container:
        frames = [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]
    if size is not None:
        frames = [np.ascontiguousarray(cv2.resize(f, size, interpolation=cv2.INTER_LINEAR)) for f in frames]
    return frames


def naive(frames: list[np.ndarray], peer: object, tolerance: float) -> tuple[float, set[str]]:
    known = {n: peer.face_encodings(peer.load_image_file(str(FACES / f)))[0] for n, f in PEOPLE.items()}  # type: ignore[attr-defined]
    names, encodings = list(known), np.stack(list(known.values()))
    found: set[str] = set()
    start = time.perf_counter()
    for frame in frames:
        locations = peer.face_locations(frame)  # type: ignore[attr-defined]
        for encoding in peer.face_encodings(frame, locations):  # type: ignore[attr-defined]
            distances = np.linalg.norm(encodings - encoding, axis=1)
            if distances.min() <= tolerance:
                found.add(names[int(distances.argmin())])
    return len(frames) / (time.perf_counter() - start), found


def ours(frames: list[np.ndarray], threshold: float) -> tuple[float, set[str]]:
    from datetime import UTC, datetime

    from watchkeeper.face import DetectorKind, EngineOptions, FaceEngine
    from watchkeeper.live.pipeline import LivePipeline, PipelineOptions
    from watchkeeper.matching import LabelledIndex
    from watchkeeper.video.frames import Frame

    engine = FaceEngine(EngineOptions(detector=DetectorKind.CNN))
    watchlist = LabelledIndex.of(
        np.arange(len(PEOPLE), dtype=np.int64),
        np.stack([engine.analyse_file(FACES / f).single_face().require_descriptor() for f in PEOPLE.values()]),
        dict(enumerate(PEOPLE)),
    )
    pipeline = LivePipeline(engine, watchlist, threshold, PipelineOptions())
    pipeline.process(Frame(frames[0], "warm-up", 0, 0.0, datetime.now(UTC)))  # load the networks first
    pipeline = LivePipeline(engine, watchlist, threshold, PipelineOptions())
    found: set[str] = set()
    start = time.perf_counter()
    for index_, image in enumerate(frames):
        frame = Frame(image, "clip", index_, index_ / 29.97, datetime.now(UTC))
        found.update(watchlist.labels[m.entry_id] for m in pipeline.process(frame))
    found.update(watchlist.labels[m.entry_id] for m in pipeline.finish())
    return len(frames) / (time.perf_counter() - start), found


def main() -> int:
    try:
        import face_recognition as peer
    except ImportError:
        print("The peer package is not installed; run `make bench` (it installs face_recognition --no-deps).")
        return 2
    clip = decode()
    hd = decode((1280, 720))
    ours_fps, ours_found = ours(clip, 0.6)
    ours_hd_fps, ours_hd_found = ours(hd, 0.6)
    naive_fps, naive_found = naive(clip, peer, 0.5)
    _, naive_found_06 = naive(clip[::3], peer, 0.6)  # recall at 0.6 on a third of the frames (time)
    recall = {
        "ours": len(ours_found) / len(PEOPLE),
        "ours_720p": len(ours_hd_found) / len(PEOPLE),
        "naive": len(naive_found) / len(PEOPLE),
        "naive_at_0.6_every_3rd": len(naive_found_06) / len(PEOPLE),
    }
    print(f"{'approach':44} {'fps':>8}  found")
    print(f"{'naive per-frame (face_recognition), 640x360':44} {naive_fps:8.2f}  {sorted(naive_found)}")
    print(f"{'naive at tolerance 0.6, every 3rd frame':44} {'':8}  {sorted(naive_found_06)}")
    print(f"{'Watchkeeper pipeline, 640x360':44} {ours_fps:8.2f}  {sorted(ours_found)}")
    print(f"{'Watchkeeper pipeline, 1280x720':44} {ours_hd_fps:8.2f}  {sorted(ours_hd_found)}")
    summary = {
        "fps": round(ours_fps, 2),
        "fps_720p": round(ours_hd_fps, 2),
        "naive_fps": round(naive_fps, 2),
        "live_speedup": round(ours_fps / naive_fps, 2),
        "recall": recall["ours"],
        "recall_720p": recall["ours_720p"],
        "naive_recall": recall["naive"],
        "naive_recall_at_0_6": recall["naive_at_0.6_every_3rd"],
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
