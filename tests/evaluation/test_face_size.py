"""Verification by face size: pairs bucketed by their smaller face, figures only where the counts hold them,
the minimum face size a target true accept rate allows, and the shared photos at full size and at 28 px."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from watchkeeper.config import Settings
from watchkeeper.errors import InvalidArgumentError
from watchkeeper.evaluation.degrade import Degradation, write_degraded_copies
from watchkeeper.evaluation.evaluate import MatchingOptions, evaluate
from watchkeeper.evaluation.face_size import FACE_SIZE_FLOORS, FaceSizeBucket, face_size_buckets, minimum_face_size
from watchkeeper.evaluation.labelled import distinct, read_labelled_set, read_labels
from watchkeeper.evaluation.samples import Sample, SampleSet, describe
from watchkeeper.face import DetectorKind, EngineOptions, FaceEngine, FaceQuality
from watchkeeper.face.descriptors import DESCRIPTOR_SIZE

LABELS = ["<10", "10-15", "15-20", "20-30", "30-45", ">=45"]


def sample(identity: str, inter_ocular_px: float, offset: float) -> Sample:
    """A face of ``identity`` whose descriptor sits ``offset`` along the first axis from its person's point."""
    descriptor = np.zeros(DESCRIPTOR_SIZE, dtype=np.float32)
    descriptor[1 + "abc".index(identity)] = 1.0
    descriptor[0] = offset
    quality = FaceQuality(
        box_width=int(inter_ocular_px * 2.5),
        box_height=int(inter_ocular_px * 2.5),
        inter_ocular_px=inter_ocular_px,
        sharpness=100.0,
        brightness=0.5,
        frontalness=1.0,
        roll_degrees=0.0,
    )
    return Sample(f"{identity}-{inter_ocular_px}-{offset}", identity, None, descriptor, descriptor, quality, 0.99)


def buckets_of(*samples: Sample, threshold: float = 0.6) -> dict[str, FaceSizeBucket]:
    sample_set = SampleSet(samples, ())
    options = MatchingOptions(threshold=threshold, resamples=0)
    return {b.label: b for b in face_size_buckets(sample_set, evaluate(sample_set, options))}


def test_a_pair_falls_in_the_bucket_of_its_smaller_face() -> None:
    buckets = buckets_of(sample("a", 50.0, 0.0), sample("a", 12.0, 0.1), sample("b", 50.0, 0.0))
    assert list(buckets) == LABELS
    # a50-a12 and a12-b50 go by the 12 px face; a50-b50 by its 50 px faces.
    assert (buckets["10-15"].genuine_pairs, buckets["10-15"].impostor_pairs) == (1, 1)
    assert (buckets[">=45"].genuine_pairs, buckets[">=45"].impostor_pairs) == (0, 1)
    assert sum(b.genuine_pairs + b.impostor_pairs for b in buckets.values()) == 3
    assert buckets["<10"].false_non_match.trials == 0
    assert buckets["<10"].true_accept_rate_at_threshold is None


def test_a_floor_belongs_to_the_bucket_it_starts() -> None:
    buckets = buckets_of(sample("a", 15.0, 0.0), sample("a", 15.0, 0.1), sample("b", 14.99, 0.0))
    assert buckets["15-20"].genuine_pairs == 1
    assert buckets["10-15"].impostor_pairs == 2


def test_rates_at_the_threshold_carry_wilson_intervals() -> None:
    # Two genuine pairs at 30 px: one 0.1 apart (accepted), one 0.9 apart (rejected at 0.6).
    buckets = buckets_of(sample("a", 30.0, 0.0), sample("a", 30.0, 0.1), sample("c", 31.0, 0.0), sample("c", 31.0, 0.9))
    bucket = buckets["30-45"]
    assert bucket.genuine_pairs == 2
    assert bucket.true_accept_rate_at_threshold == 0.5
    assert bucket.false_non_match.errors == 1
    assert bucket.false_non_match.interval is not None
    assert bucket.false_non_match.interval.method == "wilson"
    assert bucket.false_match.trials == bucket.impostor_pairs == 4


def test_a_bucket_without_impostor_pairs_says_so() -> None:
    # The only impostor pair goes by its 12 px face, leaving the 22 px genuine pair alone in its bucket.
    buckets = buckets_of(sample("a", 22.0, 0.0), sample("a", 22.0, 0.1), sample("b", 12.0, 0.0))
    bucket = buckets["20-30"]
    assert (bucket.genuine_pairs, bucket.impostor_pairs) == (1, 0)
    assert bucket.true_accept_rate_at_far_0_01 is None
    assert not bucket.at_far_0_01.supported
    assert bucket.at_far_0_01.negatives_needed == 100
    assert bucket.false_match.rate is None
    assert bucket.false_match.interval is None
    assert bucket.true_accept_rate_at_threshold == 1.0


