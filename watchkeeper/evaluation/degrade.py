"""A labelled set degraded the way CCTV degrades a face, and verification on it against the clean set.

Close-up portraits say little about a static camera over a concourse, where a face is 20-60 px wide,
blurred, tilted, dark and heavily compressed. This module writes a copy of a labelled set at each of a few
face widths (the detector's box width, measured on the clean image), each image scaled so its faces are
that wide, then rotated, blurred, darkened and JPEG-compressed by amounts drawn from the given ranges.

Every draw comes from a generator seeded by the seed, the face width and the image's content hash, so the
same seed gives byte-identical copies, and adding an image to the set leaves the others' draws unchanged.

Verification is then reported as a watchlist meets a camera: each degraded face is compared with every
clean photo except its own source (the clean-versus-degraded pairs), beside the clean set's own pairs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from watchkeeper.errors import InputError, InvalidArgumentError
from watchkeeper.evaluation.evaluate import CountedRate, counted
from watchkeeper.evaluation.labelled import IMAGE_SUFFIXES, LABELS_FILE, LabelledFile
from watchkeeper.evaluation.metrics import operating_point
from watchkeeper.evaluation.pairs import every_pair, listed_pair_scores
from watchkeeper.face import DEFAULT_MATCH_THRESHOLD, FaceEngine
from watchkeeper.private_files import private_directories, private_file
from watchkeeper.types import Descriptors, RGBImage

DEFAULT_FACE_WIDTHS = (60, 40, 28)
"""Face widths in pixels: a static camera's near, middle and far faces."""
MANIFEST_FILE = "degradation.json"
"""Written beside the copies: the ranges, the seed, and what was done to each image."""
FALSE_ACCEPT_TARGET = 0.01
"""The false accept rate at which the true accept rate is read off the curve."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Degradation:
    """The ranges each image's degradation is drawn from (uniformly), and the seed of the draws."""

    face_widths: tuple[int, ...] = DEFAULT_FACE_WIDTHS
    blur_radius: tuple[float, float] = (0.3, 1.0)
    """Standard deviation in pixels of the Gaussian blur, applied at the face width."""
    max_rotation_degrees: float = 15.0
    darkening: tuple[float, float] = (0.5, 0.9)
    """Factor every pixel value is multiplied by."""
    jpeg_quality: tuple[int, int] = (20, 40)
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.face_widths or any(width < 8 for width in self.face_widths):
            raise InvalidArgumentError("face widths must be given and each at least 8 px")
        if len(set(self.face_widths)) != len(self.face_widths):
            raise InvalidArgumentError("face widths must be distinct")
        _check_range("blur radius", self.blur_radius, 0.0, 10.0)
        _check_range("darkening", self.darkening, 0.01, 1.0)
        _check_range("JPEG quality", self.jpeg_quality, 1, 100)
        if not 0.0 <= self.max_rotation_degrees <= 90.0:
            raise InvalidArgumentError(f"rotation must be within [0, 90] degrees, got {self.max_rotation_degrees:g}")
        if self.seed < 0:
            raise InvalidArgumentError(f"the seed must be 0 or more, got {self.seed}")


