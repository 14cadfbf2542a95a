"""Recorded crime read from CSV into parallel arrays in metres, with every row it could not use counted by reason.

Two layouts are read, told apart by their header:

- **data.police.uk street-level files** (``Crime ID, Month, ..., Longitude, Latitude, ..., Crime type, ...``):
  months only, WGS84 longitude and latitude of anonymised map points, a few percent of rows without coordinates.
- **a generic CSV** of ``time``, ``longitude`` and ``latitude`` (or ``x`` and ``y`` in the target CRS),
  ``category`` and optionally ``provenance``. A ``time`` of ``YYYY-MM`` is a month; anything else is an ISO 8601
  date or time. If any kept row gives only a month, the whole import is month-only (``times`` is None), since a
  method that needs event times cannot use a mixture.

Coordinates are projected to the metres of a projected CRS (British National Grid, EPSG:27700, unless told
otherwise). pyproj carries WGS84 to OSGB36 by a seven-parameter Helmert transformation unless the OSTN15 grid is
installed, which is good to a few metres: far finer than data.police.uk's map points or a 150 m cell.

A row is never dropped silently: each rejected row adds one to its reason's count, and the counts always sum with
the kept rows to the rows read.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from watchkeeper.errors import InputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

BRITISH_NATIONAL_GRID = 27700
WGS84 = "EPSG:4326"
POLICE_UK_COLUMNS = ("Month", "Longitude", "Latitude", "Crime type")
POLICE_DISCOVERED = ("Drugs", "Possession of weapons")
"""Categories whose recorded counts follow where police patrol more than where crime happens: left out of a
forecast unless asked for by name."""


class RejectReason(StrEnum):
    """Why a row was not kept."""

    NO_COORDINATES = "no_coordinates"
    """Both coordinates empty: data.police.uk publishes crimes it could not place this way."""
    UNPARSABLE_COORDINATES = "unparsable_coordinates"
    """A coordinate present but not a number, or only one of the two present."""
    OUT_OF_RANGE = "out_of_range"
    """Coordinates outside longitude/latitude ranges or outside the target CRS's area of use."""
    UNPARSABLE_TIME = "unparsable_time"
    """A month or time that is missing or not ``YYYY-MM`` / ISO 8601."""
    NO_CATEGORY = "no_category"
    """An empty crime type or category."""


def month_index(year: int, month: int) -> int:
    """Months counted from year 0, so that consecutive months differ by one and windows are integer ranges."""
    return year * 12 + (month - 1)


def month_label(index: int) -> str:
    """``YYYY-MM`` of a :func:`month_index`."""
    year, month = divmod(index, 12)
    return f"{year:04d}-{month + 1:02d}"


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class CrimeEvents:
    """Recorded crimes as parallel arrays: position in metres, month, time when known, category and provenance."""

    x: FloatArray
    y: FloatArray
    months: IntArray
    """:func:`month_index` of each event."""
    times: NDArray[np.datetime64] | None
    """UTC time of each event (second resolution), or None when the source gives only months."""
    categories: IntArray
    """Index into ``category_names``."""
    category_names: tuple[str, ...]
    provenance: IntArray | None = None
    """Index into ``provenance_names``, when the source has a provenance column."""
    provenance_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        count = len(self.x)
        arrays: dict[str, NDArray[np.generic]] = {"y": self.y, "months": self.months, "categories": self.categories}
        if self.times is not None:
            arrays["times"] = self.times
        if self.provenance is not None:
            arrays["provenance"] = self.provenance
        for name, array in arrays.items():
            if array.shape != (count,):
                raise ValueError(f"{name} has shape {array.shape}, expected ({count},) like x")

    def __len__(self) -> int:
        return len(self.x)

    def subset(self, keep: NDArray[np.bool_]) -> CrimeEvents:
        """The events where ``keep`` is true, with the same category names."""
        return replace(
            self,
            x=self.x[keep],
            y=self.y[keep],
            months=self.months[keep],
            times=None if self.times is None else self.times[keep],
            categories=self.categories[keep],
            provenance=None if self.provenance is None else self.provenance[keep],
        )

    def of_categories(self, names: tuple[str, ...] | None = None) -> CrimeEvents:
        """The events of the named categories; without names, every category except :data:`POLICE_DISCOVERED`.

        A name the data does not hold selects nothing rather than failing: a month without robberies is data.
        """
        chosen = names if names is not None else tuple(n for n in self.category_names if n not in POLICE_DISCOVERED)
        codes = [code for code, name in enumerate(self.category_names) if name in chosen]
        return self.subset(np.isin(self.categories, codes))


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class CrimeImport:
    """What one file gave: the kept events, how many rows were read and why the others were rejected."""

    source: str
    sha256: str
    """Hex SHA-256 of the file's bytes, so a result can name exactly the data it came from."""
    layout: str
    """``"police_uk"`` or ``"generic"``."""
    crs: str
    """The projected CRS of ``events``' coordinates, e.g. ``"EPSG:27700"``."""
    rows_read: int
    events: CrimeEvents
    rejected: dict[RejectReason, int] = field(default_factory=dict)
    """Rows rejected by reason; only reasons that occurred appear."""

    @property
    def rows_kept(self) -> int:
        return len(self.events)


