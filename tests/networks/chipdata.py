"""Helpers shared by the network tests: the shared data's still images and chips made up for shape tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from watchkeeper.evaluation.labelled import read_labels
from watchkeeper.types import RGBImage

STILL_SUFFIXES = {".jpg", ".jpeg", ".png"}


@dataclass(frozen=True)
class Chips:
    """Aligned chips of every face found, with the image each came from."""

    sources: list[str]
    chips: list[RGBImage]


def still_images(root: Path) -> list[Path]:
    """Every still image listed in labels.csv plus everything under dlib/examples/ (videos are left out)."""
    listed = [labelled.path for labelled in read_labels(root)]
    extra = sorted((root / "dlib" / "examples").rglob("*"))
    images = [path for path in [*listed, *extra] if path.suffix.lower() in STILL_SUFFIXES and path.is_file()]
    return list(dict.fromkeys(images))


def some_chips(count: int, seed: int = 0) -> list[RGBImage]:
    """Deterministic random chips, for tests about batching and shapes rather than faces."""
    generator = np.random.default_rng(seed)
    return [generator.integers(0, 256, size=(150, 150, 3), dtype=np.uint8) for _ in range(count)]
