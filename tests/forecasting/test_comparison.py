from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.errors import InvalidArgumentError
from watchkeeper.forecasting.comparison import compare_imports
from watchkeeper.forecasting.crime_import import CrimeImport, read_crime_csv
from watchkeeper.forecasting.methods import RetrospectiveKDE


@pytest.fixture(scope="module")
def july(crime_dir: Path) -> tuple[CrimeImport, CrimeImport]:
    folder = crime_dir / "west-yorkshire"
    return (
        read_crime_csv(folder / "2016-07-west-yorkshire-street.csv"),
        read_crime_csv(folder / "2017-07-west-yorkshire-street.csv"),
    )


def test_a_kde_without_bandwidth_scores_exactly_as_the_naive_count(july: tuple[CrimeImport, CrimeImport]) -> None:
    comparison = compare_imports(*july, ("Burglary",), methods=(RetrospectiveKDE(0.0),), resamples=100)
    naive, kde = comparison.scores
    assert (naive.method, naive.naive, kde.method, kde.naive) == ("naive_1m", True, "kde_0m", False)
    assert naive.hit_rates == kde.hit_rates
    for gain in comparison.gains:
        assert gain.difference == 0.0
        assert (gain.interval.low, gain.interval.high) == (0.0, 0.0)


def test_the_study_area_and_denominators_follow_the_stated_rules(july: tuple[CrimeImport, CrimeImport]) -> None:
    training, evaluation = july
    comparison = compare_imports(training, evaluation, resamples=100)
    assert comparison.window == "2016-07"
    assert comparison.period == "2017-07"
    assert "Drugs" not in comparison.categories
    assert "Possession of weapons" not in comparison.categories
    assert comparison.evaluation_events == len(evaluation.events.of_categories())
    for score in comparison.scores:
        for rate in score.hit_rates:
            assert rate.events == comparison.evaluation_events
            assert rate.study_cells == comparison.study_cells
            assert rate.events_outside_study > 0
            assert rate.hit_rate_lowest <= rate.hit_rate <= rate.hit_rate_highest
            assert rate.interval.low <= rate.hit_rate <= rate.interval.high
    assert [gain.coverage for gain in comparison.gains] == [0.01, 0.05, 0.10, 0.20]


def test_an_unknown_category_is_refused(july: tuple[CrimeImport, CrimeImport]) -> None:
    with pytest.raises(InvalidArgumentError, match="Arson not among"):
        compare_imports(*july, ("Arson",))