def _check_range(name: str, bounds: tuple[float, float], lowest: float, highest: float) -> None:
    low, high = bounds
    if not lowest <= low <= high <= highest:
        raise InvalidArgumentError(f"{name} range must satisfy {lowest:g} <= low <= high <= {highest:g}, got {bounds}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Draws:
    """What was done to one image, in order: rotated, scaled, blurred, darkened, compressed."""

    rotation_degrees: float
    scale: float
    blur_radius: float
    darkening: float
    jpeg_quality: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DegradedImage:
    """One image of a degraded copy and what was done to it."""

    source: str
    file: str
    """Path inside the copy's folder."""
    source_face_width: float
    """Median width of the faces the engine found in the clean image, in its pixels."""
    draws: Draws


@dataclass(frozen=True, slots=True)
class Skipped:
    """A labelled image left out of the copies, and why."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class DegradedSet:
    """The copy at one face width: its folder (holding its own ``labels.csv``) and its images."""

    face_width: int
    folder: Path
    images: tuple[DegradedImage, ...]


@dataclass(frozen=True, slots=True)
class DegradedCopies:
    sets: tuple[DegradedSet, ...]
    skipped: tuple[Skipped, ...]


def write_degraded_copies(
    files: Sequence[LabelledFile], output: Path, engine: FaceEngine, degradation: Degradation
) -> DegradedCopies:
    """A degraded copy of the still images among ``files`` per face width, in ``output/w<width>/``.

    ``output`` must not exist or be an empty folder: a copy is never mixed with an older one. Each image's
    face width is measured with ``engine`` on the clean image; an image that cannot be read, or in which the
    engine finds no face, is skipped and listed. Files are written owner-only (they are face images), with
    ``degradation.json`` recording the ranges, the seed and each image's draws.
    """
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise InputError(str(output), "already exists and is not an empty folder; choose a new output folder")
    stills = [f for f in files if _is_still(f)]
    root = _common_root([f.path for f in stills])
    measured: list[tuple[LabelledFile, RGBImage, float]] = []
    skipped: list[Skipped] = []
    for labelled in stills:
        try:
            pixels = engine.load(labelled.path).pixels
        except InputError as error:
            skipped.append(Skipped(str(labelled.path), error.reason))
            continue
        widths = [d.box.width for d in engine.detect(pixels)]
        if not widths:
            skipped.append(Skipped(str(labelled.path), "no face found in the clean image, so no face width"))
            continue
        measured.append((labelled, pixels, float(np.median(widths))))
    if not measured:
        raise InputError(str(root), "no image of the set shows a face the engine finds; nothing to degrade")
    private_directories(output)
    sets = tuple(
        _write_set(measured, root, output / f"w{width}", width, degradation) for width in degradation.face_widths
    )
    copies = DegradedCopies(sets, tuple(skipped))
    manifest = {"degradation": asdict(degradation), **asdict(copies)}
    private_file(output / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return copies


def _write_set(
    measured: Sequence[tuple[LabelledFile, RGBImage, float]],
    root: Path,
    folder: Path,
    face_width: int,
    degradation: Degradation,
) -> DegradedSet:
    private_directories(folder)
    images: list[DegradedImage] = []
    rows: list[dict[str, str]] = []
    for labelled, pixels, source_width in measured:
        generator = np.random.default_rng([degradation.seed, face_width, int(labelled.content_hash, 16)])
        draws, data = degrade_image(pixels, source_width, face_width, degradation, generator)
        relative = labelled.path.resolve().relative_to(root).with_suffix(".jpg").as_posix()
        target = folder / relative
        private_directories(target.parent)
        private_file(target).write_bytes(data)
        images.append(
            DegradedImage(
                source=str(labelled.path), file=relative, source_face_width=round(source_width, 1), draws=draws
            )
        )
        rows.append(
            {
                "file": relative,
                "identity": labelled.identity,
                "faces": "" if labelled.expected_faces is None else str(labelled.expected_faces),
                "sha256_16": hashlib.sha256(data).hexdigest()[:16],
                "group": labelled.group or "",
            }
        )
    with private_file(folder / LABELS_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["file", "identity", "faces", "sha256_16", "group"])
        writer.writeheader()
        writer.writerows(rows)
    return DegradedSet(face_width, folder, tuple(images))


def degrade_image(
    pixels: RGBImage,
    source_face_width: float,
    face_width: int,
    degradation: Degradation,
    generator: np.random.Generator,
) -> tuple[Draws, bytes]:
    """``pixels`` rotated, scaled so a face ``source_face_width`` wide becomes ``face_width`` (never enlarged),
    blurred, darkened and JPEG-compressed by amounts drawn from ``generator``: the draws and the JPEG bytes."""
    rotation = float(generator.uniform(-degradation.max_rotation_degrees, degradation.max_rotation_degrees))
    blur = float(generator.uniform(*degradation.blur_radius))
    darkening = float(generator.uniform(*degradation.darkening))
    quality = int(generator.integers(degradation.jpeg_quality[0], degradation.jpeg_quality[1], endpoint=True))
    scale = min(1.0, face_width / source_face_width)
    image = _rotated_whole(pixels, rotation)
    height, width = image.shape[:2]
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    blurred = cv2.GaussianBlur(small, (0, 0), sigmaX=blur) if blur > 0 else small
    image = np.clip(np.rint(blurred.astype(np.float32) * darkening), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=quality)
    draws = Draws(
        rotation_degrees=round(rotation, 3),
        scale=round(scale, 5),
        blur_radius=round(blur, 3),
        darkening=round(darkening, 3),
        jpeg_quality=quality,
    )
    return draws, buffer.getvalue()


def _rotated_whole(pixels: RGBImage, degrees: float) -> RGBImage:
    """``pixels`` turned by ``degrees`` about its centre on a canvas large enough to keep every corner (a face
    at the edge stays in the picture), the new corners black."""
    height, width = pixels.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    new_width, new_height = round(height * sin + width * cos), round(height * cos + width * sin)
    turn[0, 2] += new_width / 2 - width / 2
    turn[1, 2] += new_height / 2 - height / 2
    return np.asarray(cv2.warpAffine(pixels, turn, (new_width, new_height), flags=cv2.INTER_LINEAR), dtype=np.uint8)


def _common_root(paths: Sequence[Path]) -> Path:
    if not paths:
        raise InputError("labels", "no images to degrade")
    return Path(os.path.commonpath([p.resolve().parent for p in paths]))


def _is_still(labelled: LabelledFile) -> bool:
    return labelled.path.suffix.lower() in IMAGE_SUFFIXES


@dataclass(frozen=True, slots=True, kw_only=True)
class VerificationFigures:
    """Verification of one set of pairs, at the threshold and at a false accept rate of 0.01."""

    faces_labelled: int
    faces_detected: int
    """Per image at most as many as labelled."""
    detection_rate: float | None
    acquired: int
    """Single-person photos that gave exactly one face: the probes of the pairs."""
    genuine_pairs: int
    impostor_pairs: int
    true_accept_rate_at_far_0_01: float | None
    """None when the impostor pairs are too few (under 100) to place the threshold."""
    true_accept_rate_at_threshold: float | None
    false_accept_rate_at_threshold: float | None


@dataclass(frozen=True, slots=True)
class DegradedVerification:
    face_width: int
    figures: VerificationFigures


@dataclass(frozen=True, slots=True)
class DegradationReport:
    """The clean set's own verification, and each degraded copy's faces compared with the clean photos."""

    threshold: float
    clean: VerificationFigures
    degraded: tuple[DegradedVerification, ...]


@dataclass(frozen=True, slots=True, eq=False)
class DescribedSet:
    """What a pipeline made of a labelled set: faces labelled and found in its still images, and one
    descriptor per single-person photo in which it found exactly one face."""

    faces_labelled: int
    faces_detected: int
    """Per image at most as many as labelled."""
    sources: tuple[str, ...]
    identities: tuple[str, ...]
    descriptors: Descriptors


Describer = Callable[[Sequence[LabelledFile]], DescribedSet]
"""A face pipeline under test, as the comparison sees it: Watchkeeper's engine (:func:`engine_describer`)
or another package's."""


def engine_describer(engine: FaceEngine, progress: Callable[[LabelledFile], None] | None = None) -> Describer:
    """``engine`` as a :data:`Describer`: its detector, landmarks, alignment and descriptor backend."""

    def describe_files(files: Sequence[LabelledFile]) -> DescribedSet:
        labelled = detected = 0
        sources: list[str] = []
        identities: list[str] = []
        chips: list[RGBImage] = []
        for item in files:
            if progress is not None:
                progress(item)
            if item.expected_faces is None or not _is_still(item):
                continue
            labelled += item.expected_faces
            try:
                pixels = engine.load(item.path).pixels
            except InputError:
                continue
            faces = engine.faces(pixels, engine.detect(pixels))
            detected += min(len(faces), item.expected_faces)
            if item.is_single_person and len(faces) == 1:
                sources.append(str(item.path))
                identities.append(item.identity)
                chips.append(faces[0].chip)
        return DescribedSet(labelled, detected, tuple(sources), tuple(identities), engine.describe(chips))

    return describe_files


def compare_clean_and_degraded(
    describer: Describer,
    clean: Sequence[LabelledFile],
    copies: Sequence[tuple[int, Sequence[LabelledFile]]],
    threshold: float = DEFAULT_MATCH_THRESHOLD,
    clean_describer: Describer | None = None,
) -> DegradationReport:
    """Verification of the clean photos' pairs, and of each copy's (face width, files) faces against the
    clean photos of other sources, through ``describer`` (``clean_describer`` for the clean photos, when a
    pipeline treats enrolment photos and camera images differently)."""
    references = (clean_describer or describer)(clean)
    clean_figures = _figures(references, references, every_pair(len(references.sources)), threshold)
    degraded = []
    for face_width, files in copies:
        probes = describer(files)
        pairs = _cross_pairs(probes, references, _source_keys(files, clean))
        degraded.append(DegradedVerification(face_width, _figures(probes, references, pairs, threshold)))
    return DegradationReport(threshold, clean_figures, tuple(degraded))


def _source_keys(copy: Sequence[LabelledFile], clean: Sequence[LabelledFile]) -> dict[str, str]:
    """Each copy file's path -> the clean file it came from (they share the path inside their folders)."""
    clean_root = _common_root([f.path for f in clean])
    copy_root = _common_root([f.path for f in copy])
    by_stem = {f.path.resolve().relative_to(clean_root).with_suffix("").as_posix(): str(f.path) for f in clean}
    return {
        str(f.path): by_stem.get(f.path.resolve().relative_to(copy_root).with_suffix("").as_posix(), "") for f in copy
    }


def _cross_pairs(probes: DescribedSet, references: DescribedSet, source_of: dict[str, str]) -> list[tuple[int, int]]:
    """(probe index, number of probes + reference index) for every reference not the probe's own source."""
    offset = len(probes.sources)
    return [
        (i, offset + j)
        for i, probe in enumerate(probes.sources)
        for j, reference in enumerate(references.sources)
        if source_of.get(probe) != reference
    ]


def _figures(
    probes: DescribedSet, references: DescribedSet, pairs: list[tuple[int, int]], threshold: float
) -> VerificationFigures:
    if probes is references:
        identities, descriptors = list(probes.identities), probes.descriptors
    else:
        identities = [*probes.identities, *references.identities]
        descriptors = np.concatenate([probes.descriptors, references.descriptors])
    scores = listed_pair_scores(identities, descriptors, pairs)
    false_rejects, false_accepts = counted(scores, threshold)
    point = operating_point(scores, FALSE_ACCEPT_TARGET)
    labelled, detected = probes.faces_labelled, probes.faces_detected
    return VerificationFigures(
        faces_labelled=labelled,
        faces_detected=detected,
        detection_rate=round(detected / labelled, 4) if labelled else None,
        acquired=len(probes.sources),
        genuine_pairs=len(scores.positive),
        impostor_pairs=len(scores.negative),
        true_accept_rate_at_far_0_01=(
            None if point.false_negative_rate is None else round(1.0 - point.false_negative_rate, 4)
        ),
        true_accept_rate_at_threshold=_complement(false_rejects),
        false_accept_rate_at_threshold=None if false_accepts.rate is None else round(false_accepts.rate, 4),
    )


def _complement(rate: CountedRate) -> float | None:
    return None if rate.rate is None else round(1.0 - rate.rate, 4)
