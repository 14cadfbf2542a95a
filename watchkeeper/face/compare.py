"""Comparing descriptors: distance, a similarity score derived from it, and the same/different verdict.

The match threshold is defined here and only here; everything that decides "same person" reads
:data:`DEFAULT_MATCH_THRESHOLD` or a threshold configured from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray

from watchkeeper.face.descriptors import DESCRIPTOR_SIZE

DEFAULT_MATCH_THRESHOLD: Final = 0.6
"""Euclidean distance at or below which two descriptors are judged the same person.

dlib trained its ResNet so that same-person pairs fall below 0.6 (99.38% pair accuracy on LFW). Lowering it
flags fewer strangers as matches but misses more true ones; raising it does the reverse.
"""

SIMILARITY_ZERO_DISTANCE: Final = 2 * DEFAULT_MATCH_THRESHOLD
"""Distance at which similarity reaches 0; fixed, so scores mean the same whatever threshold is in use."""

MAX_MATCH_THRESHOLD: Final = SIMILARITY_ZERO_DISTANCE
"""The largest threshold a deployment or a search may set: at this distance similarity is already 0, so a
larger one would judge every face a match. Thresholds are within (0, ``MAX_MATCH_THRESHOLD``]."""


def face_distance(known: ArrayLike, probe: ArrayLike) -> NDArray[np.float64]:
    """Euclidean distance from ``probe`` (128,) to each row of ``known`` (n, 128).

    An empty ``known`` gives an empty result, not an error: a search of an empty gallery finds nothing.
    """
    known_array = np.asarray(known, dtype=np.float64)
    probe_array = np.asarray(probe, dtype=np.float64)
    if probe_array.shape != (DESCRIPTOR_SIZE,):
        raise ValueError(f"probe must have shape ({DESCRIPTOR_SIZE},), got {probe_array.shape}")
    if known_array.size == 0:
        return np.empty(0, dtype=np.float64)
    known_array = known_array.reshape(-1, DESCRIPTOR_SIZE) if known_array.ndim == 1 else known_array
    if known_array.ndim != 2 or known_array.shape[1] != DESCRIPTOR_SIZE:
        raise ValueError(f"known must have shape (n, {DESCRIPTOR_SIZE}), got {known_array.shape}")
    result: NDArray[np.float64] = np.linalg.norm(known_array - probe_array, axis=1)
    return result


def similarity_from_distance(distance: float) -> float:
    """Similarity in [0, 1]: ``max(0, 1 - distance / 1.2)``.

    1 is identical descriptors, 0.5 is exactly the default threshold (distance 0.6), 0 is distance 1.2 or
    more. It is a linear relabelling of distance for people and APIs that expect "higher is more alike",
    not a probability that two faces are the same person.
    """
    return max(0.0, 1.0 - distance / SIMILARITY_ZERO_DISTANCE)


def distance_from_similarity(similarity: float) -> float:
    """The distance threshold equivalent to a similarity threshold (inverse of the mapping above)."""
    if not 0.0 <= similarity <= 1.0:
        raise ValueError(f"similarity must be within [0, 1], got {similarity}")
    return (1.0 - similarity) * SIMILARITY_ZERO_DISTANCE


@dataclass(frozen=True, slots=True)
class Comparison:
    """The outcome of comparing two faces: a score for a person to weigh, not an identification."""

    distance: float
    similarity: float
    threshold: float
    same_person: bool


def compare_descriptors(first: ArrayLike, second: ArrayLike, threshold: float = DEFAULT_MATCH_THRESHOLD) -> Comparison:
    """Distance, similarity and verdict (``distance <= threshold``) for two descriptors."""
    if threshold < 0:
        raise ValueError(f"threshold must not be negative, got {threshold}")
    distance = float(face_distance(np.asarray(first).reshape(1, -1), second)[0])
    return Comparison(
        distance=distance,
        similarity=similarity_from_distance(distance),
        threshold=threshold,
        same_person=distance <= threshold,
    )
