"""``watchkeeper forecast evaluate``: the documented JSON shape, the table, and bad input refused in the documented
error shape."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli.test_face_commands import run, run_json


def crime_file(path: Path, month: str, seed: int) -> Path:
    """Burglaries around two centres in Leeds (one busier), plus a few drug offences and a row without
    coordinates."""
    rng = np.random.default_rng(seed)
    rows = ["time,longitude,latitude,category"]
    for longitude, latitude, count in [(-1.549, 53.800, 60), (-1.520, 53.790, 20)]:
        for dx, dy in zip(rng.normal(0, 0.002, count), rng.normal(0, 0.001, count), strict=True):
            rows.append(f"{month},{longitude + dx:.6f},{latitude + dy:.6f},burglary")
    rows += [f"{month},-1.53,53.795,Drugs"] * 3 + [f"{month},,,burglary"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    return crime_file(tmp_path / "train.csv", "2024-03", 1), crime_file(tmp_path / "test.csv", "2024-04", 2)


def test_forecast_evaluate_json_shape(files: tuple[Path, Path]) -> None:
    code, document = run_json("forecast", "evaluate", *files, "--coverage", "5", "--coverage", "20")
    assert code == 0
    training = document["imports"]["training"]
    assert training["rows_read"] == 84
    assert training["rows_kept"] == 83
    assert training["rejected"] == {"no_coordinates": 1}
    assert len(training["sha256"]) == 64
    evaluation = document["forecast_evaluation"]
    assert (evaluation["window"], evaluation["period"]) == ("2024-03", "2024-04")
    assert evaluation["categories"] == ["burglary"]
    assert evaluation["training_events"] == 80
    assert evaluation["evaluation_events"] == 80
    assert [score["method"] for score in evaluation["scores"]] == ["naive_1m", "kde_200m"]
    rate = evaluation["scores"][1]["hit_rates"][0]
    assert rate["coverage"] == 0.05
    assert rate["hit_rate_lowest"] <= rate["hit_rate"] <= rate["hit_rate_highest"]
    assert rate["interval"]["method"] == "jeffreys"
    assert [gain["coverage"] for gain in evaluation["gains"]] == [0.05, 0.2]
    assert evaluation["gains"][0]["baseline"] == "naive_1m"
    assert evaluation["gains"][0]["interval"]["method"] == "location_bootstrap"


def test_forecast_evaluate_prints_a_table(files: tuple[Path, Path]) -> None:
    code, stdout, _ = run("forecast", "evaluate", *files, "--category", "Drugs")
    assert code == 0
    assert "2024-04 forecast from 2024-03: 3 training and 3 evaluated events" in stdout
    assert "rejected: no_coordinates 1" in stdout
    assert "kde_200m" in stdout


def test_a_geojson_study_area_counts_crime_outside_it_as_missed(files: tuple[Path, Path], tmp_path: Path) -> None:
    """The area holds the busier centre only, so the quieter centre's 20 burglaries are outside it."""
    area = tmp_path / "area.geojson"
    ring = [[-1.56, 53.795], [-1.538, 53.795], [-1.538, 53.805], [-1.56, 53.805], [-1.56, 53.795]]
    area.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}), encoding="utf-8")
    code, document = run_json("forecast", "evaluate", *files, "--area", area, "--coverage", "10")
    assert code == 0
    evaluation = document["forecast_evaluation"]
    assert evaluation["area_rule"] == "polygon"
    (rate,) = evaluation["scores"][0]["hit_rates"]
    assert rate["events"] == 80
    assert rate["events_outside_study"] == 20


def test_an_unknown_category_is_refused_naming_those_there_are(files: tuple[Path, Path]) -> None:
    code, document = run_json("forecast", "evaluate", *files, "--category", "Arson")
    assert code == 1
    assert document["error"]["code"] == "invalid_input"
    assert "Arson not among the training file's categories: Drugs, burglary" in document["error"]["reason"]


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    code, _, stderr = run("forecast", "evaluate", tmp_path / "absent.csv", tmp_path / "absent.csv")
    assert code == 1
    assert "cannot be read" in stderr
