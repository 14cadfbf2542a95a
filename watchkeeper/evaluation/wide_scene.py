"""A CCTV-like wide scene made from a close-up clip: the clip shrunk until its faces are as wide as a static
camera over a concourse sees them (24-60 px), drifting slowly over a still background in a 1920 x 1080 H.264
video. Shared by the live tests and ``benchmarks/live_wide.py``, so both measure the same thing.

Everything random (the background's texture, where the clip starts and which way it drifts) comes from one
seed, so a scene is rebuilt identically. The clip is scaled by its own median face width (measured with the
engine on every tenth frame), so "faces 24 px wide" means the clip's typical face, with its closer and
farther shots around it, as a real camera sees people nearer and farther away.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from watchkeeper.face import FaceEngine
from watchkeeper.types import ImageSize, RGBImage
from watchkeeper.video.sources import VideoSource

SCENE_SIZE = ImageSize(1920, 1080)
SCENE_RATE = 25
DRIFT_PER_FRAME = 1
"""Pixels the shrunk clip moves right each frame (25 px a second), as people cross a camera's view; a still
picture would leave the pipeline's motion search nothing to find after the first frame."""
DRIFT_ROOM = 300
"""Room left on the right for the drift; the clip stops at the scene's edge if it is longer."""
MEASURED_EVERY = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class WideScene:
    """A scene written to ``path``: the clip at ``scale``, its median face ``face_width`` px wide."""

    path: Path
    face_width: int
    scale: float
    frames: int
    start: tuple[int, int]
    """Top-left corner of the shrunk clip on the first frame; it drifts right from there."""


def median_face_width(engine: FaceEngine, clip: Path) -> float:
    """The median width of the faces ``engine`` finds in every :data:`MEASURED_EVERY`-th frame of ``clip``."""
    widths: list[int] = []
    with VideoSource(clip) as source:
        for frame in source.frames():
            if frame.index % MEASURED_EVERY == 0:
                widths += [d.box.width for d in engine.detect(frame.image, max(frame.image.shape[:2]))]
    if not widths:
        raise ValueError(f"{clip}: no face found to scale the scene by")
    return float(np.median(widths))


def still_background(seed: int) -> RGBImage:
    """A textured, unchanging floor-and-wall picture: smooth noise with a few darker panels."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(60, 190, (SCENE_SIZE.height // 40, SCENE_SIZE.width // 40, 3)).astype(np.float32)
    texture = np.asarray(
        cv2.resize(coarse, (SCENE_SIZE.width, SCENE_SIZE.height), interpolation=cv2.INTER_CUBIC), np.float32
    )
    texture += rng.normal(0.0, 6.0, texture.shape).astype(np.float32)
    for _ in range(6):
        left, top = int(rng.integers(0, SCENE_SIZE.width - 300)), int(rng.integers(0, SCENE_SIZE.height - 200))
        texture[top : top + 200, left : left + 300] *= 0.6
    return np.ascontiguousarray(np.clip(texture, 0, 255).astype(np.uint8))


def write_wide_scene(
    clip: Path, output: Path, *, face_width: int, clip_face_width: float, seed: int, frames: int | None = None
) -> WideScene:
    """Write the scene for ``face_width`` to ``output`` (H.264, 25 fps); ``frames`` cuts the clip short."""
    background = still_background(seed)
    scale = face_width / clip_face_width
    rng = np.random.default_rng(seed + face_width)
    written = 0
    with VideoSource(clip) as source, av.open(str(output), mode="w") as container:
        stream = container.add_stream("libx264", rate=Fraction(SCENE_RATE))
        stream.width, stream.height, stream.pix_fmt = SCENE_SIZE.width, SCENE_SIZE.height, "yuv420p"
        stream.options = {"crf": "20", "preset": "veryfast"}
        start: tuple[int, int] | None = None
        for frame in source.frames():
            if frames is not None and written >= frames:
                break
            height, width = frame.image.shape[:2]
            small = cv2.resize(frame.image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
            if start is None:
                room_x = SCENE_SIZE.width - small.shape[1] - DRIFT_ROOM
                room_y = SCENE_SIZE.height - small.shape[0]
                start = (int(rng.integers(0, max(1, room_x))), int(rng.integers(0, max(1, room_y))))
            left = min(start[0] + DRIFT_PER_FRAME * written, SCENE_SIZE.width - small.shape[1])
            picture = background.copy()
            picture[start[1] : start[1] + small.shape[0], left : left + small.shape[1]] = small
            container.mux(stream.encode(av.VideoFrame.from_ndarray(picture, format="rgb24")))
            written += 1
        container.mux(stream.encode(None))
    assert start is not None, f"{clip} has no frames"
    return WideScene(path=output, face_width=face_width, scale=scale, frames=written, start=start)
