"""Square cells over a study area, and events counted per cell.

The lattice is anchored at the CRS's origin shifted by ``offset`` (each component in ``[0, cell_size)``), so the
same offset always gives the same cells and a result can be reproduced; hit rates move with the offset, which is
why it is recorded. The study area is either the cells a GeoJSON polygon touches or, without a polygon, the cells
holding at least one event of the events it is built from: build it from the training events only, or the area
would know where the evaluated crimes fell.

A cell is ``[left, left + cell_size) x [bottom, bottom + cell_size)``; arrays over the grid have shape
``(rows, columns)`` with row 0 at the bottom.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from watchkeeper.errors import InputError, InvalidArgumentError
from watchkeeper.forecasting.crime_import import WGS84, FloatArray

DEFAULT_CELL_SIZE = 150.0
"""Metres: about a street block, the scale of the literature's grid forecasts."""


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Grid:
    """A lattice of square cells and which of them make up the study area."""

    cell_size: float
    offset: tuple[float, float]
    left: float
    """Left edge of column 0, in the CRS's metres."""
    bottom: float
    """Bottom edge of row 0."""
    study: NDArray[np.bool_]
    """Shape ``(rows, columns)``: true for the study area's cells."""
    area_rule: str
    """``"polygon"`` (cells the polygon touches) or ``"cells_with_events"``."""

    def __post_init__(self) -> None:
        if self.study.ndim != 2:
            raise ValueError(f"study has shape {self.study.shape}, expected (rows, columns)")

    @property
    def shape(self) -> tuple[int, int]:
        rows, columns = self.study.shape
        return rows, columns

    @property
    def study_cells(self) -> int:
        return int(np.count_nonzero(self.study))

    @property
    def study_area_km2(self) -> float:
        """The study area the PAI's area share is measured against: its cells' total area."""
        return self.study_cells * self.cell_size**2 / 1e6

    def cell_indices(self, x: FloatArray, y: FloatArray) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Each point's flat cell index (row-major) and whether it falls in a study cell (the index of a point
        outside is meaningless)."""
        flat, on_grid = self._locate(x, y)
        return flat, on_grid & self.study.ravel()[flat]

    def counts(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Events per cell of the whole lattice, shape ``(rows, columns)``; points off the lattice are not counted.

        Cells outside the study area are counted too, so that a smoothing method can use crime just outside it.
        """
        rows, columns = self.shape
        flat, on_grid = self._locate(x, y)
        return np.bincount(flat[on_grid], minlength=rows * columns).astype(np.float64).reshape(rows, columns)

    def _locate(self, x: FloatArray, y: FloatArray) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        rows, columns = self.shape
        column = np.floor((x - self.left) / self.cell_size).astype(np.int64)
        row = np.floor((y - self.bottom) / self.cell_size).astype(np.int64)
        on_grid = (column >= 0) & (column < columns) & (row >= 0) & (row < rows)
        return np.where(on_grid, row * columns + column, 0), on_grid


def _lattice(
    bounds: tuple[float, float, float, float], cell_size: float, offset: tuple[float, float]
) -> tuple[float, float, int, int]:
    """Left, bottom, rows and columns of the offset lattice's cells covering ``bounds`` (min x, min y, max x,
    max y)."""
    if not (math.isfinite(cell_size) and cell_size > 0):
        raise InvalidArgumentError(f"a cell size must be a positive number of metres, got {cell_size}")
    if not all(0.0 <= part < cell_size for part in offset):
        raise InvalidArgumentError(f"each part of a grid offset must be within [0, {cell_size:g}), got {offset}")
    min_x, min_y, max_x, max_y = bounds
    left = math.floor((min_x - offset[0]) / cell_size) * cell_size + offset[0]
    bottom = math.floor((min_y - offset[1]) / cell_size) * cell_size + offset[1]
    columns = math.floor((max_x - left) / cell_size) + 1
    rows = math.floor((max_y - bottom) / cell_size) + 1
    return left, bottom, rows, columns


def grid_from_events(
    x: FloatArray, y: FloatArray, cell_size: float = DEFAULT_CELL_SIZE, offset: tuple[float, float] = (0.0, 0.0)
) -> Grid:
    """A grid over the events' bounding box whose study area is the cells holding at least one of them."""
    if len(x) == 0:
        raise InvalidArgumentError("a study area cannot be drawn around no events")
    left, bottom, rows, columns = _lattice(
        (float(x.min()), float(y.min()), float(x.max()), float(y.max())), cell_size, offset
    )
    lattice = Grid(
        cell_size=cell_size,
        offset=offset,
        left=left,
        bottom=bottom,
        study=np.ones((rows, columns), dtype=np.bool_),
        area_rule="cells_with_events",
    )
    return replace(lattice, study=lattice.counts(x, y) > 0)


def grid_from_polygon(
    area: BaseGeometry, cell_size: float = DEFAULT_CELL_SIZE, offset: tuple[float, float] = (0.0, 0.0)
) -> Grid:
    """A grid whose study area is the cells ``area`` (in the grid's CRS) touches, so that every point inside the
    polygon lies in a study cell."""
    if area.is_empty or area.area <= 0:
        raise InvalidArgumentError("a study area polygon must have an area")
    left, bottom, rows, columns = _lattice(area.bounds, cell_size, offset)
    column_left = left + cell_size * np.arange(columns)
    row_bottom = bottom + cell_size * np.arange(rows)
    lefts, bottoms = np.meshgrid(column_left, row_bottom)
    cells = shapely.box(lefts, bottoms, lefts + cell_size, bottoms + cell_size)
    # Touching along an edge only is not covering: such a cell holds none of the polygon's area.
    study = shapely.intersects(area, cells) & ~shapely.touches(area, cells)
    return Grid(cell_size=cell_size, offset=offset, left=left, bottom=bottom, study=study, area_rule="polygon")


def read_study_area(path: Path, target_epsg: int) -> BaseGeometry:
    """A GeoJSON polygon (a geometry, a Feature or a FeatureCollection, in WGS84 as RFC 7946 has it) projected to
    ``target_epsg``; several features are merged into one area."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(str(path), f"is not a readable GeoJSON file ({error})") from error
    if document.get("type") == "FeatureCollection":
        geometries = [feature.get("geometry") for feature in document.get("features", [])]
    elif document.get("type") == "Feature":
        geometries = [document.get("geometry")]
    else:
        geometries = [document]
    try:
        area = shapely.union_all([shape(geometry) for geometry in geometries])
    except (AttributeError, TypeError, ValueError, shapely.errors.GeometryTypeError) as error:
        raise InputError(str(path), f"holds a geometry shapely cannot read ({error})") from error
    if area.geom_type not in ("Polygon", "MultiPolygon"):
        raise InputError(str(path), f"holds a {area.geom_type}, not a polygon")
    project = Transformer.from_crs(WGS84, CRS.from_epsg(target_epsg), always_xy=True)
    return shapely.transform(area, lambda points: np.column_stack(project.transform(points[:, 0], points[:, 1])))
