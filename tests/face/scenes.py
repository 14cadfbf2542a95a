"""dlib's annotated scenes in the shared data: the images dlib's detector example trains and tests on."""

from __future__ import annotations

from pathlib import Path

from watchkeeper.evaluation.annotated import AnnotatedImage, read_imglab


def dlib_scenes(faces_dir: Path) -> list[AnnotatedImage]:
    folder = faces_dir / "dlib/examples/faces"
    return read_imglab(folder / "training.xml") + read_imglab(folder / "testing.xml")
