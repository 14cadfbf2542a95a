from __future__ import annotations

import numpy as np
import pytest

from watchkeeper.evaluation.pairs import judge_all_pairs


def test_counts_on_constructed_descriptors() -> None:
    # a1, a2 close together (same person, judged same); b1 far from both (different, judged different);
    # c1 close to a1 (different people judged same: a false match); a3 far from a1 and a2 (false non-matches).
    base = np.zeros(128, dtype=np.float32)
    far = np.zeros(128, dtype=np.float32)
    far[0] = 5.0
    other = np.zeros(128, dtype=np.float32)
    other[1] = 10.0
    near = base.copy()
    near[2] = 0.1
    descriptors = np.stack([base, near, far, near.copy(), other])
    identities = ["a", "a", "b", "c", "a"]
    verdicts = judge_all_pairs(identities, descriptors, threshold=0.6)
    assert (verdicts.same_identity_pairs, verdicts.different_identity_pairs) == (3, 7)
    # same-identity pairs: (0,1) same, (0,4) and (1,4) far apart -> 2 false non-matches.
    assert verdicts.false_non_matches == 2
    # different-identity pairs judged same: (0,3), (1,3) -> 2 false matches.
    assert verdicts.false_matches == 2
    assert verdicts.error_rate == pytest.approx(4 / 10)
    assert verdicts.false_non_match_rate == pytest.approx(2 / 3)
    assert verdicts.false_match_rate == pytest.approx(2 / 7)
    assert verdicts.largest_same_identity_distance == pytest.approx(float(np.linalg.norm(near - other)))
    assert verdicts.smallest_different_identity_distance == pytest.approx(0.0)


def test_no_pairs_gives_zero_rates() -> None:
    verdicts = judge_all_pairs(["a"], np.zeros((1, 128), dtype=np.float32))
    assert verdicts.pairs == 0
    assert verdicts.error_rate == 0.0


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="2 identities for 1 descriptors"):
        judge_all_pairs(["a", "b"], np.zeros((1, 128), dtype=np.float32))
