"""Finding the parts of a picture that changed: a person walking over a still background, and nothing else."""

from __future__ import annotations

import numpy as np

from watchkeeper.types import BoundingBox
from watchkeeper.video.motion import MIN_REGION_PX, MotionFinder, merged_regions


def scene(square_left: int, noise_seed: int) -> np.ndarray:
    """A 1920 x 1080 grey-gradient background with H.264-like flicker, and a 40 px bright square."""
    rng = np.random.default_rng(noise_seed)
    background = np.tile(np.linspace(40, 200, 1920, dtype=np.float32), (1080, 1))
    picture = background + rng.normal(0.0, 2.0, background.shape)
    picture[500:540, square_left : square_left + 40] = 250.0
    return np.repeat(np.clip(picture, 0, 255).astype(np.uint8)[:, :, None], 3, axis=2)


def test_the_first_frame_has_nothing_to_compare_with() -> None:
    assert MotionFinder().changed_regions(scene(100, 0)) is None


def test_a_still_picture_with_flicker_has_no_changed_part() -> None:
    finder = MotionFinder()
    finder.changed_regions(scene(100, 0))
    assert finder.changed_regions(scene(100, 1)) == []


def test_a_moving_square_is_boxed_with_a_margin_where_it_was_and_is() -> None:
    finder = MotionFinder()
    finder.changed_regions(scene(100, 0))
    (region,) = finder.changed_regions(scene(160, 1)) or []
    assert region.contains(BoundingBox(100, 500, 200, 540))  # both places, the old and the new
    assert region.width < 400
    assert region.height >= MIN_REGION_PX


def test_a_new_frame_size_starts_over() -> None:
    finder = MotionFinder()
    finder.changed_regions(scene(100, 0))
    assert finder.changed_regions(np.ascontiguousarray(scene(100, 0)[:, :960])) is None


def test_overlapping_regions_are_merged_until_none_overlap() -> None:
    chain = [BoundingBox(0, 0, 10, 10), BoundingBox(20, 0, 30, 10), BoundingBox(5, 0, 25, 10)]
    assert merged_regions(chain) == [BoundingBox(0, 0, 30, 10)]
    apart = [BoundingBox(0, 0, 10, 10), BoundingBox(50, 50, 60, 60)]
    assert merged_regions(apart) == apart
