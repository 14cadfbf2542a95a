"""Crime-hotspot forecasts on the shared West Yorkshire months: July 2017 forecast from July 2016, each method beside
the naive baseline, for burglary, violence and all crime.

Run: ``python benchmarks/hotspots.py``. For each crime group it prints every method's hit rate (with its tie-free
bounds when they differ) and PAI, each with its 95% Jeffreys interval, at 1, 5 and 10% coverage of the study area
(150 m cells holding any crime recorded in July 2016), and each KDE's gain over the best naive baseline in
percentage points with its paired location-bootstrap interval (see :mod:`watchkeeper.forecasting.scoring`). "All
crime" leaves out the police-discovered categories (Drugs, Possession of weapons). The bandwidths are fixed in
advance, not chosen on July 2017; the headline KDE is the default bandwidth. With a single training month only the
previous-period naive baseline exists. The last line is JSON with the headline figures.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CRIME = PROJECT_ROOT.parent / "shared" / "data" / "crime" / "west-yorkshire"
TRAINING = CRIME / "2016-07-west-yorkshire-street.csv"
EVALUATION = CRIME / "2017-07-west-yorkshire-street.csv"
GROUPS: dict[str, tuple[str, ...] | None] = {
    "burglary": ("Burglary",),
    "violence": ("Violence and sexual offences",),
    "all": None,
}
COVERAGES = (0.01, 0.05, 0.10)
BANDWIDTHS = (100.0, 200.0, 400.0)


def main() -> int:
    if not (TRAINING.is_file() and EVALUATION.is_file()):
        print(f"Skipped: the shared West Yorkshire months are not at {CRIME}.")
        return 0
    from watchkeeper.forecasting.comparison import compare_imports
    from watchkeeper.forecasting.crime_import import read_crime_csv
    from watchkeeper.forecasting.methods import DEFAULT_BANDWIDTH, RetrospectiveKDE

    training, evaluation = read_crime_csv(TRAINING), read_crime_csv(EVALUATION)
    for imported in (training, evaluation):
        rejected = ", ".join(f"{reason.value} {count}" for reason, count in imported.rejected.items())
        print(f"{Path(imported.source).name}: {imported.rows_read} rows, {imported.rows_kept} kept ({rejected})")
    methods = [RetrospectiveKDE(bandwidth) for bandwidth in BANDWIDTHS]
    headline = RetrospectiveKDE(DEFAULT_BANDWIDTH).name
    summary: dict[str, float] = {}
    for group, categories in GROUPS.items():
        comparison = compare_imports(training, evaluation, categories, methods=methods, coverages=COVERAGES)
        print(
            f"\n{group}: {comparison.training_events} events in {comparison.window}, "
            f"{comparison.evaluation_events} in {comparison.period}; study area {comparison.study_cells} cells "
            f"of {comparison.cell_size:g} m ({comparison.study_area_km2:.1f} km²)"
        )
        print(f"{'method':10} {'coverage':>8} {'hit rate [95%]':>24} {'tie bounds':>14} {'PAI [95%]':>22}")
        for score in comparison.scores:
            for rate in score.hit_rates:
                bounds = (
                    f"{rate.hit_rate_lowest:.3f}-{rate.hit_rate_highest:.3f}"
                    if rate.hit_rate_highest > rate.hit_rate_lowest
                    else ""
                )
                print(
                    f"{score.method:10} {rate.coverage:8.0%} "
                    f"{rate.hit_rate:8.3f} [{rate.interval.low:.3f}, {rate.interval.high:.3f}] {bounds:>14} "
                    f"{rate.pai:6.2f} [{rate.pai_interval.low:.2f}, {rate.pai_interval.high:.2f}]"
                )
        print(f"{'gain over':10} {'coverage':>8} {'points [95%]':>24} {'ratio':>8}")
        for gain in comparison.gains:
            ratio = f"{gain.ratio:.2f}" if gain.ratio is not None else "-"
            print(
                f"{gain.method:10} {gain.coverage:8.0%} {100 * gain.difference:+8.2f} "
                f"[{100 * gain.interval.low:+.2f}, {100 * gain.interval.high:+.2f}] {ratio:>8}  (vs {gain.baseline})"
            )
        rates = {score.method: score.hit_rates[COVERAGES.index(0.05)] for score in comparison.scores}
        five = next(g for g in comparison.gains if g.method == headline and g.coverage == 0.05)
        summary[f"hit_rate_5pct_kde_{group}"] = round(rates[headline].hit_rate, 4)
        summary[f"hit_rate_5pct_naive_{group}"] = round(rates[five.baseline].hit_rate, 4)
        summary[f"kde_minus_naive_5pct_{group}"] = round(five.difference, 4)
        summary[f"kde_minus_naive_5pct_low_{group}"] = round(five.interval.low, 4)
        summary[f"kde_minus_naive_5pct_high_{group}"] = round(five.interval.high, 4)
        summary[f"pai_5pct_kde_{group}"] = round(rates[headline].pai, 3)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
