"""Hit rate and PAI of a risk surface against the crimes of the period it forecast, beside the best naive baseline.

The rules, stated because published figures differ on each of them:

- **Denominator**: every event of the evaluation window that has coordinates, inside or outside the study area
  (an event outside can never be hit, and leaving it out would flatter every method). Rows without coordinates
  cannot be placed at all; the import counts them.
- **Flagged cells at coverage c**: ``max(1, floor(c * N))`` of the study area's ``N`` cells, so the flagged area
  never exceeds the coverage asked for. The area share is that count over ``N`` (the study area, stated in km²).
- **Ties**: cells are flagged from the highest risk down; when the last places fall within a group of cells of
  equal risk, every cell of that group is flagged in an equal share (the remaining places over the group's size).
  The hit rate is then the expected hit rate of breaking the tie at random, computed exactly and deterministically.
  The tie-free bounds are reported beside it: the hit rate if the tie were broken towards the group's cells with
  the fewest evaluation events, and towards those with the most. Naive counts tie a great deal (many cells hold
  one crime), so the bounds matter most for them.
- **PAI** = hit rate / area share.

Intervals, chosen for what each can honestly say:

- the hit rate's **Jeffreys interval** (the 95% central interval of the Beta(h + 1/2, n - h + 1/2) posterior) counts
  events as independent trials. data.police.uk moves crimes to shared map points, so they are not, and this
  interval is too narrow where many crimes share a point; it is still the right answer to "how sure are we of this
  rate from n events".
- the **gain over the best naive baseline** (the difference of the two hit rates, in the same flagged area) gets a
  paired **bootstrap over locations**: distinct event positions (map points) are resampled with replacement, each
  carrying all its events and their hits under both surfaces. Pairing removes what the two share (a month with more
  crime in the usual places), and resampling whole map points keeps the clustering the Jeffreys interval ignores.
  The best baseline is chosen per coverage on the evaluation data itself, which favours the baseline: a gain that
  survives that is not an artefact of the choice.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import beta

from watchkeeper.errors import InvalidArgumentError
from watchkeeper.forecasting.crime_import import CrimeEvents, FloatArray
from watchkeeper.forecasting.grid import Grid
from watchkeeper.types import CONFIDENCE_LEVEL, Interval

COVERAGES = (0.01, 0.05, 0.10, 0.20)
DEFAULT_RESAMPLES = 1000
_BOOTSTRAP_CHUNK = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class HitRate:
    """How much of a period's crime fell in the cells a surface flagged at one coverage."""

    coverage: float
    flagged_cells: int
    study_cells: int
    area_share: float
    events: int
    """The denominator: every evaluated event with coordinates, inside the study area or not."""
    events_outside_study: int
    hits: float
    """Events in flagged cells, tied cells counted in their share (so possibly fractional)."""
    hit_rate: float
    hit_rate_lowest: float
    """The hit rate with the boundary tie broken towards the cells with the fewest events."""
    hit_rate_highest: float
    """The same, broken towards the cells with the most."""
    interval: Interval
    pai: float
    pai_interval: Interval
    """The hit rate's interval over the area share (the area is fixed)."""


@dataclass(frozen=True, slots=True, eq=False)
class _Evaluated:
    """The evaluation events as the scoring needs them: counts per study cell, and per distinct location."""

    grid: Grid
    study_counts: FloatArray
    """Evaluation events in each study cell, in the order of ``np.flatnonzero(grid.study)``."""
    events: int
    location_events: FloatArray
    location_cell: NDArray[np.int64]
    """Each location's position among the study cells, or -1 outside the study area."""


def _evaluated(grid: Grid, test: CrimeEvents) -> _Evaluated:
    if len(test) == 0:
        raise InvalidArgumentError("a forecast cannot be evaluated against a period with no events")
    study_flat = np.flatnonzero(grid.study.ravel())
    position = np.full(grid.study.size, -1, dtype=np.int64)
    position[study_flat] = np.arange(len(study_flat))
    locations, inverse = np.unique(np.column_stack([test.x, test.y]), axis=0, return_inverse=True)
    flat, inside = grid.cell_indices(locations[:, 0], locations[:, 1])
    return _Evaluated(
        grid=grid,
        study_counts=grid.counts(test.x, test.y).ravel()[study_flat],
        events=len(test),
        location_events=np.bincount(inverse.ravel(), minlength=len(locations)).astype(np.float64),
        location_cell=np.where(inside, position[flat], -1),
    )


def flagged_cells(study_cells: int, coverage: float) -> int:
    """How many of ``study_cells`` are flagged at ``coverage`` (see the module's rules)."""
    if not 0.0 < coverage <= 1.0:
        raise InvalidArgumentError(f"a coverage must be within (0, 1], got {coverage}")
    return max(1, math.floor(coverage * study_cells + 1e-9))


