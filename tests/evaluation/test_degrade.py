"""The degraded copy of the shared labelled photos: reproducible by seed, faces at the asked width, CenterFace
finding them at 28 px, bad input refused with nothing written, and the clean-versus-degraded report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from watchkeeper.config import Settings
from watchkeeper.errors import InputError, InvalidArgumentError
from watchkeeper.evaluation.degrade import (
    MANIFEST_FILE,
    Degradation,
    DegradedCopies,
    compare_clean_and_degraded,
    degrade_image,
    engine_describer,
    write_degraded_copies,
)
from watchkeeper.evaluation.labelled import LabelledFile, distinct, read_labelled_set, read_labels
from watchkeeper.face import DetectorKind, EngineOptions, FaceEngine

FEW = ("examples/alex-lacamoire.png", "examples/obama_small.jpg", "examples/two_people.jpg")
EDGE_CHILD = "obama_and_biden.jpg"
"""Its third face, a child's, is cut by the image's edge and 0.83 the width of the two adults' faces the copy
is scaled by: 23 px in the 28 px copy, too little of a face for any detector here."""


@pytest.fixture(scope="module")
def shared_files(faces_dir: Path) -> list[LabelledFile]:
    return distinct(read_labels(faces_dir))


@pytest.fixture(scope="module")
def copies(
    shared_files: list[LabelledFile], engine: FaceEngine, tmp_path_factory: pytest.TempPathFactory
) -> DegradedCopies:
    return write_degraded_copies(shared_files, tmp_path_factory.mktemp("degraded") / "copy", engine, Degradation())


@pytest.fixture(scope="module")
def centerface_engine(settings: Settings) -> FaceEngine:
    return FaceEngine(EngineOptions(detector=DetectorKind.CENTERFACE, compute_descriptors=False), settings)


def few(shared_files: list[LabelledFile]) -> list[LabelledFile]:
    return [f for f in shared_files if f.path.as_posix().endswith(FEW)]


def test_every_still_is_copied_at_every_width(copies: DegradedCopies, shared_files: list[LabelledFile]) -> None:
    stills = [f for f in shared_files if f.path.suffix != ".mp4"]
    assert [s.face_width for s in copies.sets] == [60, 40, 28]
    assert copies.skipped == ()
    for degraded in copies.sets:
        assert len(degraded.images) == len(stills)
        labels = read_labelled_set(degraded.folder)
        assert [f.identity for f in labels] == [f.identity for f in stills]
        assert all(f.path.is_file() and f.path.suffix == ".jpg" for f in labels)
        assert (degraded.folder.stat().st_mode & 0o777) == 0o700


def test_draws_lie_within_the_ranges(copies: DegradedCopies) -> None:
    draws = [image.draws for degraded in copies.sets for image in degraded.images]
    assert all(abs(d.rotation_degrees) <= 15 for d in draws)
    assert all(0.3 <= d.blur_radius <= 1.0 for d in draws)
    assert all(0.5 <= d.darkening <= 0.9 for d in draws)
    assert all(20 <= d.jpeg_quality <= 40 for d in draws)
    assert len({d.jpeg_quality for d in draws}) > 5  # drawn, not fixed
    manifest = json.loads((copies.sets[0].folder.parent / MANIFEST_FILE).read_text())
    assert manifest["degradation"]["seed"] == 0
    assert len(manifest["sets"]) == 3


def test_faces_come_out_about_the_asked_width(copies: DegradedCopies, centerface_engine: FaceEngine) -> None:
    for degraded in copies.sets:
        widths = [
            d.box.width
            for f in read_labelled_set(degraded.folder)
            if f.is_single_person
            for d in centerface_engine.detect(centerface_engine.load(f.path).pixels)
        ]
        assert abs(float(np.median(widths)) - degraded.face_width) <= 0.15 * degraded.face_width


def test_centerface_finds_the_faces_at_28_px(copies: DegradedCopies, centerface_engine: FaceEngine) -> None:
    (smallest,) = [s for s in copies.sets if s.face_width == 28]
    labels = read_labelled_set(smallest.folder)
    found = {str(f.path): len(centerface_engine.detect(centerface_engine.load(f.path).pixels)) for f in labels}
    expected = {str(f.path): f.expected_faces for f in labels}
    (edge,) = [name for name in found if name.endswith(EDGE_CHILD)]
    assert found.pop(edge) == 2
    expected.pop(edge)
    assert len(found) == 25
    assert found == expected


def test_the_same_seed_gives_the_same_bytes_and_another_seed_others(
    shared_files: list[LabelledFile], engine: FaceEngine, tmp_path: Path
) -> None:
    def copy_bytes(name: str, seed: int) -> list[bytes]:
        made = write_degraded_copies(
            few(shared_files), tmp_path / name, engine, Degradation(face_widths=(40,), seed=seed)
        )
        return [(made.sets[0].folder / image.file).read_bytes() for image in made.sets[0].images]

    first = copy_bytes("a", 7)
    assert len(first) == len(FEW)
    assert copy_bytes("b", 7) == first
    other = copy_bytes("c", 8)
    assert all(x != y for x, y in zip(first, other, strict=True))


def test_an_image_draws_the_same_whatever_else_is_in_the_set(
    shared_files: list[LabelledFile], engine: FaceEngine, tmp_path: Path
) -> None:
    one = [f for f in few(shared_files) if f.path.name == "obama_small.jpg"]
    alone = write_degraded_copies(one, tmp_path / "alone", engine, Degradation(face_widths=(40,)))
    together = write_degraded_copies(few(shared_files), tmp_path / "together", engine, Degradation(face_widths=(40,)))
    (drawn,) = alone.sets[0].images
    assert drawn.draws in [image.draws for image in together.sets[0].images]


def test_a_used_output_folder_is_refused_and_left_alone(
    shared_files: list[LabelledFile], engine: FaceEngine, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not an empty folder"):
        write_degraded_copies(few(shared_files), tmp_path, engine, Degradation())
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_set_without_a_face_writes_nothing(faces_dir: Path, engine: FaceEngine, tmp_path: Path) -> None:
    dogs = LabelledFile(faces_dir / "dlib/examples/faces/dogs.jpg", "dogs", 1, "0" * 16)
    with pytest.raises(InputError, match="nothing to degrade"):
        write_degraded_copies([dogs], tmp_path / "out", engine, Degradation())
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"face_widths": ()}, "face widths"),
        ({"face_widths": (4,)}, "at least 8 px"),
        ({"face_widths": (28, 28)}, "distinct"),
        ({"blur_radius": (1.0, 0.3)}, "blur radius"),
        ({"darkening": (0.0, 0.5)}, "darkening"),
        ({"jpeg_quality": (20, 101)}, "JPEG quality"),
        ({"max_rotation_degrees": -1.0}, "rotation"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_ranges_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        Degradation(**changes)  # type: ignore[arg-type]


def test_an_image_never_grows() -> None:
    pixels = np.full((50, 40, 3), 200, dtype=np.uint8)
    draws, data = degrade_image(pixels, 20.0, 60, Degradation(max_rotation_degrees=0.0), np.random.default_rng(0))
    assert draws.scale == 1.0
    assert data[:2] == b"\xff\xd8"


def test_clean_and_degraded_verification(
    copies: DegradedCopies, shared_files: list[LabelledFile], engine: FaceEngine
) -> None:
    widest = copies.sets[0]
    report = compare_clean_and_degraded(
        engine_describer(engine), shared_files, [(widest.face_width, read_labelled_set(widest.folder))]
    )
    assert report.clean.faces_detected == report.clean.faces_labelled == 30
    assert report.clean.true_accept_rate_at_far_0_01 == 1.0
    (degraded,) = report.degraded
    figures = degraded.figures
    assert degraded.face_width == 60
    # Each degraded face meets every clean photo but its own source: more pairs than the clean set's own.
    assert figures.impostor_pairs > report.clean.impostor_pairs
    assert figures.genuine_pairs > report.clean.genuine_pairs
    assert figures.true_accept_rate_at_threshold is not None
    assert 0.5 < figures.true_accept_rate_at_threshold < 1.0