@dataclass(slots=True)
class _Rows:
    """Rows accumulated while reading; coordinates stay as the file's two numbers until projected together."""

    first: list[float] = field(default_factory=list)
    second: list[float] = field(default_factory=list)
    months: list[int] = field(default_factory=list)
    times: list[datetime | None] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    provenance: list[str] = field(default_factory=list)
    rejected: Counter[RejectReason] = field(default_factory=Counter)


def read_crime_csv(path: Path, epsg: int = BRITISH_NATIONAL_GRID) -> CrimeImport:
    """Read a data.police.uk street-level file or a generic crime CSV (told apart by the header), projected to
    ``epsg`` (a projected CRS in metres). For a generic file with ``x`` and ``y``, they are taken to be in ``epsg``
    already."""
    target = _projected_crs(epsg)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(str(path), f"cannot be read ({error.strerror})") from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(str(path), "is not UTF-8 text") from error
    reader = csv.DictReader(text.splitlines())
    header = tuple(reader.fieldnames or ())
    rows = _Rows()
    if all(column in header for column in POLICE_UK_COLUMNS):
        layout, lonlat, has_provenance = "police_uk", True, False
        rows_read = _read_police_uk(reader, rows)
    else:
        layout, lonlat, has_provenance = "generic", _generic_lonlat(str(path), header), "provenance" in header
        rows_read = _read_generic(reader, rows, lonlat)
    events = _events(rows, target, lonlat, has_provenance)
    return CrimeImport(
        source=str(path),
        sha256=hashlib.sha256(data).hexdigest(),
        layout=layout,
        crs=f"EPSG:{epsg}",
        rows_read=rows_read,
        events=events,
        rejected=dict(rows.rejected),
    )


def _projected_crs(epsg: int) -> CRS:
    try:
        crs = CRS.from_epsg(epsg)
    except CRSError as error:
        raise InputError(f"EPSG:{epsg}", "is not a coordinate reference system pyproj knows") from error
    units = {axis.unit_name for axis in crs.axis_info}
    if not crs.is_projected or units != {"metre"}:
        raise InputError(f"EPSG:{epsg}", "is not a projected CRS in metres: cells and bandwidths need metres")
    return crs


def _generic_lonlat(source: str, header: tuple[str, ...]) -> bool:
    required = {"time", "category"}
    if required <= set(header) and {"longitude", "latitude"} <= set(header):
        return True
    if required <= set(header) and {"x", "y"} <= set(header):
        return False
    raise InputError(
        source,
        "is neither a data.police.uk street-level file nor a CSV of time, longitude and latitude (or x and y) "
        f"and category; its header is {', '.join(header) or 'empty'}",
    )


def _read_police_uk(reader: csv.DictReader[str], rows: _Rows) -> int:
    read = 0
    for row in reader:
        read += 1
        month = _parse_month(row.get("Month") or "")
        _add(rows, row.get("Longitude"), row.get("Latitude"), month, None, row.get("Crime type"), None)
    return read


def _read_generic(reader: csv.DictReader[str], rows: _Rows, lonlat: bool) -> int:
    first, second = ("longitude", "latitude") if lonlat else ("x", "y")
    read = 0
    for row in reader:
        read += 1
        raw = (row.get("time") or "").strip()
        month = _parse_month(raw)
        time = None if month is not None else _parse_time(raw)
        if time is not None:
            month = month_index(time.year, time.month)
        _add(rows, row.get(first), row.get(second), month, time, row.get("category"), row.get("provenance") or "")
    return read


