"""The metrics on constructed distances, where every figure can be worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from watchkeeper.errors import InputError
from watchkeeper.evaluation.metrics import (
    bootstrap_interval,
    decidability,
    equal_error_rate,
    error_curve,
    operating_point,
    score_set,
)
from watchkeeper.evaluation.pairs import read_pairs_file

# Identity 0 has genuine pairs at 0.2 and 0.5; identity 1 at 0.3 and 0.7. Impostor pairs between them.
SCORES = score_set([0.2, 0.5, 0.3, 0.7], [0.4, 0.8, 0.9, 1.0, 1.1], [0, 0, 1, 1], [(0, 1)] * 5, identity_count=2)


def test_curve_counts_at_each_threshold() -> None:
    curve = error_curve(SCORES)
    assert curve.at(-1.0) == (0.0, 1.0)
    assert curve.at(0.45) == pytest.approx((1 / 5, 2 / 4))  # 0.4 accepted; 0.5, 0.7 rejected
    assert curve.at(0.75) == pytest.approx((1 / 5, 0.0))


def test_equal_error_rate_is_the_least_worse_error() -> None:
    # threshold 0.5: FMR 1/5, FNMR 1/4 -> 0.25; threshold 0.7: FMR 1/5, FNMR 0 -> 0.2; 0.3: FMR 0, FNMR 0.5.
    assert equal_error_rate(SCORES) == pytest.approx(0.2)


def test_operating_point_holds_the_false_positive_rate() -> None:
    point = operating_point(SCORES, 0.25)
    assert point.supported
    assert point.false_positive_rate == pytest.approx(0.2)
    assert point.false_negative_rate == 0.0
    assert point.threshold is not None
    assert 0.7 <= point.threshold < 0.8


def test_a_rate_below_one_over_the_negatives_is_not_supported() -> None:
    point = operating_point(SCORES, 0.1)
    assert not point.supported
    assert (point.negatives, point.negatives_needed, point.false_negative_rate) == (5, 10, None)


def test_decidability_by_hand() -> None:
    positives, negatives = np.array([0.2, 0.5, 0.3, 0.7]), np.array([0.4, 0.8, 0.9, 1.0, 1.1])
    expected = (negatives.mean() - positives.mean()) / math.sqrt((positives.var() + negatives.var()) / 2)
    assert decidability(SCORES) == pytest.approx(expected)


def test_identity_weights_reweigh_whole_people() -> None:
    # Only identity 0 drawn (twice): its genuine pairs weigh 2, impostor pairs need identity 1 and vanish.
    assert decidability(SCORES, np.array([2.0, 0.0])) is not None
    assert math.isnan(decidability(SCORES, np.array([2.0, 0.0])))
    curve = error_curve(SCORES, np.array([0.0, 1.0]))
    assert curve.at(0.35)[1] == pytest.approx(0.5)  # identity 1's 0.3 accepted, 0.7 not


def test_bootstrap_interval_contains_the_estimate_and_skips_undefined_resamples() -> None:
    interval = bootstrap_interval(SCORES, lambda w: decidability(SCORES, w), 200, seed=1)
    assert interval.method == "identity_bootstrap"
    assert interval.low <= decidability(SCORES) <= interval.high


def test_infinite_positives_never_match() -> None:
    scores = score_set([0.2, math.inf], [0.9], [0, 0], [(0, 1)], identity_count=2)
    assert error_curve(scores).at(10.0) == (1.0, 0.5)


def test_lfw_pairs_file(tmp_path: Path) -> None:
    path = tmp_path / "pairs.txt"
    path.write_text("1\t2\nAnn\t1\t2\nAnn\t1\tBob\t3\n")
    pairs = read_pairs_file(path)
    assert [(p.first_identity, p.first_number, p.second_identity, p.second_number) for p in pairs] == [
        ("Ann", 1, "Ann", 2),
        ("Ann", 1, "Bob", 3),
    ]
    path.write_text("Ann 1\n")
    with pytest.raises(InputError, match=r"pairs\.txt:1"):
        read_pairs_file(path)
