from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely import box

from watchkeeper.errors import InvalidArgumentError
from watchkeeper.forecasting.crime_import import CrimeEvents
from watchkeeper.forecasting.grid import Grid, grid_from_polygon
from watchkeeper.forecasting.scoring import flag_shares, flagged_cells, gain, hit_rates, jeffreys_interval


def events_at(points: Sequence[tuple[float, float]]) -> CrimeEvents:
    count = len(points)
    return CrimeEvents(
        x=np.array([p[0] for p in points], dtype=np.float64),
        y=np.array([p[1] for p in points], dtype=np.float64),
        months=np.zeros(count, dtype=np.int64),
        times=None,
        categories=np.zeros(count, dtype=np.int64),
        category_names=("burglary",),
    )


def four_cells() -> Grid:
    """A row of four 100 m cells, left to right."""
    return grid_from_polygon(box(0.0, 0.0, 399.0, 99.0), cell_size=100.0)


def test_a_tie_at_the_boundary_is_shared_and_its_bounds_reported() -> None:
    """Risks 3, 2, 2, 0 with 50% coverage flag the first cell and half of each tied cell."""
    grid = four_cells()
    risk = np.array([[3.0, 2.0, 2.0, 0.0]])
    # Evaluation events: 1 in cell 0, 4 in cell 1, none in cell 2, 2 in cell 3, and 1 outside the study area.
    test = events_at([(50, 50)] + [(150, 50)] * 4 + [(350, 50)] * 2 + [(900, 50)])
    (rate,) = hit_rates(risk, grid, test, [0.5])
    assert rate.flagged_cells == 2
    assert rate.study_cells == 4
    assert rate.events == 8
    assert rate.events_outside_study == 1
    assert rate.hits == 3.0
    assert rate.hit_rate == 3 / 8
    assert rate.hit_rate_lowest == 1 / 8
    assert rate.hit_rate_highest == 5 / 8
    assert rate.area_share == 0.5
    assert rate.pai == pytest.approx(0.75)
    assert rate.pai_interval.low == pytest.approx(rate.interval.low / 0.5)


def test_without_ties_the_bounds_are_the_hit_rate() -> None:
    grid = four_cells()
    test = events_at([(50, 50), (150, 50), (250, 50), (350, 50)])
    (rate,) = hit_rates(np.array([[4.0, 3.0, 2.0, 1.0]]), grid, test, [0.5])
    assert rate.hit_rate == rate.hit_rate_lowest == rate.hit_rate_highest == 0.5


@pytest.mark.parametrize(("coverage", "cells"), [(0.01, 1), (0.05, 5), (0.1, 10), (0.2, 20), (1.0, 100), (0.999, 99)])
def test_the_flagged_area_never_exceeds_the_coverage(coverage: float, cells: int) -> None:
    assert flagged_cells(100, coverage) == cells


def test_a_coverage_outside_the_unit_interval_is_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        flagged_cells(100, 0.0)


@given(
    risk=st.lists(st.integers(0, 3), min_size=1, max_size=30),
    counts=st.data(),
    coverage=st.floats(0.01, 1.0),
)
def test_the_hit_rate_lies_within_its_tie_bounds(risk: list[int], counts: st.DataObject, coverage: float) -> None:
    cells = len(risk)
    grid = grid_from_polygon(box(0.0, 0.0, cells * 100.0 - 1.0, 99.0), cell_size=100.0)
    per_cell = counts.draw(st.lists(st.integers(0, 4), min_size=cells, max_size=cells))
    points = [(100.0 * cell + 50.0, 50.0) for cell, count in enumerate(per_cell) for _ in range(count)]
    test = events_at([*points, (-500.0, 50.0)])
    (rate,) = hit_rates(np.array([risk], dtype=np.float64), grid, test, [coverage])
    assert rate.hit_rate_lowest - 1e-12 <= rate.hit_rate <= rate.hit_rate_highest + 1e-12
    shares, _, _ = flag_shares(np.array(risk, dtype=np.float64), rate.flagged_cells)
    assert shares.sum() == pytest.approx(rate.flagged_cells)


def test_the_jeffreys_interval_covers_the_true_rate_about_95_times_in_100() -> None:
    rng = np.random.default_rng(11)
    rate, trials = 0.1, 200
    hits = rng.binomial(trials, rate, size=4000)
    covered = [interval.low <= rate <= interval.high for interval in (jeffreys_interval(h, trials) for h in hits)]
    assert 0.93 <= np.mean(covered) <= 0.97


def test_the_jeffreys_interval_reaches_the_bounds_at_no_hits_and_all_hits() -> None:
    assert jeffreys_interval(0, 50).low == 0.0
    assert jeffreys_interval(50, 50).high == 1.0
    assert 0.0 < jeffreys_interval(0, 50).high < 0.05


def test_a_surface_against_itself_gains_nothing_with_certainty() -> None:
    grid = four_cells()
    risk = np.array([[3.0, 2.0, 2.0, 0.0]])
    test = events_at([(50, 50), (150, 50), (150, 50), (350, 50)])
    difference, interval = gain(risk, risk, grid, test, 0.5, resamples=200)
    assert difference == 0.0
    assert (interval.low, interval.high) == (0.0, 0.0)


def test_the_gain_is_the_difference_of_the_hit_rates_within_its_interval() -> None:
    grid = four_cells()
    better, worse = np.array([[4.0, 3.0, 2.0, 1.0]]), np.array([[1.0, 2.0, 3.0, 4.0]])
    rng = np.random.default_rng(5)
    test = events_at([(float(x), 50.0) for x in rng.normal(80, 60, 300)])
    difference, interval = gain(better, worse, grid, test, 0.25, resamples=500)
    first, second = hit_rates(better, grid, test, [0.25]) + hit_rates(worse, grid, test, [0.25])
    assert difference == pytest.approx(first.hit_rate - second.hit_rate)
    assert interval.low < difference < interval.high
    assert interval.method == "location_bootstrap"


def test_a_period_without_events_cannot_be_scored() -> None:
    with pytest.raises(InvalidArgumentError, match="no events"):
        hit_rates(np.zeros((1, 4)), four_cells(), events_at([]), [0.1])
