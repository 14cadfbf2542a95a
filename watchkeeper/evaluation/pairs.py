"""Verification over every pair of labelled faces: how many same/different verdicts are wrong.

Each distinct pair of descriptors is judged once at a threshold; pairs of the same identity judged
"different" are false non-matches, pairs of different identities judged "same" are false matches.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
from numpy.typing import NDArray

from watchkeeper.face.compare import DEFAULT_MATCH_THRESHOLD


@dataclass(frozen=True, slots=True)
class PairVerdicts:
    """Counts of pair verdicts at one threshold, and the rates derived from them."""

    threshold: float
    same_identity_pairs: int
    different_identity_pairs: int
    false_non_matches: int
    false_matches: int
    largest_same_identity_distance: float
    """How far apart the least alike photos of one person are (NaN with no such pair)."""
    smallest_different_identity_distance: float
    """How close the most alike photos of two people are (NaN with no such pair); the gap between these two
    distances is the room the threshold has."""

    @property
    def pairs(self) -> int:
        return self.same_identity_pairs + self.different_identity_pairs

    @property
    def errors(self) -> int:
        return self.false_non_matches + self.false_matches

    @property
    def error_rate(self) -> float:
        """Wrong verdicts over all pairs (0 when there are no pairs)."""
        return self.errors / self.pairs if self.pairs else 0.0

    @property
    def false_non_match_rate(self) -> float:
        return self.false_non_matches / self.same_identity_pairs if self.same_identity_pairs else 0.0

    @property
    def false_match_rate(self) -> float:
        return self.false_matches / self.different_identity_pairs if self.different_identity_pairs else 0.0


def judge_all_pairs(
    identities: Sequence[str], descriptors: NDArray[np.float32], threshold: float = DEFAULT_MATCH_THRESHOLD
) -> PairVerdicts:
    """Verdict counts over all unordered pairs of rows of ``descriptors`` (n, 128), labelled by ``identities``."""
    if len(identities) != len(descriptors):
        raise ValueError(f"{len(identities)} identities for {len(descriptors)} descriptors")
    vectors = np.asarray(descriptors, dtype=np.float64)
    same_distances: list[float] = []
    different_distances: list[float] = []
    for i, j in combinations(range(len(identities)), 2):
        distance = float(np.linalg.norm(vectors[i] - vectors[j]))
        (same_distances if identities[i] == identities[j] else different_distances).append(distance)
    return PairVerdicts(
        threshold=threshold,
        same_identity_pairs=len(same_distances),
        different_identity_pairs=len(different_distances),
        false_non_matches=sum(d > threshold for d in same_distances),
        false_matches=sum(d <= threshold for d in different_distances),
        largest_same_identity_distance=max(same_distances, default=math.nan),
        smallest_different_identity_distance=min(different_distances, default=math.nan),
    )
