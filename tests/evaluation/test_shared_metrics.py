"""The evaluation's figures on the shared photos, checked against brute-force counts made here.

Nothing below calls the evaluation's own curve code for the expected values: pairs and searches are
enumerated with plain loops, and thresholds found by trying every observed distance.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pytest

from watchkeeper.evaluation.evaluate import MatchingOptions, evaluate
from watchkeeper.evaluation.samples import SampleSet
from watchkeeper.evaluation.techniques import compare_techniques
from watchkeeper.matching.fusion import EnrolmentFusion

THRESHOLD = 0.6

pytestmark = pytest.mark.slow  # describes 77 photos once (about 25 s on two cores)


def brute_force_pairs(identities: list[str], vectors: np.ndarray) -> tuple[list[float], list[float]]:
    genuine: list[float] = []
    impostor: list[float] = []
    for i, j in combinations(range(len(identities)), 2):
        distance = math.sqrt(sum((float(a) - float(b)) ** 2 for a, b in zip(vectors[i], vectors[j], strict=True)))
        (genuine if identities[i] == identities[j] else impostor).append(distance)
    return genuine, impostor


def brute_force_fnr_at_fpr(positive: list[float], negative: list[float], target: float) -> float:
    """Try every observed distance as a threshold (and 'below them all'); keep the largest whose FPR holds."""
    best = -math.inf
    for candidate in [-math.inf, *positive, *negative]:
        if sum(d <= candidate for d in negative) / len(negative) <= target:
            best = max(best, candidate)
    return sum(d > best for d in positive) / len(positive)


def brute_force_eer(positive: list[float], negative: list[float]) -> float:
    return min(
        max(sum(d <= t for d in negative) / len(negative), sum(d > t for d in positive) / len(positive))
        for t in [-math.inf, *positive, *negative]
    )


@pytest.fixture(scope="module")
def identities(shared_samples: SampleSet) -> list[str]:
    return [s.identity for s in shared_samples.samples]


def test_the_shared_set_is_what_the_figures_rest_on(shared_samples: SampleSet) -> None:
    assert shared_samples.failures == ()
    assert len(shared_samples.samples) == 77  # 23 distinct public-figure photos, 54 distinct Johns
    assert len({s.identity for s in shared_samples.samples}) == 11


@pytest.mark.parametrize("mirror", [False, True])
def test_verification_matches_brute_force(shared_samples: SampleSet, identities: list[str], mirror: bool) -> None:
    vectors = np.stack(
        [(s.descriptor + s.mirrored_descriptor) / 2 if mirror else s.descriptor for s in shared_samples.samples]
    )
    genuine, impostor = brute_force_pairs(identities, vectors)
    result = evaluate(shared_samples, MatchingOptions(THRESHOLD, mirror_averaged=mirror, resamples=0)).verification

    assert (result.genuine_pairs, result.impostor_pairs) == (len(genuine), len(impostor))
    assert result.false_non_match.errors == sum(d > THRESHOLD for d in genuine)
    assert result.false_match.errors == sum(d <= THRESHOLD for d in impostor)
    for point in result.operating_points:
        if len(impostor) * point.target < 1:
            assert not point.supported
            assert point.false_negative_rate is None
            continue
        assert point.false_negative_rate == pytest.approx(brute_force_fnr_at_fpr(genuine, impostor, point.target))
        assert point.false_positive_rate is not None
        assert point.false_positive_rate <= point.target
        assert point.threshold is not None
        assert point.false_positive_rate == pytest.approx(sum(d <= point.threshold for d in impostor) / len(impostor))
    assert result.equal_error_rate == pytest.approx(brute_force_eer(genuine, impostor))
    assert result.separation_margin == pytest.approx(min(impostor) - max(genuine), abs=1e-6)
    mean_g, mean_i = np.mean(genuine), np.mean(impostor)
    pooled = math.sqrt((np.var(genuine) + np.var(impostor)) / 2)
    assert result.decidability == pytest.approx((mean_i - mean_g) / pooled, rel=1e-6)


def test_fmr_of_one_in_ten_thousand_is_not_claimed(shared_samples: SampleSet) -> None:
    points = evaluate(shared_samples, MatchingOptions(resamples=0)).verification.operating_points
    unsupported = [p for p in points if not p.supported]
    assert [p.target for p in unsupported] == [1e-4]
    assert unsupported[0].negatives_needed == 10_000


@pytest.mark.parametrize("fusion", list(EnrolmentFusion))
def test_identification_matches_brute_force(
    shared_samples: SampleSet, identities: list[str], fusion: EnrolmentFusion
) -> None:
    vectors = np.stack([s.descriptor for s in shared_samples.samples]).astype(np.float64)
    mated_hits = mated = false_negatives = non_mated = false_positives = 0
    for probe, mine in enumerate(identities):
        per_identity: dict[str, float] = {}
        for name in set(identities):
            rows = [r for r, other in enumerate(identities) if other == name and r != probe]
            if not rows:
                continue
            if fusion is EnrolmentFusion.NEAREST:
                per_identity[name] = min(float(np.linalg.norm(vectors[r] - vectors[probe])) for r in rows)
            else:
                per_identity[name] = float(np.linalg.norm(vectors[rows].mean(axis=0) - vectors[probe]))
        if mine in per_identity:
            mated += 1
            first = min(per_identity, key=lambda n: per_identity[n])
            mated_hits += first == mine
            false_negatives += not (first == mine and per_identity[mine] <= THRESHOLD)
        others = [d for n, d in per_identity.items() if n != mine]
        if others:
            non_mated += 1
            false_positives += min(others) <= THRESHOLD

    result = evaluate(shared_samples, MatchingOptions(THRESHOLD, fusion=fusion, resamples=0)).identification
    assert (result.mated_searches, result.non_mated_searches) == (mated, non_mated)
    assert result.rank_one.errors == mated_hits
    assert result.false_negative_identification.errors == false_negatives
    assert result.false_positive_identification.errors == false_positives


def test_wilson_interval_of_zero_errors_follows_the_formula(shared_samples: SampleSet) -> None:
    rate = evaluate(shared_samples, MatchingOptions(resamples=0)).verification.false_match
    assert rate.errors == 0
    assert rate.interval is not None
    z = 1.959963984540054
    assert rate.interval.high == pytest.approx(z**2 / (rate.trials + z**2))


def test_subgroups_count_pairs_within_each_group(shared_samples: SampleSet) -> None:
    groups = {g.group: g for g in evaluate(shared_samples, MatchingOptions(resamples=0)).subgroups}
    assert set(groups) == {"johns", "public_figures"}
    johns = groups["johns"]
    assert (johns.identities, johns.samples) == (5, 54)
    assert johns.false_non_match.trials + johns.false_match.trials == 54 * 53 // 2


def test_quality_gating_refuses_the_lowest_tenth_and_costs_misses(shared_samples: SampleSet) -> None:
    comparisons = {c.technique: c for c in compare_techniques(shared_samples, MatchingOptions(resamples=200))}
    gating = comparisons["quality_gating"]
    figures = {f.name: f for f in gating.figures}
    assert figures["fnir_at_threshold"].without == 0.0
    assert figures["fnir_at_threshold"].with_technique == pytest.approx(8 / 76, abs=0.03)
    assert not gating.helps
    assert comparisons["mean_template"].decidability_difference_interval is not None
