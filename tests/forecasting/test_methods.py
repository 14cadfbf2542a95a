from __future__ import annotations

import numpy as np
import pytest
from shapely import box

from watchkeeper.errors import InvalidArgumentError
from watchkeeper.forecasting.crime_import import CrimeEvents
from watchkeeper.forecasting.grid import Grid, grid_from_polygon
from watchkeeper.forecasting.methods import NaiveCounts, RetrospectiveKDE, Window, naive_baselines

MARCH, APRIL, MAY = 2024 * 12 + 2, 2024 * 12 + 3, 2024 * 12 + 4


def events(x: list[float], y: list[float], months: list[int]) -> CrimeEvents:
    return CrimeEvents(
        x=np.array(x),
        y=np.array(y),
        months=np.array(months, dtype=np.int64),
        times=None,
        categories=np.zeros(len(x), dtype=np.int64),
        category_names=("burglary",),
    )


def random_events(seed: int, count: int = 400) -> tuple[CrimeEvents, Grid]:
    rng = np.random.default_rng(seed)
    grid = grid_from_polygon(box(0.0, 0.0, 3000.0, 3000.0), cell_size=150.0)
    x, y = rng.uniform(0, 3000, count), rng.uniform(0, 3000, count)
    return events(x.tolist(), y.tolist(), rng.integers(MARCH, MAY + 1, count).tolist()), grid


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_kde_with_no_bandwidth_is_the_naive_count_of_its_window(seed: int) -> None:
    crimes, grid = random_events(seed)
    window = Window(MARCH, MAY)
    kde = RetrospectiveKDE(bandwidth=0.0).fit(crimes, grid, window).predict(Window(MAY + 1, MAY + 1))
    naive = NaiveCounts(months=3).fit(crimes, grid, window).predict(Window(MAY + 1, MAY + 1))
    np.testing.assert_array_equal(kde, naive)


def test_kde_spreads_a_crime_over_its_neighbours_and_keeps_its_mass_away_from_the_edge() -> None:
    grid = grid_from_polygon(box(0.0, 0.0, 3000.0, 3000.0), cell_size=150.0)
    risk = RetrospectiveKDE(bandwidth=300.0).fit(events([1510.0], [1510.0], [MAY]), grid, Window(MAY, MAY))
    surface = risk.predict(Window(MAY + 1, MAY + 1))
    assert surface.sum() == pytest.approx(1.0, rel=1e-3)
    assert tuple(int(i) for i in np.unravel_index(np.argmax(surface), surface.shape)) == (10, 10)
    assert surface[10, 11] == pytest.approx(surface[10, 9])
    assert 0 < surface[10, 12] < surface[10, 11] < surface[10, 10]


def test_naive_counts_use_only_the_last_months_of_the_window() -> None:
    grid = grid_from_polygon(box(0.0, 0.0, 299.0, 299.0), cell_size=150.0)
    crimes = events([10.0, 10.0, 200.0], [10.0, 10.0, 10.0], [MARCH, MAY, APRIL])
    window = Window(MARCH, MAY)
    assert NaiveCounts(1).fit(crimes, grid, window).predict(window).tolist() == [[1.0, 0.0], [0.0, 0.0]]
    assert NaiveCounts(2).fit(crimes, grid, window).predict(window).tolist() == [[1.0, 1.0], [0.0, 0.0]]
    assert NaiveCounts(3).fit(crimes, grid, window).predict(window).tolist() == [[2.0, 1.0], [0.0, 0.0]]


def test_a_naive_window_longer_than_the_data_is_refused_and_not_offered() -> None:
    grid = grid_from_polygon(box(0.0, 0.0, 300.0, 300.0), cell_size=150.0)
    with pytest.raises(InvalidArgumentError, match="12 months"):
        NaiveCounts(12).fit(events([1.0], [1.0], [MAY]), grid, Window(MARCH, MAY))
    assert [baseline.months for baseline in naive_baselines(Window(MAY, MAY))] == [1]
    assert [baseline.months for baseline in naive_baselines(Window(MARCH, MAY))] == [1, 3]
    assert [baseline.months for baseline in naive_baselines(Window(MAY - 11, MAY))] == [1, 3, 12]


def test_a_negative_bandwidth_or_a_backwards_window_is_refused() -> None:
    with pytest.raises(InvalidArgumentError):
        RetrospectiveKDE(bandwidth=-1.0)
    with pytest.raises(InvalidArgumentError):
        Window(MAY, MARCH)
