"""Error rates of a distance threshold, from two sets of scores: comparisons that should match and ones
that should not.

The same arithmetic serves verification (genuine and impostor pairs: FNMR and FMR) and open-set
identification (mated and non-mated searches: FNIR and FPIR), so it is written once over "positive" and
"negative" distances. A decision is "match" when the distance is at or below the threshold.

Operating points follow NIST's practice: the threshold for a target false-positive rate is set on the
negative distances themselves (the largest threshold whose observed rate does not exceed the target), and
the false-negative rate is read at that threshold. A target rate below ``1 / negatives`` cannot be placed
by the data (no observed negative marks it), so such a point is reported as *not supported* with the
number of negatives it would need, rather than given a precision the counts do not have.

Uncertainty comes in two forms, chosen for what each can honestly say:

- a **Wilson score interval** for a rate counted at a fixed threshold (k errors out of n comparisons). It
  treats the comparisons as independent, which pairs sharing an image are not, so it is too narrow when
  a few people dominate; it is still the right interval for "how many of these n were wrong".
- a **bootstrap over identities** (percentile interval) for figures read off the curves (FNMR at an FMR,
  the equal error rate, separation): whole identities are resampled with replacement, a genuine pair
  weighing as often as its identity was drawn and an impostor pair as the product of its two identities'
  draws, so the interval reflects how few *people* the figures rest on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import binomtest

from watchkeeper.types import CONFIDENCE_LEVEL, Interval

FloatArray = NDArray[np.float64]

DEFAULT_BOOTSTRAP_RESAMPLES = 1000
NO_OWNER = -1


@dataclass(frozen=True, slots=True, eq=False)
class ScoreSet:
    """Distances of comparisons that should match (``positive``) and should not (``negative``).

    ``positive_owner`` and ``negative_owners`` say which identities (indices) each comparison belongs to,
    for the bootstrap: a positive belongs to one identity, a negative to two (verification) or to the
    probe's identity alone (identification, where the gallery side is many identities; the second owner
    is then :data:`NO_OWNER`). A positive of
    ``inf`` is a comparison that can never match (an identification whose mate was not ranked first).
    """

    positive: FloatArray
    negative: FloatArray
    positive_owner: NDArray[np.int64]
    negative_owners: NDArray[np.int64]
    """Shape ``(len(negative), 2)``."""
    identity_count: int

    def weights(self, identity_weights: FloatArray | None) -> tuple[FloatArray, FloatArray]:
        """Per-comparison weights for per-identity weights (ones when ``None``)."""
        if identity_weights is None:
            return np.ones(len(self.positive)), np.ones(len(self.negative))
        owners = self.negative_owners
        second = np.where(owners[:, 1] == NO_OWNER, 1.0, identity_weights[np.maximum(owners[:, 1], 0)])
        return identity_weights[self.positive_owner], identity_weights[owners[:, 0]] * second


@dataclass(frozen=True, slots=True, eq=False)
class ErrorCurve:
    """False-positive and false-negative rates at every threshold where either changes, ascending.

    The first point is below every distance (nothing matches: FPR 0, FNR 1). This is the ROC (as
    ``1 - fnr`` against ``fpr``) and the DET curve (``fnr`` against ``fpr``) in one. Infinite distances
    never match, so they only ever count as errors of the positive side.
    """

    thresholds: FloatArray
    false_positive_rates: FloatArray
    false_negative_rates: FloatArray

    def at(self, threshold: float) -> tuple[float, float]:
        """(FPR, FNR) when deciding "match" at distances at or below ``threshold``."""
        position = int(np.searchsorted(self.thresholds, threshold, side="right")) - 1
        return float(self.false_positive_rates[position]), float(self.false_negative_rates[position])


def error_curve(scores: ScoreSet, identity_weights: FloatArray | None = None) -> ErrorCurve:
    """The error curve of ``scores`` (comparisons weighted per identity when weights are given)."""
    positive_weights, negative_weights = scores.weights(identity_weights)
    distances = np.concatenate([scores.positive, scores.negative])
    thresholds = np.unique(distances[np.isfinite(distances)])
    thresholds = np.concatenate([[-math.inf], thresholds])
    negative_total = negative_weights.sum()
    positive_total = positive_weights.sum()
    accepted_negatives = _weight_at_or_below(scores.negative, negative_weights, thresholds)
    accepted_positives = _weight_at_or_below(scores.positive, positive_weights, thresholds)
    return ErrorCurve(
        thresholds=thresholds,
        false_positive_rates=accepted_negatives / negative_total if negative_total else np.zeros(len(thresholds)),
        false_negative_rates=(
            (positive_total - accepted_positives) / positive_total if positive_total else np.zeros(len(thresholds))
        ),
    )


def _weight_at_or_below(distances: FloatArray, weights: FloatArray, thresholds: FloatArray) -> FloatArray:
    order = np.argsort(distances, kind="stable")
    cumulative = np.concatenate([[0.0], np.cumsum(weights[order])])
    return cumulative[np.searchsorted(distances[order], thresholds, side="right")]


@dataclass(frozen=True, slots=True)
class OperatingPoint:
    """The false-negative rate at the threshold that holds the false-positive rate to ``target``.

    ``supported`` is False when the negatives are too few to place the threshold (fewer than
    ``1 / target``); ``threshold``, ``false_positive_rate`` and ``false_negative_rate`` are then None.
    """

    target: float
    negatives: int
    supported: bool
    negatives_needed: int
    threshold: float | None
    false_positive_rate: float | None
    false_negative_rate: float | None
    interval: Interval | None
    """Bootstrap interval of the false-negative rate at the target, when computed."""


def threshold_for_false_positive_rate(curve: ErrorCurve, target: float) -> float:
    """The largest threshold of ``curve`` whose false-positive rate is at most ``target``."""
    allowed = np.flatnonzero(curve.false_positive_rates <= target + 1e-12)
    position = int(allowed[-1])
    if position + 1 == len(curve.thresholds):
        return float(curve.thresholds[position])
    following = float(curve.thresholds[position + 1])
    if position == 0:
        return float(np.nextafter(following, -math.inf))
    # Any threshold from this distance up to (not including) the next has the same rates; the midpoint keeps
    # the counts when the distances are recomputed with rounding differences.
    return (float(curve.thresholds[position]) + following) / 2.0


def false_negative_rate_at(scores: ScoreSet, target: float, identity_weights: FloatArray | None = None) -> float:
    """FNR at the threshold holding FPR to ``target`` (see :func:`threshold_for_false_positive_rate`)."""
    curve = error_curve(scores, identity_weights)
    return curve.at(threshold_for_false_positive_rate(curve, target))[1]


def operating_point(scores: ScoreSet, target: float, resamples: int = 0, seed: int = 0) -> OperatingPoint:
    """The operating point at ``target`` FPR, with a bootstrap interval when ``resamples`` > 0."""
    if not 0.0 < target < 1.0:
        raise ValueError(f"a target rate must be within (0, 1), got {target}")
    negatives = len(scores.negative)
    needed = math.ceil(1.0 / target - 1e-9)
    if negatives < needed or len(scores.positive) == 0:
        return OperatingPoint(target, negatives, False, needed, None, None, None, None)
    curve = error_curve(scores)
    threshold = threshold_for_false_positive_rate(curve, target)
    fpr, fnr = curve.at(threshold)
    interval = (
        bootstrap_interval(scores, lambda w: false_negative_rate_at(scores, target, w), resamples, seed)
        if resamples
        else None
    )
    return OperatingPoint(target, negatives, True, needed, threshold, fpr, fnr, interval)


def equal_error_rate(scores: ScoreSet, identity_weights: FloatArray | None = None) -> float:
    """The equal error rate, as the smallest over thresholds of the larger of the two error rates.

    For a continuous curve this is where FPR = FNR; on counted data it is the honest version (no
    interpolation between steps), and it is 0 when some threshold separates the two sets completely.
    """
    curve = error_curve(scores, identity_weights)
    return float(np.min(np.maximum(curve.false_positive_rates, curve.false_negative_rates)))


def decidability(scores: ScoreSet, identity_weights: FloatArray | None = None) -> float:
    """Daugman's d': the distance between the two score means in units of their pooled spread.

    It keeps measuring how well two techniques separate the sets when both make no error at all, which on
    a small set is the usual case. Infinite distances (comparisons that can never match) are left out.
    """
    positive_weights, negative_weights = scores.weights(identity_weights)
    positives, positive_weights = _finite(scores.positive, positive_weights)
    negatives, negative_weights = _finite(scores.negative, negative_weights)
    if positive_weights.sum() == 0 or negative_weights.sum() == 0:
        return math.nan
    positive_mean = np.average(positives, weights=positive_weights)
    negative_mean = np.average(negatives, weights=negative_weights)
    positive_variance = np.average((positives - positive_mean) ** 2, weights=positive_weights)
    negative_variance = np.average((negatives - negative_mean) ** 2, weights=negative_weights)
    spread = math.sqrt((positive_variance + negative_variance) / 2.0)
    return float((negative_mean - positive_mean) / spread) if spread else math.inf


def separation_margin(scores: ScoreSet) -> float:
    """Smallest negative distance minus largest positive one: the room a threshold has (negative when the
    sets overlap, so some error is unavoidable). Infinite distances are left out."""
    positives = scores.positive[np.isfinite(scores.positive)]
    negatives = scores.negative[np.isfinite(scores.negative)]
    if len(positives) == 0 or len(negatives) == 0:
        return math.nan
    return float(negatives.min() - positives.max())


def _finite(distances: FloatArray, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    finite = np.isfinite(distances)
    return distances[finite], weights[finite]


def wilson_interval(errors: int, trials: int) -> Interval | None:
    """Wilson score interval of ``errors / trials`` (None without trials)."""
    if trials == 0:
        return None
    interval = binomtest(errors, trials).proportion_ci(CONFIDENCE_LEVEL, method="wilson")
    return Interval(float(interval.low), float(interval.high), "wilson")


def bootstrap_interval(
    scores: ScoreSet, statistic: Callable[[FloatArray], float], resamples: int, seed: int
) -> Interval:
    """Percentile interval of ``statistic(identity_weights)`` over identities resampled with replacement.

    A resample can leave a figure undefined (every drawn identity the same person: no impostor pair); such
    resamples are left out rather than failing the interval, as they say nothing about the figure.
    """
    count = scores.identity_count
    draws = np.random.default_rng(seed).multinomial(count, np.full(count, 1.0 / count), size=resamples)
    values = np.array([statistic(weights.astype(np.float64)) for weights in draws])
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return Interval(math.nan, math.nan, "identity_bootstrap")
    tail = (1.0 - CONFIDENCE_LEVEL) / 2.0 * 100.0
    low, high = np.percentile(values, [tail, 100.0 - tail])
    return Interval(float(low), float(high), "identity_bootstrap")


def paired_difference_interval(
    first: ScoreSet,
    second: ScoreSet,
    statistic: Callable[[ScoreSet, FloatArray | None], float],
    resamples: int,
    seed: int,
) -> Interval:
    """Bootstrap interval of ``statistic(second) - statistic(first)``, both sets resampled with the same
    identities each time (they must describe the same people), so shared luck cancels."""
    if first.identity_count != second.identity_count:
        raise ValueError("a paired difference needs both score sets over the same identities")
    return bootstrap_interval(first, lambda w: statistic(second, w) - statistic(first, w), resamples, seed)


def score_set(
    positive: Sequence[float] | FloatArray,
    negative: Sequence[float] | FloatArray,
    positive_owner: Sequence[int] | NDArray[np.int64],
    negative_owners: Sequence[tuple[int, int]] | NDArray[np.int64],
    identity_count: int,
) -> ScoreSet:
    """A :class:`ScoreSet` from plain sequences, checked for consistent lengths."""
    positives = np.asarray(positive, dtype=np.float64)
    negatives = np.asarray(negative, dtype=np.float64)
    owners = np.asarray(positive_owner, dtype=np.int64).reshape(-1)
    pair_owners = np.asarray(negative_owners, dtype=np.int64).reshape(-1, 2)
    if len(owners) != len(positives) or len(pair_owners) != len(negatives):
        raise ValueError("every comparison needs its owning identities")
    if np.isnan(positives).any() or np.isnan(negatives).any():
        raise ValueError("distances must be numbers (infinite for a comparison that can never match)")
    return ScoreSet(positives, negatives, owners, pair_owners, identity_count)
