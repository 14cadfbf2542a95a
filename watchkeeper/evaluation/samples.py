"""The engine run over a labelled set: one described face per single-person photo, or a recorded failure.

Each sample keeps the descriptor of the aligned chip and of its mirror image (computed in one batch), so
an evaluation can compare matching with and without flip augmentation on identical detections, and the
face's quality measures, for quality gating. A photo in which the engine finds no face, or more than one,
is a *failure to acquire* (NIST's term): it is counted and reported, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from watchkeeper.errors import InputError
from watchkeeper.evaluation.labelled import LabelledFile
from watchkeeper.face import FaceEngine, FaceQuality
from watchkeeper.face.descriptors import (
    DESCRIPTOR_SIZE,
    DescriptorBackend,
    MirrorAveragedBackend,
    mirror_average,
    mirrored,
)
from watchkeeper.types import Descriptors
from watchkeeper.video.tracking import shot_quality


@dataclass(frozen=True, slots=True, eq=False)
class Sample:
    """One acquired face of a labelled photo."""

    source: str
    identity: str
    group: str | None
    descriptor: Descriptors
    mirrored_descriptor: Descriptors
    quality: FaceQuality
    detection_score: float

    @property
    def shot_quality(self) -> float:
        """The live pipeline's one-number quality (:func:`watchkeeper.video.tracking.shot_quality`)."""
        q = self.quality
        return shot_quality(q.inter_ocular_px, q.sharpness, q.frontalness, self.detection_score)


@dataclass(frozen=True, slots=True)
class AcquisitionFailure:
    """A labelled photo that gave no usable face, and why."""

    source: str
    identity: str
    reason: str


@dataclass(frozen=True, slots=True, eq=False)
class SampleSet:
    """The acquired samples and the failures of one labelled set."""

    samples: tuple[Sample, ...]
    failures: tuple[AcquisitionFailure, ...]

    @property
    def identities(self) -> list[str]:
        return [s.identity for s in self.samples]

    def descriptors(self, mirror_averaged: bool = False) -> Descriptors:
        """``(n, 128)`` descriptors, the mean with the mirror image's when ``mirror_averaged``."""
        if not self.samples:
            return np.empty((0, DESCRIPTOR_SIZE), dtype=np.float32)
        plain = np.stack([s.descriptor for s in self.samples])
        if not mirror_averaged:
            return plain
        return mirror_average(plain, np.stack([s.mirrored_descriptor for s in self.samples]))

    def where(self, keep: Callable[[Sample], bool]) -> SampleSet:
        """The samples ``keep`` accepts (failures unchanged)."""
        return SampleSet(tuple(s for s in self.samples if keep(s)), self.failures)


def describe(
    engine: FaceEngine, files: Sequence[LabelledFile], progress: Callable[[LabelledFile], None] | None = None
) -> SampleSet:
    """Samples of the single-person photos among ``files`` (others are left out), through ``engine``.

    The engine's detector and settings are used as configured; descriptors come from its backend without
    mirror averaging (both variants are computed here). Unreadable images and photos with no face or
    several faces become failures; errors of Watchkeeper itself (model files) propagate.
    """
    backend = _plain_backend(engine.descriptor_backend)
    samples: list[Sample] = []
    failures: list[AcquisitionFailure] = []
    for labelled in files:
        if progress is not None:
            progress(labelled)
        if not labelled.is_single_person:
            continue
        try:
            faces = engine.analyse(engine.load(labelled.path)).faces
        except InputError as error:
            failures.append(AcquisitionFailure(str(labelled.path), labelled.identity, error.reason))
            continue
        if len(faces) != 1:
            reason = "no face found" if not faces else f"{len(faces)} faces found in a single-person photo"
            failures.append(AcquisitionFailure(str(labelled.path), labelled.identity, reason))
            continue
        face = faces[0]
        plain, flipped = backend.compute([face.chip, mirrored(face.chip)])
        samples.append(
            Sample(
                str(labelled.path),
                labelled.identity,
                labelled.group,
                plain,
                flipped,
                face.quality,
                face.detection.score,
            )
        )
    return SampleSet(tuple(samples), tuple(failures))


def _plain_backend(backend: DescriptorBackend) -> DescriptorBackend:
    return backend.inner if isinstance(backend, MirrorAveragedBackend) else backend
