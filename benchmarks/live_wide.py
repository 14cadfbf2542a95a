"""Live recognition at CCTV distances: the shared clip shrunk into a 1920 x 1080 scene, end to end.

Run: ``python benchmarks/live_wide.py`` (``make bench`` installs the peer package first; ``--sizes``,
``--seeds`` and ``--mirror`` change what is measured).

Each scene is the clip shrunk so its median face is 60, 40, 32 or 24 px wide (or left at its own, 73),
drifting over a still, seeded background (:mod:`watchkeeper.evaluation.wide_scene`), written as H.264 at 25
fps; every size is built at three positions (seeds). The clip's own shots vary, so a "24 px" scene also
holds shots with faces of about 14 px and others of about 40. Watchkeeper runs its live pipeline as a
deployment on a wide camera does (``deploy run --detector centerface``: CenterFace seeing the whole 1080p
frame on every 8th search and the parts that changed on the others; the other settings the video defaults)
end to end, decoding included. Its watchlist is described as a deployment's is: faces found in the
photographs as galleries enrol them (with ``--mirror``, described again with mirror averaging, as the faces
of the scene then are). It holds the clip's two people and two who are not in it (Biden, Kit Harington). An
alert is wrong when it names one of those two, or when its shot is from the clip's last shots, of the
audience (Obama among them), where the annotation (``benchmarks/data/short_hamilton_clip_faces.csv``) has
nobody on the watchlist; a person is found only by a right alert. Reported per size: per-identity recall
(lowest over the positions), wrong alerts (summed over the positions) and frames per second against real
time.

The baseline is the peer's per-frame loop (the face_recognition package's HOG with one upsampling, as
its docs advise for small faces, and an encoding for every face) on every full 1080p frame; it is timed
on every 25th frame of the 40 px scene, decoding not timed, which favours it. The last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FACES = PROJECT_ROOT.parent / "shared" / "data" / "faces" / "examples"
CLIP = FACES / "short_hamilton_clip.mp4"
IN_THE_CLIP = {"lin_manuel_miranda": "lin-manuel-miranda.png", "alex_lacamoire": "alex-lacamoire.png"}
NOT_IN_THE_CLIP = {"joe_biden": "biden.jpg", "kit_harington": "knn_examples/train/kit_harington/john1.jpeg"}
ANNOTATIONS = PROJECT_ROOT / "benchmarks" / "data" / "short_hamilton_clip_faces.csv"
NOBODY_WATCHED = "not_on_watchlist"
SIZES = (73, 60, 40, 32, 24)
"""Median face widths; 73 px is the clip's own size (scale 1), its close-ups placed in a 1080p picture."""
SEEDS = (1, 2, 3)
REAL_TIME_FPS = 25.0
BASELINE_EVERY = 25


class Ours:
    """Watchkeeper's live pipeline as a wide camera runs it (``--detector centerface``), networks loaded once."""

    def __init__(self, *, mirror: bool) -> None:
        from dataclasses import replace

        from watchkeeper.face import VIDEO_OPTIONS, DetectorKind, FaceEngine
        from watchkeeper.matching import LabelledIndex

        self.engine = FaceEngine(replace(VIDEO_OPTIONS, detector=DetectorKind.CENTERFACE, mirror_averaging=mirror))
        people = {**IN_THE_CLIP, **NOT_IN_THE_CLIP}
        photos = FaceEngine()  # galleries are enrolled from photographs
        chips = []
        for file in people.values():
            image = photos.load(FACES / file)
            (face,) = self.engine.faces(image.pixels, [photos.analyse(image).single_face().detection])
            chips.append(face.chip)
        references = self.engine.describe(chips)
        self.watchlist = LabelledIndex.of(np.arange(len(people), dtype=np.int64), references, dict(enumerate(people)))

    def run(self, scene: Path) -> tuple[float, list[tuple[str, int]]]:
        """Frames per second end to end, and every alert raised: its label and the frame of its shot."""
        from watchkeeper.face import DEFAULT_MATCH_THRESHOLD
        from watchkeeper.live.pipeline import LivePipeline
        from watchkeeper.video.sources import VideoSource

        pipeline = LivePipeline(self.engine, self.watchlist, DEFAULT_MATCH_THRESHOLD)
        alerts: list[tuple[str, int]] = []
        start = time.perf_counter()
        with VideoSource(scene) as source:
            for frame in source.frames():
                alerts += [(self.watchlist.labels[m.entry_id], m.frame_index) for m in pipeline.process(frame)]
        alerts += [(self.watchlist.labels[m.entry_id], m.frame_index) for m in pipeline.finish()]
        return pipeline.frames_seen / (time.perf_counter() - start), alerts


