"""One converter builds every record from its row: same-named attributes, what the caller gives over them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from watchkeeper.governance.records import record_from_row


@dataclass(frozen=True, slots=True, kw_only=True)
class Shown:
    name: str
    faces: int
    label: str | None


class Row:
    name = "custody"
    faces = 9
    label = "from the row"
    internal = "never shown"


def test_fields_come_from_the_row_unless_given() -> None:
    assert record_from_row(Shown, Row(), faces=3) == Shown(name="custody", faces=3, label="from the row")
    assert record_from_row(Shown, Row(), label=None).label is None  # given as None is still given


def test_a_field_the_row_lacks_must_be_given() -> None:
    with pytest.raises(AttributeError, match="faces"):
        record_from_row(Shown, object(), name="x", label=None)


def test_a_given_name_that_is_no_field_is_refused() -> None:
    with pytest.raises(TypeError, match="Shown has no field 'internal'"):
        record_from_row(Shown, Row(), internal="x")