def flag_shares(risk: FloatArray, flagged: int) -> tuple[FloatArray, NDArray[np.bool_], int]:
    """Each cell's share of being flagged when ``flagged`` of ``risk``'s cells are (1, 0, or a tie's equal
    share), the cells of the boundary tie, and how many places that tie fills."""
    ordered = np.sort(risk)[::-1]
    boundary = ordered[flagged - 1]
    above = risk > boundary
    tied = risk == boundary
    places = flagged - int(np.count_nonzero(above))
    shares = above.astype(np.float64) + tied * (places / np.count_nonzero(tied))
    return shares, tied, places


def jeffreys_interval(hits: float, trials: int) -> Interval:
    """The central Jeffreys interval of a rate of ``hits`` in ``trials`` (hits may be fractional, as tie shares
    make them); an end is the bound itself when no hit or every trial hit, as Brown, Cai and DasGupta advise."""
    tail = (1.0 - CONFIDENCE_LEVEL) / 2.0
    low = 0.0 if hits <= 0 else float(beta.ppf(tail, hits + 0.5, trials - hits + 0.5))
    high = 1.0 if hits >= trials else float(beta.ppf(1.0 - tail, hits + 0.5, trials - hits + 0.5))
    return Interval(low, high, "jeffreys")


def _study_risk(risk: FloatArray, grid: Grid) -> FloatArray:
    if risk.shape != grid.shape:
        raise ValueError(f"a risk surface has shape {risk.shape}, expected the grid's {grid.shape}")
    return risk.ravel()[np.flatnonzero(grid.study.ravel())]


def _hit_rate(risk: FloatArray, evaluated: _Evaluated, coverage: float) -> HitRate:
    study_risk = _study_risk(risk, evaluated.grid)
    flagged = flagged_cells(len(study_risk), coverage)
    shares, tied, places = flag_shares(study_risk, flagged)
    counts = evaluated.study_counts
    hits = float(shares @ counts)
    certain = float(counts[(shares == 1.0) & ~tied].sum())
    tied_counts = np.sort(counts[tied])
    lowest = certain + float(tied_counts[:places].sum())
    highest = certain + float(tied_counts[::-1][:places].sum())
    n = evaluated.events
    area_share = flagged / len(study_risk)
    interval = jeffreys_interval(hits, n)
    return HitRate(
        coverage=coverage,
        flagged_cells=flagged,
        study_cells=len(study_risk),
        area_share=area_share,
        events=n,
        events_outside_study=n - round(float(counts.sum())),
        hits=hits,
        hit_rate=hits / n,
        hit_rate_lowest=lowest / n,
        hit_rate_highest=highest / n,
        interval=interval,
        pai=hits / n / area_share,
        pai_interval=Interval(interval.low / area_share, interval.high / area_share, "jeffreys"),
    )


def hit_rates(
    risk: FloatArray, grid: Grid, test: CrimeEvents, coverages: Sequence[float] = COVERAGES
) -> tuple[HitRate, ...]:
    """The hit rate and PAI of ``risk`` (over ``grid``'s lattice) against ``test`` at each coverage."""
    evaluated = _evaluated(grid, test)
    return tuple(_hit_rate(risk, evaluated, coverage) for coverage in coverages)


def _location_hits(risk: FloatArray, evaluated: _Evaluated, coverage: float) -> FloatArray:
    """Each location's events hit (in the tie's share) when ``risk`` flags ``coverage`` of the study area."""
    study_risk = _study_risk(risk, evaluated.grid)
    shares, _, _ = flag_shares(study_risk, flagged_cells(len(study_risk), coverage))
    inside = evaluated.location_cell >= 0
    cell_share = np.where(inside, shares[np.maximum(evaluated.location_cell, 0)], 0.0)
    return evaluated.location_events * cell_share


def gain(
    risk: FloatArray,
    baseline: FloatArray,
    grid: Grid,
    test: CrimeEvents,
    coverage: float,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> tuple[float, Interval]:
    """``risk``'s hit rate minus ``baseline``'s at ``coverage``, with the paired location bootstrap's percentile
    interval (see the module's notes on why it is paired and over locations)."""
    evaluated = _evaluated(grid, test)
    difference_per_location = _location_hits(risk, evaluated, coverage) - _location_hits(baseline, evaluated, coverage)
    events = evaluated.location_events
    difference = float(difference_per_location.sum() / events.sum())
    locations = len(events)
    rng = np.random.default_rng(seed)
    estimates = []
    for start in range(0, resamples, _BOOTSTRAP_CHUNK):
        draws = rng.multinomial(
            locations, np.full(locations, 1.0 / locations), size=min(_BOOTSTRAP_CHUNK, resamples - start)
        )
        estimates.append((draws @ difference_per_location) / (draws @ events))
    tail = (1.0 - CONFIDENCE_LEVEL) / 2.0 * 100.0
    low, high = np.percentile(np.concatenate(estimates), [tail, 100.0 - tail])
    return difference, Interval(float(low), float(high), "location_bootstrap")
