from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from pyproj import CRS

from watchkeeper.errors import InputError
from watchkeeper.forecasting.crime_import import (
    BRITISH_NATIONAL_GRID,
    RejectReason,
    month_index,
    month_label,
    read_crime_csv,
    to_metres,
)

POLICE_UK_HEADER = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
    "Last outcome category,Context"
)
LEEDS = "-1.549077,53.800755"


def police_uk_row(month: str, coordinates: str, crime_type: str) -> str:
    return f",{month},West Yorkshire Police,West Yorkshire Police,{coordinates},On or near X,E01,Leeds 1,{crime_type},,"


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "crime.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("month", "rows", "without_coordinates", "sha256"),
    [
        ("2016-07", 27_176, 1_347, "dc96429481805915d9e660e0c313eabc0e5d05d6cfb9e873f33ceb4c50eabf1c"),
        ("2017-07", 28_537, 1_541, "007e051653ad9635eacd0657d2f0111123835086983f5dfd9b12aeec406148ca"),
    ],
)
def test_the_shared_months_report_exactly_their_rows_without_coordinates(
    crime_dir: Path, month: str, rows: int, without_coordinates: int, sha256: str
) -> None:
    """The counts and hashes are SOURCES.md's; every other row is kept, in West Yorkshire's part of the grid."""
    imported = read_crime_csv(crime_dir / "west-yorkshire" / f"{month}-west-yorkshire-street.csv")
    assert imported.layout == "police_uk"
    assert imported.sha256 == sha256
    assert imported.rows_read == rows
    assert imported.rejected == {RejectReason.NO_COORDINATES: without_coordinates}
    assert imported.rows_kept == rows - without_coordinates
    events = imported.events
    assert events.times is None
    assert set(np.unique(events.months)) == {month_index(int(month[:4]), int(month[5:]))}
    assert 380_000 < np.median(events.x) < 450_000
    assert 400_000 < np.median(events.y) < 460_000


def test_a_published_grid_reference_is_reproduced_within_a_millimetre() -> None:
    """Ordnance Survey's worked example of the projection ("A guide to coordinate systems in Great Britain",
    annex C): Caister water tower at OSGB36 52°39'27.2531"N 1°43'4.5177"E is E 651409.903 m, N 313177.270 m.

    This checks the projection from OSGB36 coordinates; data.police.uk gives WGS84, whose datum shift to OSGB36
    pyproj makes by a Helmert transformation good to a few metres, which no published point here checks.
    """
    latitude = 52 + 39 / 60 + 27.2531 / 3600
    longitude = 1 + 43 / 60 + 4.5177 / 3600
    x, y, in_range = to_metres(
        np.array([longitude]), np.array([latitude]), "EPSG:4277", CRS.from_epsg(BRITISH_NATIONAL_GRID)
    )
    assert abs(x[0] - 651_409.903) < 0.001
    assert abs(y[0] - 313_177.270) < 0.001
    assert in_range[0]


def test_every_bad_row_is_counted_by_its_reason(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            POLICE_UK_HEADER,
            police_uk_row("2016-07", LEEDS, "Burglary"),
            police_uk_row("2016-07", LEEDS, "Anti-social behaviour"),
            police_uk_row("2016-07", ",", "Burglary"),
            police_uk_row("2016-07", ",", "Drugs"),
            police_uk_row("2016-07", "-1.5,", "Burglary"),
            police_uk_row("2016-07", "west,north", "Burglary"),
            police_uk_row("2016-07", "nan,53.8", "Burglary"),
            police_uk_row("2016-07", "2.5,48.8", "Burglary"),
            police_uk_row("2016-07", "-1.5,95.0", "Burglary"),
            police_uk_row("July 2016", LEEDS, "Burglary"),
            police_uk_row("2016-13", LEEDS, "Burglary"),
            police_uk_row("2016-07", LEEDS, ""),
        ],
    )
    imported = read_crime_csv(path)
    assert imported.rows_read == 12
    assert imported.rows_kept == 2
    assert imported.rejected == {
        RejectReason.NO_COORDINATES: 2,
        RejectReason.UNPARSABLE_COORDINATES: 3,
        RejectReason.OUT_OF_RANGE: 2,
        RejectReason.UNPARSABLE_TIME: 2,
        RejectReason.NO_CATEGORY: 1,
    }
    assert imported.rows_kept + sum(imported.rejected.values()) == imported.rows_read
    assert imported.events.category_names == ("Anti-social behaviour", "Burglary")


def test_a_generic_file_keeps_times_and_provenance(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [
            "time,longitude,latitude,category,provenance",
            "2024-03-01T22:15:00,-1.549077,53.800755,burglary,public",
            "2024-03-02,-1.55,53.80,burglary,patrol",
            "2024-04-05T01:00:00+01:00,-1.55,53.81,robbery,public",
        ],
    )
    events = read_crime_csv(path).events
    assert events.times is not None
    assert [str(time) for time in events.times] == ["2024-03-01T22:15:00", "2024-03-02T00:00:00", "2024-04-05T00:00:00"]
    assert [month_label(int(month)) for month in events.months] == ["2024-03", "2024-03", "2024-04"]
    assert events.provenance_names == ("patrol", "public")
    assert events.provenance is not None
    assert events.provenance.tolist() == [1, 0, 1]


def test_a_month_in_a_generic_file_makes_the_whole_import_month_only(tmp_path: Path) -> None:
    path = write(
        tmp_path, ["time,longitude,latitude,category", "2024-03-01T22:15:00,-1.55,53.80,x", "2024-03,-1.55,53.80,x"]
    )
    events = read_crime_csv(path).events
    assert events.times is None
    assert events.provenance is None
    assert len(events) == 2


def test_x_and_y_are_taken_in_the_given_crs_and_checked_against_its_area(tmp_path: Path) -> None:
    path = write(tmp_path, ["time,x,y,category", "2024-03,430000,433000,x", "2024-03,4300000,433000,x"])
    imported = read_crime_csv(path, epsg=BRITISH_NATIONAL_GRID)
    assert imported.events.x.tolist() == [430_000.0]
    assert imported.events.y.tolist() == [433_000.0]
    assert imported.rejected == {RejectReason.OUT_OF_RANGE: 1}


def test_police_discovered_categories_are_left_out_unless_named(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        [POLICE_UK_HEADER]
        + [police_uk_row("2016-07", LEEDS, kind) for kind in ("Burglary", "Drugs", "Possession of weapons", "Robbery")],
    )
    events = read_crime_csv(path).events
    kept = events.of_categories()
    assert sorted(events.category_names[code] for code in kept.categories) == ["Burglary", "Robbery"]
    assert len(events.of_categories(("Drugs",))) == 1
    assert len(events.of_categories(("Arson",))) == 0


@pytest.mark.parametrize(
    ("lines", "epsg", "complaint"),
    [
        (["when,where,what", "2024-03,here,x"], BRITISH_NATIONAL_GRID, "header is when, where, what"),
        (["time,longitude,latitude,category"], 4326, "not a projected CRS in metres"),
        (["time,longitude,latitude,category"], 999_999, "not a coordinate reference system"),
    ],
)
def test_an_unusable_file_or_crs_is_refused_saying_why(
    tmp_path: Path, lines: list[str], epsg: int, complaint: str
) -> None:
    with pytest.raises(InputError, match=complaint):
        read_crime_csv(write(tmp_path, lines), epsg=epsg)


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be read"):
        read_crime_csv(tmp_path / "absent.csv")