def _add(
    rows: _Rows,
    first: str | None,
    second: str | None,
    month: int | None,
    time: datetime | None,
    category: str | None,
    provenance: str | None,
) -> None:
    """Keep one row's values, or count the first reason it cannot be used (coordinates, then time, then category)."""
    first, second = (first or "").strip(), (second or "").strip()
    if not first and not second:
        rows.rejected[RejectReason.NO_COORDINATES] += 1
        return
    try:
        a, b = float(first), float(second)
    except ValueError:
        rows.rejected[RejectReason.UNPARSABLE_COORDINATES] += 1
        return
    if not (math.isfinite(a) and math.isfinite(b)):
        rows.rejected[RejectReason.UNPARSABLE_COORDINATES] += 1
        return
    if month is None:
        rows.rejected[RejectReason.UNPARSABLE_TIME] += 1
        return
    name = (category or "").strip()
    if not name:
        rows.rejected[RejectReason.NO_CATEGORY] += 1
        return
    rows.first.append(a)
    rows.second.append(b)
    rows.months.append(month)
    rows.times.append(time)
    rows.categories.append(name)
    if provenance is not None:
        rows.provenance.append(provenance.strip())


def _parse_month(text: str) -> int | None:
    """The month of ``YYYY-MM``, or None when ``text`` is not exactly that."""
    parts = text.strip().split("-")
    if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2 or not all(p.isdigit() for p in parts):
        return None
    year, month = int(parts[0]), int(parts[1])
    return month_index(year, month) if 1 <= month <= 12 else None


def _parse_time(text: str) -> datetime | None:
    """An ISO 8601 date or time as UTC (a time without an offset is taken as UTC), or None."""
    try:
        time = datetime.fromisoformat(text)
    except ValueError:
        return None
    return time.replace(tzinfo=UTC) if time.tzinfo is None else time.astimezone(UTC)


def to_metres(
    first: FloatArray, second: FloatArray, source: CRS | str, target: CRS
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Project coordinates (longitude and latitude when ``source`` is geographic, else eastings and northings)
    to ``target``'s metres, with a mask of those inside ``target``'s area of use.

    Outside its area of use a projection still returns numbers, but they mean nothing (a point in France on the
    British National Grid), so such points are flagged rather than kept.
    """
    source_crs = CRS.from_user_input(source)
    to_degrees = Transformer.from_crs(source_crs, source_crs.geodetic_crs or WGS84, always_xy=True)
    longitude, latitude = to_degrees.transform(first, second) if source_crs.is_projected else (first, second)
    longitude, latitude = np.asarray(longitude, dtype=np.float64), np.asarray(latitude, dtype=np.float64)
    in_range = (np.abs(longitude) <= 180.0) & (np.abs(latitude) <= 90.0)
    area = target.area_of_use
    if area is not None:
        west, south, east, north = area.bounds
        in_range &= (longitude >= west) & (longitude <= east) & (latitude >= south) & (latitude <= north)
    if source_crs == target:
        return first, second, in_range
    x, y = Transformer.from_crs(source_crs, target, always_xy=True).transform(first, second)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return x, y, in_range & np.isfinite(x) & np.isfinite(y)


def _events(rows: _Rows, target: CRS, lonlat: bool, has_provenance: bool) -> CrimeEvents:
    first, second = np.asarray(rows.first, dtype=np.float64), np.asarray(rows.second, dtype=np.float64)
    x, y, in_range = to_metres(first, second, WGS84 if lonlat else target, target)
    rejected = int(np.count_nonzero(~in_range))
    if rejected:
        rows.rejected[RejectReason.OUT_OF_RANGE] += rejected
    category_names = tuple(sorted(set(rows.categories)))
    codes = {name: code for code, name in enumerate(category_names)}
    times = None
    if rows.times and all(time is not None for time in rows.times):
        times = np.array([time.replace(tzinfo=None) for time in rows.times if time is not None], dtype="datetime64[s]")
    provenance: IntArray | None = None
    provenance_names: tuple[str, ...] = ()
    if has_provenance:
        provenance_names = tuple(sorted(set(rows.provenance)))
        provenance_codes = {name: code for code, name in enumerate(provenance_names)}
        provenance = np.array([provenance_codes[name] for name in rows.provenance], dtype=np.int64)
    events = CrimeEvents(
        x=x,
        y=y,
        months=np.asarray(rows.months, dtype=np.int64),
        times=times,
        categories=np.array([codes[name] for name in rows.categories], dtype=np.int64),
        category_names=category_names,
        provenance=provenance,
        provenance_names=provenance_names,
    )
    return events.subset(in_range)