def test_too_few_impostor_pairs_give_no_rate_at_far_0_01_and_enough_give_one() -> None:
    few = [sample(identity, 40.0, 0.01 * n) for identity in "ab" for n in range(7)]  # 49 impostor pairs
    assert buckets_of(*few)["30-45"].true_accept_rate_at_far_0_01 is None
    many = [sample(identity, 40.0, 0.01 * n) for identity in "abc" for n in range(6)]  # 108 impostor pairs
    bucket = buckets_of(*many)["30-45"]
    assert bucket.impostor_pairs == 108
    assert bucket.at_far_0_01.supported
    assert bucket.true_accept_rate_at_far_0_01 == 1.0


def bucket(floor: int, true_accept_rate: float | None) -> FaceSizeBucket:
    """A bucket with only what :func:`minimum_face_size` reads set to meaningful values."""
    position = FACE_SIZE_FLOORS.index(floor)
    template = buckets_of(sample("a", 50.0, 0.0), sample("b", 50.0, 0.0))[LABELS[position]]
    return FaceSizeBucket(
        label=template.label,
        floor=floor,
        ceiling=template.ceiling,
        genuine_pairs=0 if true_accept_rate is None else 10,
        impostor_pairs=template.impostor_pairs,
        true_accept_rate_at_far_0_01=None,
        at_far_0_01=template.at_far_0_01,
        true_accept_rate_at_threshold=true_accept_rate,
        false_non_match=template.false_non_match,
        false_match=template.false_match,
    )


def test_the_minimum_face_size_is_the_floor_from_which_every_bucket_meets_the_target() -> None:
    rates = {0: 0.1, 10: 0.5, 15: 0.85, 20: 0.8, 30: 0.95, 45: 1.0}
    buckets = [bucket(floor, rate) for floor, rate in rates.items()]
    assert minimum_face_size(buckets, 0.8) == 15
    assert minimum_face_size(buckets, 0.9) == 30
    assert minimum_face_size(buckets, 0.5) == 10
    assert minimum_face_size(buckets, 0.05) == 0
    # A small bucket that happens to do well does not lower the minimum below a larger one that fails.
    assert minimum_face_size([*buckets[:2], bucket(15, 0.95), bucket(20, 0.7), *buckets[4:]], 0.9) == 30


def test_buckets_without_genuine_pairs_are_passed_over() -> None:
    buckets = [bucket(0, None), bucket(10, 0.9), bucket(15, None), bucket(20, 0.95), bucket(30, 0.9), bucket(45, None)]
    assert minimum_face_size(buckets, 0.9) == 10
    assert minimum_face_size([bucket(45, 0.7)], 0.8) is None
    assert minimum_face_size([bucket(0, None), bucket(45, None)], 0.8) is None


@pytest.mark.parametrize("target", [0.0, -0.1, 1.5, float("nan")])
def test_a_target_outside_zero_to_one_is_refused(target: float) -> None:
    with pytest.raises(InvalidArgumentError, match="target true accept rate"):
        minimum_face_size([bucket(45, 1.0)], target)


@pytest.mark.slow  # describes the shared photos and a 28 px degraded copy of them (about a minute on two cores)
def test_shared_photos_fill_large_buckets_and_their_28_px_copy_small_ones(
    faces_dir: Path, settings: Settings, tmp_path: Path
) -> None:
    engine = FaceEngine(EngineOptions(detector=DetectorKind.CENTERFACE), settings)
    files = distinct(read_labels(faces_dir))
    clean = describe(engine, files)
    (copy,) = write_degraded_copies(files, tmp_path / "copy", engine, Degradation(face_widths=(28,))).sets
    degraded = describe(engine, read_labelled_set(copy.folder))
    options = MatchingOptions(resamples=0)
    full_size = {b.label: b for b in face_size_buckets(clean, evaluate(clean, options))}
    small = {b.label: b for b in face_size_buckets(degraded, evaluate(degraded, options))}

    def pairs(buckets: dict[str, FaceSizeBucket], labels: list[str]) -> int:
        return sum(buckets[label].genuine_pairs + buckets[label].impostor_pairs for label in labels)

    full_pairs = len(clean.samples) * (len(clean.samples) - 1) // 2
    small_pairs = len(degraded.samples) * (len(degraded.samples) - 1) // 2
    assert len(degraded.samples) >= 20
    # Portraits: every pair at 20 px and up, all but a few (one photo is a 240p frame) at 45 px and up.
    assert pairs(full_size, ["20-30", "30-45", ">=45"]) == full_pairs
    assert pairs(full_size, [">=45"]) >= 0.9 * full_pairs
    # Faces 28 px wide have eyes about 11 px apart: every pair below 20 px, none left for the large buckets.
    assert pairs(small, ["<10", "10-15", "15-20"]) == small_pairs
    assert pairs(small, ["30-45", ">=45"]) == 0
    assert not small[">=45"].at_far_0_01.supported
    assert small[">=45"].true_accept_rate_at_threshold is None
