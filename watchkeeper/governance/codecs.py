"""Column types that store Python values the way the records use them, so no service converts by hand.

A value is checked on its way in: a descriptor of the wrong length, a list item that is not text or a
value outside its enumeration fails the write (and with it the transaction), never a later read.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any, Generic, TypeVar

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import LargeBinary, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect

from watchkeeper.types import DESCRIPTOR_SIZE, FrameRegion

StoredDescriptor = NDArray[np.float32]
"""One face's descriptor as read from the database: ``(DESCRIPTOR_SIZE,)`` float32, read-only."""

DESCRIPTOR_DTYPE = np.dtype("<f4")
"""Descriptors are stored as little-endian float32 whatever the machine, so a database moves between
machines unchanged."""

Member = TypeVar("Member", bound=StrEnum)


class DescriptorColumn(TypeDecorator[StoredDescriptor]):
    """A face descriptor: ``DESCRIPTOR_SIZE`` little-endian float32 values.

    Read back as a read-only array: a descriptor is what was enrolled or searched with, and an in-place
    change would silently disagree with the row and with the gallery's index.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: NDArray[np.floating[Any]] | None, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        stored = np.asarray(value, dtype=DESCRIPTOR_DTYPE)
        if stored.shape != (DESCRIPTOR_SIZE,):
            raise ValueError(f"a descriptor holds {DESCRIPTOR_SIZE} values, got an array of shape {stored.shape}")
        return stored.tobytes()

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> StoredDescriptor | None:
        if value is None:
            return None
        if len(value) != DESCRIPTOR_SIZE * DESCRIPTOR_DTYPE.itemsize:
            raise ValueError(f"a stored descriptor has {len(value)} bytes, not {DESCRIPTOR_SIZE} float32 values")
        descriptor = np.frombuffer(value, dtype=DESCRIPTOR_DTYPE).astype(np.float32, copy=False)
        descriptor.flags.writeable = False
        return descriptor

    def compare_values(self, x: object, y: object) -> bool:
        if isinstance(x, np.ndarray) and isinstance(y, np.ndarray):
            return bool(np.array_equal(x, y))
        return x is y


class StringList(TypeDecorator[tuple[str, ...]]):
    """Texts in order, stored as a JSON array: any text may be an item (commas included)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: tuple[str, ...] | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, str) or not all(isinstance(item, str) for item in value):
            raise ValueError(f"a list column holds a sequence of texts, got {value!r}")
        return json.dumps(list(value), ensure_ascii=False)

    def process_result_value(self, value: str | None, dialect: Dialect) -> tuple[str, ...] | None:
        if value is None:
            return None
        return tuple(json.loads(value))


class RegionMap(TypeDecorator[dict[str, FrameRegion]]):
    """A frame region per name (a deployment's recognition zone per camera), stored as a JSON object of
    ``[left, top, right, bottom]`` fractions; read back as :class:`~watchkeeper.types.FrameRegion` values."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: dict[str, FrameRegion] | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if not all(isinstance(name, str) and isinstance(region, FrameRegion) for name, region in value.items()):
            raise ValueError(f"a region map holds frame regions by name, got {value!r}")
        edges = {name: [r.left, r.top, r.right, r.bottom] for name, r in sorted(value.items())}
        return json.dumps(edges, ensure_ascii=False)

    def process_result_value(self, value: str | None, dialect: Dialect) -> dict[str, FrameRegion] | None:
        if value is None:
            return None
        edges: dict[str, list[float]] = json.loads(value)
        return {name: FrameRegion(left=e[0], top=e[1], right=e[2], bottom=e[3]) for name, e in edges.items()}


class EnumText(TypeDecorator[Member], Generic[Member]):
    """A member of a text enumeration, stored as its value."""

    impl = String
    cache_ok = True

    def __init__(self, enumeration: type[Member], length: int) -> None:
        super().__init__(length)
        self.enumeration = enumeration

    def process_bind_param(self, value: Member | str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.enumeration(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> Member | None:
        return None if value is None else self.enumeration(value)


class EnumList(TypeDecorator[tuple[Member, ...]], Generic[Member]):
    """Members of a text enumeration in order, stored as a JSON array of their values."""

    impl = Text
    cache_ok = True

    def __init__(self, enumeration: type[Member]) -> None:
        super().__init__()
        self.enumeration = enumeration

    def process_bind_param(self, value: tuple[Member | str, ...] | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return json.dumps([self.enumeration(item).value for item in value])

    def process_result_value(self, value: str | None, dialect: Dialect) -> tuple[Member, ...] | None:
        if value is None:
            return None
        return tuple(self.enumeration(item) for item in json.loads(value))