def is_wrong(label: str, frame_index: int, unwatched: list[range]) -> bool:
    """An alert for someone not in the clip, or raised on a shot where the annotation says only people not
    on the watchlist are in view (the audience, Obama among them, at the end of the clip)."""
    return label in NOT_IN_THE_CLIP or any(frame_index in span for span in unwatched)


def baseline_fps(scene: Path, peer: Any) -> float:
    """The peer's per-frame loop on every :data:`BASELINE_EVERY`-th full frame of ``scene``."""
    from watchkeeper.video.sources import VideoSource

    with VideoSource(scene) as source:
        frames = [f.image for f in source.frames() if f.index % BASELINE_EVERY == 0]
    start = time.perf_counter()
    for image in frames:
        peer.face_encodings(image, peer.face_locations(image, number_of_times_to_upsample=1))
    return len(frames) / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES), help="median face widths, px")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="one scene per seed and size")
    parser.add_argument("--mirror", action="store_true", help="mirror-averaged descriptors, the watchlist's too")
    args = parser.parse_args()
    try:
        import face_recognition as peer
    except ImportError:
        print("The peer package is not installed; run `make bench` (it installs face_recognition --no-deps).")
        return 2
    from watchkeeper.evaluation.tracks import read_annotations
    from watchkeeper.evaluation.wide_scene import median_face_width, write_wide_scene

    unwatched = [
        range(r.first_frame, r.last_frame + 1) for r in read_annotations(ANNOTATIONS) if r.identity == NOBODY_WATCHED
    ]

    ours = Ours(mirror=args.mirror)
    clip_face_width = median_face_width(ours.engine, CLIP)
    print(f"the clip's median face is {clip_face_width:.0f} px wide at its own 640 x 360")
    rows: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        scenes = {
            (size, seed): write_wide_scene(
                CLIP,
                Path(folder) / f"scene-{size}-{seed}.mp4",
                face_width=size,
                clip_face_width=clip_face_width,
                seed=seed,
            ).path
            for size in args.sizes
            for seed in args.seeds
        }
        ours.run(scenes[args.sizes[0], args.seeds[0]])  # load the networks before timing
        for size in args.sizes:
            runs = [ours.run(scenes[size, seed]) for seed in args.seeds]
            found = [{label for label, frame in alerts if not is_wrong(label, frame, unwatched)} for _, alerts in runs]
            rows[size] = {
                "fps": float(np.mean([fps for fps, _ in runs])),
                "recall": min(len(f) for f in found) / len(IN_THE_CLIP),
                "wrong_alerts": sum(
                    is_wrong(label, frame, unwatched) for _, alerts in runs for (label, frame) in alerts
                ),
                "found": [sorted(f) for f in found],
            }
        peer_fps = baseline_fps(scenes[40 if 40 in args.sizes else args.sizes[0], args.seeds[0]], peer)
    print(f"{'median face':>12} {'fps':>8} {'x real time':>12} {'recall':>7} {'wrong':>6}  found per position")
    for size, row in rows.items():
        realtime, wrong = row["fps"] / REAL_TIME_FPS, row["wrong_alerts"]
        print(f"{size:>9} px {row['fps']:8.2f} {realtime:12.2f} {row['recall']:7.2f} {wrong:6d}  {row['found']}")
    print(f"{'baseline: peer HOG, 1 upsampling, every full frame':52} {peer_fps:8.3f} fps")
    ours_fps = float(np.mean([row["fps"] for row in rows.values()]))
    summary: dict[str, Any] = {
        "fps": round(ours_fps, 2),
        "baseline_fps": round(peer_fps, 3),
        "live_wide_speedup": round(ours_fps / peer_fps, 2),
        "wrong_alerts": sum(row["wrong_alerts"] for row in rows.values()),
        **{f"recall_{size}px": row["recall"] for size, row in rows.items()},
        **{f"fps_{size}px": round(row["fps"], 2) for size, row in rows.items()},
        "mirror_averaging": args.mirror,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
