"""One evaluation of one engine configuration over a labelled set: verification, identification, subgroups.

Everything here works on :class:`~watchkeeper.evaluation.samples.SampleSet` descriptors, so the costly
part (detection and the network) runs once and every configuration of matching (mirror averaging,
enrolment fusion, quality gating, threshold) is scored on the same faces.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from watchkeeper.errors import InputError
from watchkeeper.evaluation.identification import Searches, search_all
from watchkeeper.evaluation.metrics import (
    DEFAULT_BOOTSTRAP_RESAMPLES,
    OperatingPoint,
    ScoreSet,
    bootstrap_interval,
    decidability,
    equal_error_rate,
    operating_point,
    separation_margin,
    wilson_interval,
)
from watchkeeper.evaluation.pairs import ListedPair, all_pair_scores, every_pair, lfw_file_stem, listed_pair_scores
from watchkeeper.evaluation.samples import SampleSet
from watchkeeper.face import DEFAULT_MATCH_THRESHOLD
from watchkeeper.matching.fusion import EnrolmentFusion
from watchkeeper.types import Interval

FMR_TARGETS = (1e-2, 1e-3, 1e-4)
"""False match rates at which verification reports FNMR (NIST FRTE 1:1's usual points)."""
FPIR_TARGETS = (1e-2, 1e-1)
"""False positive identification rates at which identification reports FNIR."""


@dataclass(frozen=True, slots=True)
class MatchingOptions:
    """How descriptors are compared, everything after the network.

    ``min_quality`` refuses probes whose shot quality (see
    :func:`watchkeeper.video.tracking.shot_quality`) is below it; a refused probe is scored as a miss, never
    as a match. ``pairs`` replaces "every pair" in verification by the pairs of an LFW-style file.
    """

    threshold: float = DEFAULT_MATCH_THRESHOLD
    mirror_averaged: bool = False
    fusion: EnrolmentFusion = EnrolmentFusion.NEAREST
    min_quality: float | None = None
    resamples: int = DEFAULT_BOOTSTRAP_RESAMPLES
    seed: int = 0
    pairs: tuple[ListedPair, ...] | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class CountedRate:
    """``errors`` of ``trials`` at one threshold, with its Wilson interval (None without trials)."""

    errors: int
    trials: int
    rate: float | None
    interval: Interval | None


@dataclass(frozen=True, slots=True)
class Verification:
    """1:1 verification over pairs: error counts at the threshold and figures read off the curve."""

    pairs_source: str
    """``"all_pairs"`` or ``"pairs_file"``."""
    genuine_pairs: int
    impostor_pairs: int
    unusable_listed_pairs: int
    false_non_match: CountedRate
    false_match: CountedRate
    operating_points: tuple[OperatingPoint, ...]
    equal_error_rate: float | None
    equal_error_rate_interval: Interval | None
    decidability: float | None
    decidability_interval: Interval | None
    separation_margin: float | None


@dataclass(frozen=True, slots=True)
class Identification:
    """Open-set 1:N identification from leave-out searches."""

    fusion: str
    gallery_identities: int
    mated_searches: int
    non_mated_searches: int
    rank_one: CountedRate
    """Mated searches whose mate was ranked first (``errors`` counts the hits here: it is a success rate)."""
    false_negative_identification: CountedRate
    false_positive_identification: CountedRate
    operating_points: tuple[OperatingPoint, ...]
    decidability: float | None
    separation_margin: float | None


@dataclass(frozen=True, slots=True)
class Subgroup:
    """Verification within one labelled group (both faces of every pair in the group), at the threshold."""

    group: str
    identities: int
    samples: int
    false_non_match: CountedRate
    false_match: CountedRate


@dataclass(frozen=True, slots=True, eq=False)
class Evaluation:
    """The result of :func:`evaluate`, with the scores it was computed from (for plots and calibration)."""

    options: MatchingOptions
    samples: int
    identities: int
    refused_probes: int
    verification: Verification
    identification: Identification
    subgroups: tuple[Subgroup, ...]
    verification_scores: ScoreSet
    identification_scores: ScoreSet


def evaluate(sample_set: SampleSet, options: MatchingOptions) -> Evaluation:
    """Verification, identification and subgroup figures of ``sample_set`` matched as ``options`` say."""
    identities = sample_set.identities
    if len(set(identities)) < 2:
        raise InputError("labelled set", "an evaluation needs faces of at least two identities")
    descriptors = sample_set.descriptors(options.mirror_averaged)
    usable = usable_probes(sample_set, options.min_quality)
    pairs, unusable = verification_pairs(sample_set, options.pairs)
    verification_scores = listed_pair_scores(identities, descriptors, pairs, usable)
    searches = search_all(identities, descriptors, options.fusion, usable)
    return Evaluation(
        options=options,
        samples=len(identities),
        identities=len(set(identities)),
        refused_probes=int(np.count_nonzero(~usable)),
        verification=_verification(verification_scores, options, unusable),
        identification=_identification(searches, options),
        subgroups=_subgroups(sample_set, descriptors, usable, options.threshold),
        verification_scores=verification_scores,
        identification_scores=searches.scores,
    )


def usable_probes(sample_set: SampleSet, min_quality: float | None) -> NDArray[np.bool_]:
    """Which samples pass the quality gate (all of them without one)."""
    if min_quality is None:
        return np.ones(len(sample_set.samples), dtype=bool)
    return np.array([s.shot_quality >= min_quality for s in sample_set.samples], dtype=bool)


def counted(scores: ScoreSet, threshold: float) -> tuple[CountedRate, CountedRate]:
    """False negatives among positives and false positives among negatives at ``threshold``."""
    return (
        _counted(int(np.count_nonzero(scores.positive > threshold)), len(scores.positive)),
        _counted(int(np.count_nonzero(scores.negative <= threshold)), len(scores.negative)),
    )


def _counted(errors: int, trials: int) -> CountedRate:
    return CountedRate(errors, trials, errors / trials if trials else None, wilson_interval(errors, trials))


def _verification(scores: ScoreSet, options: MatchingOptions, unusable: int) -> Verification:
    false_non_match, false_match = counted(scores, options.threshold)
    points = tuple(operating_point(scores, target, options.resamples, options.seed) for target in FMR_TARGETS)
    has_both = len(scores.positive) > 0 and len(scores.negative) > 0
    resampled = has_both and options.resamples > 0
    return Verification(
        pairs_source="all_pairs" if options.pairs is None else "pairs_file",
        genuine_pairs=len(scores.positive),
        impostor_pairs=len(scores.negative),
        unusable_listed_pairs=unusable,
        false_non_match=false_non_match,
        false_match=false_match,
        operating_points=points,
        equal_error_rate=equal_error_rate(scores) if has_both else None,
        equal_error_rate_interval=(
            bootstrap_interval(scores, lambda w: equal_error_rate(scores, w), options.resamples, options.seed)
            if resampled
            else None
        ),
        decidability=decidability(scores) if has_both else None,
        decidability_interval=(
            bootstrap_interval(scores, lambda w: decidability(scores, w), options.resamples, options.seed)
            if resampled
            else None
        ),
        separation_margin=separation_margin(scores) if has_both else None,
    )


def _identification(searches: Searches, options: MatchingOptions) -> Identification:
    scores = searches.scores
    false_negative, false_positive = counted(scores, options.threshold)
    has_both = searches.mated > 0 and searches.non_mated > 0
    return Identification(
        fusion=options.fusion.value,
        gallery_identities=searches.gallery_sizes[0],
        mated_searches=searches.mated,
        non_mated_searches=searches.non_mated,
        rank_one=_counted(searches.rank_one_hits, searches.mated),
        false_negative_identification=false_negative,
        false_positive_identification=false_positive,
        operating_points=tuple(
            operating_point(scores, target, options.resamples, options.seed) for target in FPIR_TARGETS
        ),
        decidability=decidability(scores) if has_both else None,
        separation_margin=separation_margin(scores) if has_both else None,
    )


def _subgroups(
    sample_set: SampleSet, descriptors: NDArray[np.float32], usable: NDArray[np.bool_], threshold: float
) -> tuple[Subgroup, ...]:
    groups = sorted({s.group for s in sample_set.samples if s.group is not None})
    found = []
    for group in groups:
        rows = np.array([s.group == group for s in sample_set.samples], dtype=bool)
        members = [s.identity for s in sample_set.samples if s.group == group]
        scores = all_pair_scores(members, descriptors[rows], usable[rows])
        false_non_match, false_match = counted(scores, threshold)
        found.append(Subgroup(group, len(set(members)), len(members), false_non_match, false_match))
    return tuple(found)


def verification_pairs(sample_set: SampleSet, listed: Sequence[ListedPair] | None) -> tuple[list[tuple[int, int]], int]:
    """Row pairs to verify, and how many listed pairs name an image that was not acquired."""
    if listed is None:
        return every_pair(len(sample_set.samples)), 0
    rows = {(s.identity, Path(s.source).stem): row for row, s in enumerate(sample_set.samples)}
    pairs: list[tuple[int, int]] = []
    unusable = 0
    for pair in listed:
        first = rows.get((pair.first_identity, lfw_file_stem(pair.first_identity, pair.first_number)))
        second = rows.get((pair.second_identity, lfw_file_stem(pair.second_identity, pair.second_number)))
        if first is None or second is None:
            unusable += 1
        else:
            pairs.append((first, second))
    if not pairs:
        raise InputError("pairs file", "none of the listed pairs names two acquired faces of the labelled set")
    return pairs, unusable
