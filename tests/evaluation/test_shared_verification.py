"""Verdict errors of the engine over every pair of the shared labelled single-person photos."""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations
from pathlib import Path

import numpy as np

from watchkeeper.evaluation.labelled import distinct, read_labels
from watchkeeper.evaluation.pairs import judge_all_pairs
from watchkeeper.face import DEFAULT_MATCH_THRESHOLD, FaceAnalysis

Analyse = Callable[[str], FaceAnalysis]


def test_no_wrong_verdict_over_all_pairs_at_the_default_threshold(faces_dir: Path, analyse: Analyse) -> None:
    photos = [f for f in distinct(read_labels(faces_dir)) if f.is_single_person]
    identities = [f.identity for f in photos]
    descriptors = np.stack(
        [analyse(str(f.path.relative_to(faces_dir))).single_face().require_descriptor() for f in photos]
    )
    verdicts = judge_all_pairs(identities, descriptors, DEFAULT_MATCH_THRESHOLD)

    n = len(photos)
    same = sum(identities[i] == identities[j] for i, j in combinations(range(n), 2))
    assert n == 23  # 29 single-person rows, 6 of them byte-identical copies
    assert verdicts.pairs == n * (n - 1) // 2
    assert (verdicts.same_identity_pairs, verdicts.different_identity_pairs) == (same, n * (n - 1) // 2 - same)
    assert verdicts.errors == 0, (
        f"{verdicts.false_non_matches} false non-matches, {verdicts.false_matches} false matches"
    )
