"""Verification pairs: every pair of labelled faces, or the pairs an LFW-style pairs file lists.

Each distinct pair of descriptors is judged once at a threshold; pairs of the same identity judged
"different" are false non-matches, pairs of different identities judged "same" are false matches. The
distances themselves, split into same-identity (positive) and different-identity (negative) pairs, are
what :mod:`watchkeeper.evaluation.metrics` turns into curves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from watchkeeper.errors import InputError
from watchkeeper.evaluation.metrics import ScoreSet, score_set
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
    scores = all_pair_scores(identities, descriptors)
    return PairVerdicts(
        threshold=threshold,
        same_identity_pairs=len(scores.positive),
        different_identity_pairs=len(scores.negative),
        false_non_matches=int(np.count_nonzero(scores.positive > threshold)),
        false_matches=int(np.count_nonzero(scores.negative <= threshold)),
        largest_same_identity_distance=float(scores.positive.max()) if len(scores.positive) else math.nan,
        smallest_different_identity_distance=float(scores.negative.min()) if len(scores.negative) else math.nan,
    )


def all_pair_scores(
    identities: Sequence[str], descriptors: NDArray[np.float32], usable: NDArray[np.bool_] | None = None
) -> ScoreSet:
    """Distances of every unordered pair of rows of ``descriptors``: same identity positive, else negative."""
    if len(identities) != len(descriptors):
        raise ValueError(f"{len(identities)} identities for {len(descriptors)} descriptors")
    return listed_pair_scores(identities, descriptors, every_pair(len(identities)), usable)


def every_pair(count: int) -> list[tuple[int, int]]:
    """Every unordered pair of ``count`` rows, each once."""
    first, second = np.triu_indices(count, k=1)
    return list(zip(first.tolist(), second.tolist(), strict=True))


def listed_pair_scores(
    identities: Sequence[str],
    descriptors: NDArray[np.float32],
    pairs: Sequence[tuple[int, int]],
    usable: NDArray[np.bool_] | None = None,
) -> ScoreSet:
    """Distances of the given pairs of rows (a pairs file), split by whether the two identities agree.

    A pair with a row that is not ``usable`` (a probe refused by quality gating) gets an infinite distance:
    it can never match, so it counts as a false non-match when the two are the same person.
    """
    names = sorted(set(identities))
    number = {name: index for index, name in enumerate(names)}
    owner = np.array([number[name] for name in identities], dtype=np.int64)
    index = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    vectors = np.asarray(descriptors, dtype=np.float64)
    distances = np.linalg.norm(vectors[index[:, 0]] - vectors[index[:, 1]], axis=1)
    if usable is not None:
        distances[~(usable[index[:, 0]] & usable[index[:, 1]])] = np.inf
    same = owner[index[:, 0]] == owner[index[:, 1]]
    return score_set(distances[same], distances[~same], owner[index[same, 0]], owner[index[~same]], len(names))


@dataclass(frozen=True, slots=True)
class ListedPair:
    """One line of an LFW-style pairs file: two images by identity and 1-based image number."""

    first_identity: str
    first_number: int
    second_identity: str
    second_number: int


def read_pairs_file(path: Path) -> list[ListedPair]:
    """The pairs of an LFW ``pairs.txt``: ``name n1 n2`` (same person) or ``name1 n1 name2 n2`` per line,
    optionally after a header line of counts (``10 300``), tabs or spaces between fields."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise InputError(str(path), error.strerror or str(error)) from None
    except UnicodeDecodeError:
        raise InputError(str(path), "not a UTF-8 text file") from None
    pairs = []
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields or (number == 1 and all(f.isdigit() for f in fields)):
            continue
        if len(fields) == 3 and fields[1].isdigit() and fields[2].isdigit():
            pairs.append(ListedPair(fields[0], int(fields[1]), fields[0], int(fields[2])))
        elif len(fields) == 4 and fields[1].isdigit() and fields[3].isdigit():
            pairs.append(ListedPair(fields[0], int(fields[1]), fields[2], int(fields[3])))
        else:
            raise InputError(f"{path}:{number}", "expected 'name n1 n2' or 'name1 n1 name2 n2'")
    if not pairs:
        raise InputError(str(path), "no pairs listed")
    return pairs


def lfw_file_stem(identity: str, number: int) -> str:
    """The file name (without suffix) LFW gives image ``number`` of ``identity``: ``Name_0001``."""
    return f"{identity}_{number:04d}"
