"""Verification accuracy by face size: how well the engine verifies at each inter-ocular distance a camera sees.

A pair is only as good as its smaller face, so each genuine and impostor pair is put in the bucket of the
smaller inter-ocular distance of its two faces. The bucket floors are chosen for CCTV, where a face is
roughly two and a half times as wide as its inter-ocular distance:

- below 10 px (faces under about 25 px wide) a face is a few pixels of eyes and mouth, near the end of what
  any detector finds;
- 10-15 and 15-20 px are the 25-50 px faces a static camera over a concourse sees (the shared photos brought
  to 28 px wide land at 9-14 px), where recognition falls apart and a deployment's minimum face size is most
  likely to lie;
- 20-30 px are the 50-75 px faces of the middle distance; 30 px is where the quality measures put the end
  of degradation (see :class:`watchkeeper.face.FaceQuality`);
- 30-45 px and 45 px and up are close faces and portraits, what enrolment photos and the shared photos are.

A bucket's true accept rate at a false accept rate of 0.01 is read off its own impostor pairs, so it needs
at least 100 of them (:func:`watchkeeper.evaluation.metrics.operating_point`'s rule: a rate below
``1 / impostor pairs`` is marked by no observed pair); with fewer it is None and the bucket's operating
point says how many it would need. Rates at the evaluated threshold carry Wilson intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from watchkeeper.errors import InvalidArgumentError
from watchkeeper.evaluation.degrade import FALSE_ACCEPT_TARGET
from watchkeeper.evaluation.evaluate import CountedRate, Evaluation, counted, usable_probes, verification_pairs
from watchkeeper.evaluation.metrics import OperatingPoint, operating_point
from watchkeeper.evaluation.pairs import listed_pair_scores
from watchkeeper.evaluation.samples import SampleSet

FACE_SIZE_FLOORS = (0, 10, 15, 20, 30, 45)
"""Inter-ocular pixels at which each bucket starts; a bucket ends where the next starts (the last is open)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FaceSizeBucket:
    """Verification of the pairs whose smaller face has an inter-ocular distance in ``[floor, ceiling)``."""

    label: str
    floor: int
    ceiling: int | None
    """None for the last, open bucket."""
    genuine_pairs: int
    impostor_pairs: int
    true_accept_rate_at_far_0_01: float | None
    """None when the bucket's impostor pairs are too few (under 100) to place the threshold."""
    at_far_0_01: OperatingPoint
    true_accept_rate_at_threshold: float | None
    """None without genuine pairs."""
    false_non_match: CountedRate
    false_match: CountedRate


def face_size_buckets(sample_set: SampleSet, evaluation: Evaluation) -> tuple[FaceSizeBucket, ...]:
    """The verification pairs of ``evaluation`` (of ``sample_set``), matched as it matched them, in every
    bucket of :data:`FACE_SIZE_FLOORS`, empty ones included (an empty bucket is a finding too)."""
    options = evaluation.options
    identities = sample_set.identities
    descriptors = sample_set.descriptors(options.mirror_averaged)
    usable = usable_probes(sample_set, options.min_quality)
    pairs, _ = verification_pairs(sample_set, options.pairs)
    inter_ocular = np.array([s.quality.inter_ocular_px for s in sample_set.samples], dtype=np.float64)
    index = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    smaller = np.minimum(inter_ocular[index[:, 0]], inter_ocular[index[:, 1]])
    bucket_of = np.searchsorted(np.asarray(FACE_SIZE_FLOORS, dtype=np.float64), smaller, side="right") - 1
    buckets = []
    for position, floor in enumerate(FACE_SIZE_FLOORS):
        ceiling = FACE_SIZE_FLOORS[position + 1] if position + 1 < len(FACE_SIZE_FLOORS) else None
        scores = listed_pair_scores(identities, descriptors, index[bucket_of == position].tolist(), usable)
        false_non_match, false_match = counted(scores, options.threshold)
        point = operating_point(scores, FALSE_ACCEPT_TARGET)
        buckets.append(
            FaceSizeBucket(
                label=_label(floor, ceiling),
                floor=floor,
                ceiling=ceiling,
                genuine_pairs=len(scores.positive),
                impostor_pairs=len(scores.negative),
                true_accept_rate_at_far_0_01=(
                    None if point.false_negative_rate is None else 1.0 - point.false_negative_rate
                ),
                at_far_0_01=point,
                true_accept_rate_at_threshold=None if false_non_match.rate is None else 1.0 - false_non_match.rate,
                false_non_match=false_non_match,
                false_match=false_match,
            )
        )
    return tuple(buckets)


class SizeAccuracy(Protocol):
    """What :func:`minimum_face_size` reads of a bucket: a :class:`FaceSizeBucket`, or one read back from a
    report (:func:`watchkeeper.evaluation.calibration.recorded_face_sizes`)."""

    @property
    def floor(self) -> int: ...

    @property
    def true_accept_rate_at_threshold(self) -> float | None: ...


def minimum_face_size(buckets: Sequence[SizeAccuracy], target_true_accept_rate: float) -> int | None:
    """The smallest bucket floor from which every bucket with genuine pairs meets ``target_true_accept_rate``
    at the evaluated threshold (None when even the largest faces fall short, or no bucket has genuine pairs).

    Every bucket above the floor must meet the target, not just the floor's own, so that a lucky small bucket
    cannot set a minimum below a failing larger one; the threshold's rate is used because a deployment
    matches at its threshold. Buckets without genuine pairs say nothing and are passed over.
    """
    if not 0.0 < target_true_accept_rate <= 1.0:
        raise InvalidArgumentError(f"a target true accept rate must be within (0, 1], got {target_true_accept_rate}")
    measured = sorted(
        (b.floor, b.true_accept_rate_at_threshold) for b in buckets if b.true_accept_rate_at_threshold is not None
    )
    floor = None
    for bucket_floor, rate in reversed(measured):
        if rate < target_true_accept_rate:
            break
        floor = bucket_floor
    return floor


def _label(floor: int, ceiling: int | None) -> str:
    if ceiling is None:
        return f">={floor}"
    return f"<{ceiling}" if floor == 0 else f"{floor}-{ceiling}"
