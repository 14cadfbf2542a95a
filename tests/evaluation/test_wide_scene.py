"""The CCTV-like wide scene: reproducible from its seed, 1080p, the clip's faces at the width asked for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from watchkeeper.config import Settings
from watchkeeper.evaluation.wide_scene import (
    DRIFT_PER_FRAME,
    SCENE_SIZE,
    median_face_width,
    still_background,
    write_wide_scene,
)
from watchkeeper.face import DetectorKind, EngineOptions, FaceEngine
from watchkeeper.video.sources import VideoSource

CLIP = "examples/short_hamilton_clip.mp4"


@pytest.fixture(scope="module")
def centerface(settings: Settings) -> FaceEngine:
    return FaceEngine(EngineOptions(detector=DetectorKind.CENTERFACE, compute_descriptors=False), settings)


def test_the_background_is_the_seeds_own() -> None:
    first, again, other = still_background(7), still_background(7), still_background(8)
    assert first.shape == (SCENE_SIZE.height, SCENE_SIZE.width, 3)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.slow
def test_a_scene_shows_the_clips_faces_at_the_width_asked_for(
    faces_dir: Path, centerface: FaceEngine, tmp_path: Path
) -> None:
    clip_width = median_face_width(centerface, faces_dir / CLIP)
    assert 40 < clip_width < 200, "the interview's close-ups are far wider than CCTV faces"
    scene = write_wide_scene(
        faces_dir / CLIP, tmp_path / "scene.mp4", face_width=40, clip_face_width=clip_width, seed=3, frames=12
    )
    again = write_wide_scene(
        faces_dir / CLIP, tmp_path / "again.mp4", face_width=40, clip_face_width=clip_width, seed=3, frames=12
    )
    assert (scene.frames, scene.start, scene.scale) == (12, again.start, 40 / clip_width)

    with VideoSource(scene.path) as source:
        frames = list(source.frames())
    assert len(frames) == 12
    assert all(f.image.shape == (SCENE_SIZE.height, SCENE_SIZE.width, 3) for f in frames)
    with VideoSource(faces_dir / CLIP) as source:
        native = next(iter(source.frames())).image
    clip_width_px = native.shape[1]
    widest_native = max(d.box.width for d in centerface.detect(native, max(native.shape[:2])))
    widest_in_scene = max(d.box.width for d in centerface.detect(frames[0].image, SCENE_SIZE.width))
    assert widest_in_scene == pytest.approx(widest_native * scene.scale, rel=0.25), "faces shrink with the clip"

    bleed = 16  # H.264's blocks smear an edge over a few pixels
    span = (scene.start[0] - bleed, scene.start[0] + round(clip_width_px * scene.scale) + 11 * DRIFT_PER_FRAME + bleed)
    first, last = frames[0].image.astype(np.int16), frames[-1].image.astype(np.int16)
    changed = np.nonzero(np.abs(first - last).max(axis=(0, 2)) > 40)[0]
    assert changed.size, "the clip moves"
    assert span[0] <= changed.min(), "left of the clip the picture stays still"
    assert changed.max() <= span[1], "right of the clip the picture stays still"
