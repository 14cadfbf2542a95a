"""Methods fitted on one window and scored on the next period, always beside the naive baselines.

This is the evaluation a person reads before trusting a method: each method's hit rate and PAI at each coverage,
and each non-naive method's gain over the best naive baseline at that coverage, with its interval (see
:mod:`.scoring` for the rules and the intervals).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shapely.geometry.base import BaseGeometry

from watchkeeper.errors import InvalidArgumentError
from watchkeeper.forecasting.crime_import import CrimeEvents, CrimeImport
from watchkeeper.forecasting.grid import DEFAULT_CELL_SIZE, Grid, grid_from_events, grid_from_polygon
from watchkeeper.forecasting.methods import Method, NaiveCounts, RetrospectiveKDE, Window, naive_baselines
from watchkeeper.forecasting.scoring import COVERAGES, DEFAULT_RESAMPLES, HitRate, gain, hit_rates
from watchkeeper.types import Interval


@dataclass(frozen=True, slots=True, kw_only=True)
class MethodScore:
    """One method's hit rates, one per coverage, in the order the coverages were asked for."""

    method: str
    naive: bool
    hit_rates: tuple[HitRate, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Gain:
    """A method's hit rate minus the best naive baseline's, at one coverage."""

    method: str
    baseline: str
    """The naive baseline with the highest hit rate at this coverage."""
    coverage: float
    difference: float
    interval: Interval
    ratio: float | None
    """The method's hit rate over the baseline's; None when the baseline hit nothing."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Comparison:
    """Every method scored on the same period and grid, and the gains of those that are not naive."""

    window: str
    period: str
    categories: tuple[str, ...]
    """The categories forecast: those of the training events."""
    training_events: int
    evaluation_events: int
    cell_size: float
    offset: tuple[float, float]
    area_rule: str
    study_cells: int
    study_area_km2: float
    scores: tuple[MethodScore, ...]
    gains: tuple[Gain, ...]


def compare(
    methods: Sequence[Method],
    baselines: Sequence[NaiveCounts],
    training: CrimeEvents,
    evaluation: CrimeEvents,
    grid: Grid,
    window: Window,
    period: Window,
    coverages: Sequence[float] = COVERAGES,
    resamples: int = DEFAULT_RESAMPLES,
) -> Comparison:
    """Fit each baseline and method on ``window`` of ``training``, predict ``period`` and score it against the
    events of ``evaluation`` within ``period``."""
    if not baselines:
        raise InvalidArgumentError("an evaluation needs at least one naive baseline to compare against")
    in_period = (evaluation.months >= period.first) & (evaluation.months <= period.last)
    test = evaluation.subset(in_period)
    surfaces = {m.name: m.fit(training, grid, window).predict(period) for m in (*baselines, *methods)}
    scores = tuple(
        MethodScore(method=name, naive=index < len(baselines), hit_rates=hit_rates(risk, grid, test, coverages))
        for index, (name, risk) in enumerate(surfaces.items())
    )
    gains = []
    for position, coverage in enumerate(coverages):
        best = max(scores[: len(baselines)], key=lambda score: score.hit_rates[position].hit_rate)
        for score in scores[len(baselines) :]:
            difference, interval = gain(
                surfaces[score.method], surfaces[best.method], grid, test, coverage, resamples=resamples
            )
            baseline_rate = best.hit_rates[position].hit_rate
            gains.append(
                Gain(
                    method=score.method,
                    baseline=best.method,
                    coverage=coverage,
                    difference=difference,
                    interval=interval,
                    ratio=score.hit_rates[position].hit_rate / baseline_rate if baseline_rate else None,
                )
            )
    present = set(training.categories.tolist())
    return Comparison(
        window=window.label(),
        period=period.label(),
        categories=tuple(name for code, name in enumerate(training.category_names) if code in present),
        training_events=int(((training.months >= window.first) & (training.months <= window.last)).sum()),
        evaluation_events=len(test),
        cell_size=grid.cell_size,
        offset=grid.offset,
        area_rule=grid.area_rule,
        study_cells=grid.study_cells,
        study_area_km2=grid.study_area_km2,
        scores=scores,
        gains=tuple(gains),
    )


def _span(events: CrimeEvents, source: str) -> Window:
    if len(events) == 0:
        raise InvalidArgumentError(f"{source} holds no events of the chosen categories")
    return Window(int(events.months.min()), int(events.months.max()))


def compare_imports(
    training: CrimeImport,
    evaluation: CrimeImport,
    categories: tuple[str, ...] | None = None,
    cell_size: float = DEFAULT_CELL_SIZE,
    area: BaseGeometry | None = None,
    methods: Sequence[Method] = (RetrospectiveKDE(),),
    coverages: Sequence[float] = COVERAGES,
    resamples: int = DEFAULT_RESAMPLES,
) -> Comparison:
    """Forecast the months of ``evaluation`` from all the months of ``training``, for ``categories`` (by default
    every category but the police-discovered ones), beside every naive baseline the training months allow.

    The study area is the cells ``area`` (a polygon in the imports' CRS) touches or, without one, the cells
    holding any training event of any category, police-discovered ones included: that is where crime is recorded
    at all, so a rare category is not judged only on the cells it already hit (which
    would leave most of its next crimes outside the area), and nothing of the evaluation period shapes it.
    """
    if categories is not None and (unknown := set(categories) - set(training.events.category_names)):
        raise InvalidArgumentError(
            f"{', '.join(sorted(unknown))} not among the training file's categories: "
            f"{', '.join(training.events.category_names)}"
        )
    grid = (
        grid_from_polygon(area, cell_size=cell_size)
        if area is not None
        else grid_from_events(training.events.x, training.events.y, cell_size=cell_size)
    )
    train = training.events.of_categories(categories)
    test = evaluation.events.of_categories(categories)
    window = _span(train, training.source)
    return compare(
        methods,
        naive_baselines(window),
        train,
        test,
        grid,
        window,
        _span(test, evaluation.source),
        coverages,
        resamples,
    )
