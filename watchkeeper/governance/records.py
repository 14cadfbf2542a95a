"""Records from rows, in one place: a service's record is its row's columns of the same names, plus what
the row does not hold itself (a count, a related row's name, a column named otherwise), given by the caller.

The column types (:mod:`watchkeeper.governance.codecs`) already read each value as the record holds it
(enumeration members, tuples, descriptors), so nothing here knows any table or record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from typing import TYPE_CHECKING, TypeVar, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Record = TypeVar("Record", bound="DataclassInstance")


def record_from_row(record_class: type[Record], row: object, **given: object) -> Record:
    """``record_class`` with each field from ``given`` if there, else from ``row``'s attribute of that name.

    A name in ``given`` that is no field of the record is a mistake at the call site, refused at once
    rather than silently dropped.
    """
    names = [field.name for field in fields(record_class) if field.init]
    unknown = sorted(given.keys() - set(names))
    if unknown:
        raise TypeError(f"{record_class.__name__} has no field {unknown[0]!r}")
    build = cast(Callable[..., Record], record_class)
    return build(**{name: given[name] if name in given else getattr(row, name) for name in names})
