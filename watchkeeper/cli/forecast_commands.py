"""``watchkeeper forecast evaluate``: a forecast of one recorded-crime file's months from another's, scored beside
the naive baseline. It reads files and prints; it records nothing."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from watchkeeper.cli import output
from watchkeeper.cli.options import JsonOutput
from watchkeeper.errors import WatchkeeperError
from watchkeeper.forecasting.comparison import Comparison, compare_imports
from watchkeeper.forecasting.crime_import import BRITISH_NATIONAL_GRID, CrimeImport, read_crime_csv
from watchkeeper.forecasting.grid import DEFAULT_CELL_SIZE, read_study_area
from watchkeeper.forecasting.methods import DEFAULT_BANDWIDTH, RetrospectiveKDE
from watchkeeper.forecasting.scoring import COVERAGES

forecast_app = typer.Typer(help="Crime-hotspot forecasts, always measured against counting.", no_args_is_help=True)

CrimeFile = Annotated[Path, typer.Argument(help="A data.police.uk street-level CSV or a generic crime CSV.")]


def import_json(imported: CrimeImport) -> dict[str, Any]:
    return {
        "source": imported.source,
        "sha256": imported.sha256,
        "layout": imported.layout,
        "crs": imported.crs,
        "rows_read": imported.rows_read,
        "rows_kept": imported.rows_kept,
        "rejected": {reason.value: count for reason, count in imported.rejected.items()},
    }


def _print_comparison(comparison: Comparison) -> None:
    output.stdout.print(
        f"{comparison.period} forecast from {comparison.window}: {comparison.training_events} training and "
        f"{comparison.evaluation_events} evaluated events; study area {comparison.study_cells} cells of "
        f"{comparison.cell_size:g} m ({comparison.study_area_km2:.1f} km²)",
        highlight=False,
    )
    table = Table("method", "coverage", "hit rate", "95% interval", "tie bounds", "PAI")
    for score in comparison.scores:
        for rate in score.hit_rates:
            table.add_row(
                score.method,
                f"{rate.coverage:.0%}",
                f"{rate.hit_rate:.3f}",
                f"{rate.interval.low:.3f}-{rate.interval.high:.3f}",
                f"{rate.hit_rate_lowest:.3f}-{rate.hit_rate_highest:.3f}",
                f"{rate.pai:.2f}",
            )
    output.stdout.print(table)
    gains = Table("method", "over", "coverage", "gain (points)", "95% interval")
    for gain in comparison.gains:
        gains.add_row(
            gain.method,
            gain.baseline,
            f"{gain.coverage:.0%}",
            f"{100 * gain.difference:+.2f}",
            f"{100 * gain.interval.low:+.2f} to {100 * gain.interval.high:+.2f}",
        )
    output.stdout.print(gains)


@forecast_app.command("evaluate")
def evaluate_forecast(
    training_file: CrimeFile,
    evaluation_file: CrimeFile,
    categories: Annotated[
        list[str] | None,
        typer.Option(
            "--category",
            help="A crime category to forecast (repeat for several) [default: all but Drugs and Possession of "
            "weapons, whose counts follow patrols].",
            show_default=False,
        ),
    ] = None,
    cell_size: Annotated[float, typer.Option("--cell-size", min=1.0, help="Cell side in metres.")] = (
        DEFAULT_CELL_SIZE
    ),
    area: Annotated[
        Path | None,
        typer.Option(
            "--area",
            help="A GeoJSON polygon (WGS84) of the study area [default: the cells with any training crime].",
            show_default=False,
        ),
    ] = None,
    coverages: Annotated[
        list[float] | None,
        typer.Option(
            "--coverage",
            min=0.01,
            max=100.0,
            help="Percent of the study area flagged (repeat for several) [default: 1, 5, 10, 20].",
            show_default=False,
        ),
    ] = None,
    bandwidth: Annotated[
        float, typer.Option("--bandwidth", min=0.0, help="The KDE's Gaussian standard deviation in metres.")
    ] = DEFAULT_BANDWIDTH,
    epsg: Annotated[int, typer.Option("--epsg", help="The projected CRS to work in (metres).")] = (
        BRITISH_NATIONAL_GRID
    ),
    as_json: JsonOutput = False,
) -> None:
    """Forecast EVALUATION_FILE's months from all of TRAINING_FILE's with naive counts and a retrospective KDE,
    and print hit rate and PAI with intervals, and the KDE's gain over the best naive baseline."""
    try:
        training, evaluation = read_crime_csv(training_file, epsg), read_crime_csv(evaluation_file, epsg)
        comparison = compare_imports(
            training,
            evaluation,
            tuple(categories) if categories else None,
            cell_size=cell_size,
            area=read_study_area(area, epsg) if area is not None else None,
            methods=(RetrospectiveKDE(bandwidth),),
            coverages=tuple(p / 100.0 for p in coverages) if coverages else COVERAGES,
        )
    except WatchkeeperError as error:
        output.fail(error, as_json)
    if as_json:
        output.print_json(
            {
                "imports": {"training": import_json(training), "evaluation": import_json(evaluation)},
                "forecast_evaluation": output.plain(asdict(comparison)),
            }
        )
        return
    for imported in (training, evaluation):
        rejected = ", ".join(f"{reason.value} {count}" for reason, count in imported.rejected.items()) or "none"
        output.stdout.print(
            f"{imported.source}: {imported.rows_read} rows read, {imported.rows_kept} kept; rejected: {rejected}",
            highlight=False,
        )
    _print_comparison(comparison)
