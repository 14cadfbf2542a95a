"""Open-set identification as NIST's FRTE 1:N reports it: mated and non-mated searches of a gallery.

With one labelled set and no separate gallery, searches are made leave-out style:

- a **mated** search takes one photo as the probe and enrols every *other* photo, so the probe's
  identity is in the gallery whenever that person has a second photo (people with one photo make no
  mated search);
- a **non-mated** search takes one photo as the probe and enrols every photo of every *other* identity,
  so the probe's identity is absent, as for a passer-by in front of a watchlist camera.

Each search ranks the gallery's identities by distance (a subject's photos are fused, see
:class:`~watchkeeper.matching.fusion.EnrolmentFusion`). A mated search succeeds at threshold T when its
mate is ranked first and within T; FNIR(T) is the share that do not. A non-mated search raises a false
positive at T when its first candidate is within T; FPIR(T) is that share. The rank-one identification
rate ignores the threshold.
These reduce to a :class:`~watchkeeper.evaluation.metrics.ScoreSet`: a mated search's score is its mate's
distance when ranked first, else infinite (it can never succeed); a non-mated search's score is its best
candidate's distance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from watchkeeper.evaluation.metrics import NO_OWNER, ScoreSet, score_set
from watchkeeper.matching.fusion import EnrolmentFusion, subject_distance
from watchkeeper.types import Descriptors


@dataclass(frozen=True, slots=True, eq=False)
class Searches:
    """The outcome of every leave-out search of a labelled set."""

    scores: ScoreSet
    mated_ranks: NDArray[np.int64]
    """Rank of the mate (1 = first) in each mated search."""
    gallery_sizes: tuple[int, int]
    """Identities in the gallery of a mated search (all of them) and of a non-mated one (all but one)."""

    @property
    def mated(self) -> int:
        return len(self.scores.positive)

    @property
    def non_mated(self) -> int:
        return len(self.scores.negative)

    @property
    def rank_one_hits(self) -> int:
        return int(np.count_nonzero(self.mated_ranks == 1))


def search_all(
    identities: Sequence[str],
    descriptors: Descriptors,
    fusion: EnrolmentFusion = EnrolmentFusion.NEAREST,
    usable_probes: NDArray[np.bool_] | None = None,
) -> Searches:
    """Every mated and non-mated leave-out search of the labelled descriptors (see the module docstring).

    A probe that is not usable (refused by quality gating) still makes its searches, scored infinite: a
    mated one is a miss and a non-mated one cannot raise a false positive. Enrolment is not gated.
    """
    if len(identities) != len(descriptors):
        raise ValueError(f"{len(identities)} identities for {len(descriptors)} descriptors")
    names = sorted(set(identities))
    owner = np.array([names.index(name) for name in identities], dtype=np.int64)
    vectors = np.asarray(descriptors, dtype=np.float64)
    mated_scores: list[float] = []
    mated_owner: list[int] = []
    ranks: list[int] = []
    non_mated_scores: list[float] = []
    non_mated_owner: list[int] = []
    for probe in range(len(identities)):
        others = np.arange(len(identities)) != probe
        by_identity = _identity_distances(vectors, probe, owner, others, len(names), fusion)
        mine = int(owner[probe])
        if np.isfinite(by_identity[mine]):
            rank = 1 + int(np.count_nonzero(by_identity < by_identity[mine]))
            ranks.append(rank)
            mated_owner.append(mine)
            mated_scores.append(float(by_identity[mine]) if rank == 1 else np.inf)
            if usable_probes is not None and not usable_probes[probe]:
                mated_scores[-1] = np.inf
        by_identity[mine] = np.inf
        if np.isfinite(by_identity).any():
            refused = usable_probes is not None and not usable_probes[probe]
            non_mated_scores.append(np.inf if refused else float(by_identity.min()))
            non_mated_owner.append(mine)
    owners = [(identity, NO_OWNER) for identity in non_mated_owner]
    scores = score_set(mated_scores, non_mated_scores, mated_owner, owners, len(names))
    return Searches(scores, np.asarray(ranks, dtype=np.int64), (len(names), len(names) - 1))


def _identity_distances(
    vectors: NDArray[np.float64],
    probe: int,
    owner: NDArray[np.int64],
    enrolled: NDArray[np.bool_],
    identity_count: int,
    fusion: EnrolmentFusion,
) -> NDArray[np.float64]:
    """The probe's distance to each identity's enrolled photos, fused; infinite for an identity with none."""
    result = np.full(identity_count, np.inf)
    for identity in range(identity_count):
        rows = np.flatnonzero(enrolled & (owner == identity))
        if len(rows):
            result[identity] = subject_distance(vectors[probe], vectors[rows], fusion)
    return result
