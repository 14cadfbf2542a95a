"""The column types store what the records hold and refuse what they cannot store faithfully."""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

import numpy as np
import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import StatementError

from watchkeeper.governance.codecs import DescriptorColumn, EnumList, EnumText, StringList
from watchkeeper.types import DESCRIPTOR_SIZE


class Colour(StrEnum):
    RED = "red"
    GREEN = "green"


METADATA = MetaData()
VALUES = Table(
    "codec_values",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("descriptor", DescriptorColumn(), nullable=True),
    Column("names", StringList(), nullable=True),
    Column("colour", EnumText(Colour, 10), nullable=True),
    Column("colours", EnumList(Colour), nullable=True),
)


@pytest.fixture
def connection() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    METADATA.create_all(engine)
    with engine.begin() as connection:
        yield connection
    engine.dispose()


def stored(connection: Connection, **values: object) -> tuple[object, ...]:
    """The row as written by the column types and as the database holds it (read without them)."""
    connection.execute(insert(VALUES).values(id=1, **values))
    raw = connection.exec_driver_sql("SELECT descriptor, names, colour, colours FROM codec_values").one()
    return tuple(raw)


def read(connection: Connection) -> tuple[object, ...]:
    return tuple(
        connection.execute(select(VALUES.c.descriptor, VALUES.c.names, VALUES.c.colour, VALUES.c.colours)).one()
    )


def test_a_descriptor_is_stored_as_little_endian_float32_and_read_back_read_only(connection: Connection) -> None:
    descriptor = np.linspace(-1.0, 1.0, DESCRIPTOR_SIZE)  # float64 on the way in
    raw = stored(connection, descriptor=descriptor)[0]
    assert raw == descriptor.astype("<f4").tobytes()
    back = read(connection)[0]
    assert isinstance(back, np.ndarray)
    assert back.dtype == np.float32
    assert back.shape == (DESCRIPTOR_SIZE,)
    np.testing.assert_array_equal(back, descriptor.astype(np.float32))
    with pytest.raises(ValueError, match="read-only"):
        back[0] = 5.0


@pytest.mark.parametrize("shape", [(DESCRIPTOR_SIZE - 1,), (1, DESCRIPTOR_SIZE), (2 * DESCRIPTOR_SIZE,)])
def test_a_descriptor_of_the_wrong_shape_is_refused_and_nothing_is_written(
    connection: Connection, shape: tuple[int, ...]
) -> None:
    with pytest.raises(StatementError, match=f"{DESCRIPTOR_SIZE} values"):
        connection.execute(insert(VALUES).values(id=1, descriptor=np.zeros(shape, dtype=np.float32)))
    assert connection.exec_driver_sql("SELECT count(*) FROM codec_values").scalar() == 0


def test_a_stored_descriptor_of_the_wrong_length_is_refused_on_reading(connection: Connection) -> None:
    connection.exec_driver_sql("INSERT INTO codec_values (id, descriptor) VALUES (1, ?)", (bytes(12),))
    with pytest.raises(ValueError, match="12 bytes"):
        read(connection)


def test_lists_keep_commas_order_and_text_and_read_back_as_tuples(connection: Connection) -> None:
    names = ("Gate 3, north", "façade", "", "gate-1")
    raw = stored(connection, names=names, colours=(Colour.GREEN, "red"))
    assert raw[1] == '["Gate 3, north", "façade", "", "gate-1"]'
    assert raw[3] == '["green", "red"]'
    assert read(connection)[1] == names
    assert read(connection)[3] == (Colour.GREEN, Colour.RED)


@pytest.mark.parametrize("value", ["gate-1", ("gate-1", 3)])
def test_a_list_column_refuses_anything_but_a_sequence_of_texts(connection: Connection, value: object) -> None:
    with pytest.raises(StatementError, match="sequence of texts"):
        connection.execute(insert(VALUES).values(id=1, names=value))


def test_an_enumeration_is_stored_as_its_value_and_read_back_as_its_member(connection: Connection) -> None:
    assert stored(connection, colour=Colour.RED)[2] == "red"
    back = read(connection)[2]
    assert back is Colour.RED


@pytest.mark.parametrize("column", ["colour", "colours"])
def test_a_value_outside_the_enumeration_is_refused(connection: Connection, column: str) -> None:
    value: object = "blue" if column == "colour" else ("red", "blue")
    with pytest.raises(StatementError, match="'blue' is not a valid Colour"):
        connection.execute(insert(VALUES).values(id=1, **{column: value}))


def test_empty_columns_stay_empty(connection: Connection) -> None:
    assert stored(connection) == (None, None, None, None)
    assert read(connection) == (None, None, None, None)
