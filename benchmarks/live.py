"""Live recognition on the example clip: Watchkeeper's pipeline against the naive per-frame approach.

Run: ``python benchmarks/live.py`` (``make bench`` installs the peer package first).

The baseline is the face_recognition package's own ``examples/facerec_from_video_file.py``, the example
written for this very clip: every frame, at the clip's own 640 x 360, its default HOG detector (one
upsampling), an encoding for every face found, each compared with the two reference photos at its
tolerance, 0.50. It is the approach the comparison is about (detect and encode every frame). Its
decoding is not timed (frames are decoded beforehand), which favours it. The peer's other video example,
``facerec_from_webcam_faster.py`` (a quarter of the size, every other frame), is reported beside it for
completeness: it is faster because it looks at 1/32 of the pixels, and on this clip it finds nobody.

Watchkeeper runs its pipeline with its defaults (the CNN detector searching the whole frame every 6th
frame, looking again around the faces it follows every 3rd frame in between, best shots described once)
on the same decoded frames. A person
briefly in view can fall between searches, so its recall is measured from several starting frames (the
clip cut at the start by 0, 3, 6, 9 and 12 frames) and the lowest is reported. Then it runs end to end on
a 1280 x 720 H.264 copy of the clip, decoding included (in the source's reader thread, as a deployment
runs), against real time at 25 fps; the naive approach is timed on every 5th frame of that copy.

Reported: frames per second (higher is better) and per-identity recall (the fraction of the people in
the clip who were found). The last line is JSON.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import cv2
import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
FACES = PROJECT_ROOT.parent / "shared" / "data" / "faces" / "examples"
CLIP = FACES / "short_hamilton_clip.mp4"
PEOPLE = {"lin_manuel_miranda": "lin-manuel-miranda.png", "alex_lacamoire": "alex-lacamoire.png"}
PEER_TOLERANCE = 0.50
OUR_THRESHOLD = 0.6
START_OFFSETS = (0, 3, 6, 9, 12)
HD = (1280, 720)


def decode(path: Path, step: int = 1) -> list[np.ndarray]:
    """Every ``step``-th frame of the video, as RGB."""
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for i, f in enumerate(container.decode(video=0)) if i % step == 0]


def write_hd_copy(frames: list[np.ndarray], path: Path) -> None:
    """The clip upscaled to 1280 x 720, as H.264 at 29.97 fps (what a 720p camera would send)."""
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(30000, 1001))
        stream.width, stream.height, stream.pix_fmt = HD[0], HD[1], "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast"}
        for image in frames:
            hd = np.asarray(cv2.resize(image, HD, interpolation=cv2.INTER_LINEAR), dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(hd, format="rgb24")))
        container.mux(stream.encode(None))


def peer_per_frame(
    frames: list[np.ndarray], peer: Any, known: np.ndarray, scale: float = 1.0
) -> tuple[float, set[str]]:
    """The peer's example loop: detect and encode every face of every given frame (optionally resized)."""
    names = list(PEOPLE)
    found: set[str] = set()
    start = time.perf_counter()
    for frame in frames:
        if scale != 1.0:
            frame = np.ascontiguousarray(cv2.resize(frame, (0, 0), fx=scale, fy=scale))
        for encoding in peer.face_encodings(frame, peer.face_locations(frame)):
            matches = peer.compare_faces(list(known), encoding, tolerance=PEER_TOLERANCE)
            if True in matches:
                found.add(names[matches.index(True)])
    return len(frames) / (time.perf_counter() - start), found


class Ours:
    """Watchkeeper's pipeline with its defaults, the networks loaded once."""

    def __init__(self) -> None:
        from watchkeeper.face import VIDEO_OPTIONS, FaceEngine
        from watchkeeper.matching import LabelledIndex

        self.engine = FaceEngine(VIDEO_OPTIONS)
        references = [self.engine.analyse_file(FACES / f).single_face().require_descriptor() for f in PEOPLE.values()]
        self.watchlist = LabelledIndex.of(
            np.arange(len(PEOPLE), dtype=np.int64), np.stack(references), dict(enumerate(PEOPLE))
        )

    def run(self, frames: Iterable[Any]) -> tuple[float, set[str]]:
        from watchkeeper.live.pipeline import LivePipeline

        pipeline = LivePipeline(self.engine, self.watchlist, OUR_THRESHOLD)
        found: set[str] = set()
        start = time.perf_counter()
        for frame in frames:
            found.update(self.watchlist.labels[m.entry_id] for m in pipeline.process(frame))
        found.update(self.watchlist.labels[m.entry_id] for m in pipeline.finish())
        return pipeline.frames_seen / (time.perf_counter() - start), found

    @staticmethod
    def frames(images: list[np.ndarray]) -> Iterable[Any]:
        from watchkeeper.video.frames import Frame

        for index, image in enumerate(images):
            yield Frame(image, "clip", index, index / 29.97, datetime.now(UTC))


def main() -> int:
    try:
        import face_recognition as peer
    except ImportError:
        print("The peer package is not installed; run `make bench` (it installs face_recognition --no-deps).")
        return 2
    from watchkeeper.video.sources import VideoSource

    clip = decode(CLIP)
    known = np.stack([peer.face_encodings(peer.load_image_file(str(FACES / f)))[0] for f in PEOPLE.values()])
    ours = Ours()
    ours.run(Ours.frames(clip[:30]))  # load the networks before timing
    runs = [ours.run(Ours.frames(clip[offset:])) for offset in START_OFFSETS]
    ours_fps = float(np.mean([fps for fps, _ in runs]))
    ours_recall = min(len(found) for _, found in runs) / len(PEOPLE)
    naive_fps, naive_found = peer_per_frame(clip, peer, known)
    faster_fps, faster_found = peer_per_frame(clip[::2], peer, known, scale=0.25)
    with tempfile.TemporaryDirectory() as folder:
        hd_path = Path(folder) / "clip-720p.mp4"
        write_hd_copy(clip, hd_path)
        with VideoSource(hd_path) as source:
            hd_fps, hd_found = ours.run(source.frames())
        naive_hd_fps, _ = peer_per_frame(decode(hd_path, step=5), peer, known)
    rows = [
        ("naive: peer's facerec_from_video_file, 640x360", naive_fps, naive_found),
        ("peer's facerec_from_webcam_faster (1/4 size, 1/2 frames)", faster_fps * 2, faster_found),
        (f"Watchkeeper, 640x360 (mean of {len(START_OFFSETS)} starts)", ours_fps, runs[0][1]),
        ("Watchkeeper, 1280x720 H.264, decoding included", hd_fps, hd_found),
        ("naive at 1280x720 (every 5th frame timed)", naive_hd_fps, None),
    ]
    print(f"{'approach':58} {'fps':>8}  found")
    for label, fps, found in rows:
        print(f"{label:58} {fps:8.2f}  {sorted(found) if found is not None else ''}")
    print(f"Watchkeeper's recall from each start: {[sorted(found) for _, found in runs]}")
    summary = {
        "fps": round(ours_fps, 2),
        "fps_720p": round(hd_fps, 2),
        "naive_fps": round(naive_fps, 2),
        "naive_fps_720p": round(naive_hd_fps, 2),
        "live_speedup": round(ours_fps / naive_fps, 2),
        "live_speedup_720p": round(hd_fps / naive_hd_fps, 2),
        "recall": ours_recall,
        "recall_720p": len(hd_found) / len(PEOPLE),
        "naive_recall": len(naive_found) / len(PEOPLE),
        "webcam_faster_fps": round(faster_fps * 2, 2),
        "webcam_faster_recall": len(faster_found) / len(PEOPLE),
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
