"""Forecasting methods behind one interface: fit on a window of events, predict risk per cell for the next period.

A method is a small frozen dataclass of its settings; ``fit`` returns a model, and ``model.predict(period)`` returns
risk over the whole lattice, shape ``(rows, columns)``. Only the order of risks matters (cells are flagged from the
top down), so a risk need not be a rate. Methods whose surface does not depend on the period forecast (naive
counts, retrospective KDE) return a :class:`StaticSurface`.

The naive baselines are part of every evaluation: the literature's gains over them are modest, and a method is only
worth using where it beats them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy.ndimage import gaussian_filter

from watchkeeper.errors import InvalidArgumentError
from watchkeeper.forecasting.crime_import import CrimeEvents, FloatArray, month_label
from watchkeeper.forecasting.grid import Grid

DEFAULT_BANDWIDTH = 200.0
"""Metres: the order of the bandwidths the literature finds best for burglary and street crime (100-300 m)."""
KERNEL_TRUNCATE = 4.0
"""The Gaussian is cut off beyond this many bandwidths, where under one part in 10,000 of its mass lies."""
NAIVE_WINDOWS = (1, 3, 12)
"""Months of the naive baselines: the previous month, a quarter and a year."""


@dataclass(frozen=True, slots=True)
class Window:
    """Months from ``first`` to ``last`` inclusive (as :func:`.crime_import.month_index`)."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidArgumentError(f"a window cannot end ({self.last}) before it starts ({self.first})")

    @property
    def months(self) -> int:
        return self.last - self.first + 1

    def label(self) -> str:
        first, last = month_label(self.first), month_label(self.last)
        return first if first == last else f"{first} to {last}"


class Model(Protocol):
    """A fitted method."""

    def predict(self, period: Window) -> FloatArray:
        """Risk per cell of the lattice for ``period``, shape ``(rows, columns)``; higher is flagged first."""
        ...


class Method(Protocol):
    """A forecasting method: its name in results, and how it fits."""

    @property
    def name(self) -> str: ...

    def fit(self, events: CrimeEvents, grid: Grid, window: Window) -> Model:
        """A model from the events of ``window`` (events outside it are ignored)."""
        ...


@dataclass(frozen=True, slots=True, eq=False)
class StaticSurface:
    """A risk surface that is the same whatever period is forecast."""

    risk: FloatArray

    def predict(self, period: Window) -> FloatArray:
        return self.risk


def _window_counts(events: CrimeEvents, grid: Grid, first: int, last: int) -> FloatArray:
    chosen = (events.months >= first) & (events.months <= last)
    return grid.counts(events.x[chosen], events.y[chosen])


@dataclass(frozen=True, slots=True)
class NaiveCounts:
    """Risk = events per cell in the last ``months`` months of the window: "crime will be where it was"."""

    months: int = 1

    @property
    def name(self) -> str:
        return f"naive_{self.months}m"

    def fit(self, events: CrimeEvents, grid: Grid, window: Window) -> StaticSurface:
        if self.months > window.months:
            raise InvalidArgumentError(
                f"naive counts over {self.months} months need a window that long; {window.label()} is "
                f"{window.months} month(s)"
            )
        return StaticSurface(_window_counts(events, grid, window.last - self.months + 1, window.last))


def naive_baselines(window: Window) -> tuple[NaiveCounts, ...]:
    """The naive baselines a window has the data for: each of :data:`NAIVE_WINDOWS` it is long enough to hold."""
    return tuple(NaiveCounts(months) for months in NAIVE_WINDOWS if months <= window.months)


@dataclass(frozen=True, slots=True)
class RetrospectiveKDE:
    """Risk = the window's events smoothed by a Gaussian kernel of ``bandwidth`` metres (standard deviation).

    Smoothing spreads each cell's count over its neighbours, so a cell next to many crimes ranks above an isolated
    cell with one; a wider bandwidth ranks broad areas, a narrower one single streets. A bandwidth of 0 is the
    naive count over the same window. The kernel is applied to the count grid (so events are taken at their cell's
    centre, an error of at most half a cell); mass that would fall beyond the lattice's edge is lost, which lowers
    the risk of edge cells a little.
    """

    bandwidth: float = DEFAULT_BANDWIDTH

    def __post_init__(self) -> None:
        if not (np.isfinite(self.bandwidth) and self.bandwidth >= 0):
            raise InvalidArgumentError(f"a bandwidth must be a non-negative number of metres, got {self.bandwidth}")

    @property
    def name(self) -> str:
        return f"kde_{self.bandwidth:g}m"

    def fit(self, events: CrimeEvents, grid: Grid, window: Window) -> StaticSurface:
        counts = _window_counts(events, grid, window.first, window.last)
        sigma = self.bandwidth / grid.cell_size
        risk = gaussian_filter(counts, sigma=sigma, mode="constant", truncate=KERNEL_TRUNCATE) if sigma else counts
        return StaticSurface(np.asarray(risk, dtype=np.float64))
