from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from watchkeeper.errors import InputError, InvalidArgumentError
from watchkeeper.forecasting.crime_import import read_crime_csv
from watchkeeper.forecasting.grid import grid_from_events, grid_from_polygon, read_study_area


def test_every_event_falls_in_the_study_area_drawn_around_them() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.uniform(1000, 5000, 500), rng.uniform(-2000, 700, 500)
    grid = grid_from_events(x, y, cell_size=150.0, offset=(40.0, 90.0))
    counts = grid.counts(x, y)
    assert counts[grid.study].sum() == 500
    assert counts[~grid.study].sum() == 0
    assert grid.study_cells == np.count_nonzero(counts)
    _, inside = grid.cell_indices(x, y)
    assert inside.all()


def test_the_offset_moves_every_cell_edge_by_itself() -> None:
    x, y = np.array([0.0, 1000.0]), np.array([0.0, 1000.0])
    for offset in [(0.0, 0.0), (50.0, 120.0)]:
        grid = grid_from_events(x, y, cell_size=150.0, offset=offset)
        assert grid.left % 150.0 == pytest.approx(offset[0])
        assert grid.bottom % 150.0 == pytest.approx(offset[1])
        assert grid.left <= 0.0 < grid.left + 150.0


def test_the_shared_month_counts_sum_to_its_kept_events(crime_dir: Path) -> None:
    events = read_crime_csv(crime_dir / "west-yorkshire" / "2016-07-west-yorkshire-street.csv").events
    grid = grid_from_events(events.x, events.y)
    assert grid.counts(events.x, events.y)[grid.study].sum() == len(events)
    assert grid.study_area_km2 == pytest.approx(grid.study_cells * 0.0225)


def test_a_polygon_study_area_is_the_cells_it_covers() -> None:
    area = shapely.box(0.0, 0.0, 300.0, 450.0)
    grid = grid_from_polygon(area, cell_size=150.0)
    assert grid.shape == (4, 3)
    assert grid.study_cells == 6
    grid = grid_from_polygon(area, cell_size=150.0, offset=(75.0, 0.0))
    assert grid.study_cells == 9


def test_events_outside_a_polygon_are_outside_its_study_area() -> None:
    grid = grid_from_polygon(shapely.box(0.0, 0.0, 300.0, 300.0), cell_size=150.0)
    x, y = np.array([10.0, 299.0, 500.0, -1.0]), np.array([10.0, 299.0, 10.0, 10.0])
    _, inside = grid.cell_indices(x, y)
    assert inside.tolist() == [True, True, False, False]
    assert grid.counts(x, y)[grid.study].sum() == 2


def test_a_geojson_study_area_is_projected_to_metres(tmp_path: Path) -> None:
    path = tmp_path / "area.geojson"
    square = [[-1.56, 53.79], [-1.54, 53.79], [-1.54, 53.81], [-1.56, 53.81], [-1.56, 53.79]]
    path.write_text(json.dumps({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [square]}}))
    area = read_study_area(path, 27700)
    # 0.02 degrees of longitude at 53.8 degrees north is about 1.32 km, 0.02 of latitude about 2.22 km.
    assert area.area / 1e6 == pytest.approx(1.32 * 2.22, rel=0.02)
    assert 429_000 < area.centroid.x < 431_000


def test_a_geojson_file_without_a_polygon_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "point.geojson"
    path.write_text(json.dumps({"type": "Point", "coordinates": [-1.55, 53.8]}))
    with pytest.raises(InputError, match="not a polygon"):
        read_study_area(path, 27700)


@pytest.mark.parametrize(("cell_size", "offset"), [(0.0, (0.0, 0.0)), (150.0, (150.0, 0.0)), (150.0, (-1.0, 0.0))])
def test_a_bad_cell_size_or_offset_is_refused(cell_size: float, offset: tuple[float, float]) -> None:
    with pytest.raises(InvalidArgumentError):
        grid_from_events(np.array([0.0]), np.array([0.0]), cell_size=cell_size, offset=offset)
