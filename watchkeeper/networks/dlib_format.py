"""Primitive values of dlib's binary serialization format (dlib/serialize.h), read from an in-memory buffer.

dlib writes its networks as a stream of self-delimiting primitives with no framing or checksum, so a
truncated or damaged file is only noticed when a primitive cannot be decoded or a value is implausible.
Every read here is bounds-checked and every failure is a :class:`FormatError` carrying the byte offset,
so that the layer reader can say exactly where and in which layer a file went wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float32]

_TENSOR_VERSION = 2
_ALIAS_TENSOR_VERSION = 1
_MAX_STRING = 1 << 16
"""No tag or name in a network file is anywhere near this long; a larger length means a damaged file."""
_MAX_ELEMENTS = 1 << 28
"""Upper bound on a tensor's element count (1 GiB of float32): a damaged dimension must not exhaust memory."""
_SPECIAL_EXPONENTS = {32000: math.inf, 32001: -math.inf, 32002: math.nan}


class FormatError(Exception):
    """A primitive could not be decoded at ``offset``; ``reason`` says what was expected."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"{reason} at byte {offset}")
        self.offset = offset
        self.reason = reason


@dataclass(frozen=True, slots=True)
class TensorShape:
    """dlib's four tensor dimensions: samples, channels (k), rows and columns."""

    num_samples: int
    k: int
    nr: int
    nc: int

    @property
    def size(self) -> int:
        return self.num_samples * self.k * self.nr * self.nc

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.num_samples, self.k, self.nr, self.nc)


class ByteReader:
    """Sequential, bounds-checked reads of dlib primitives from ``data``, starting at ``offset``."""

    def __init__(self, data: bytes, offset: int = 0) -> None:
        self._data = data
        self.offset = offset

    @property
    def remaining(self) -> int:
        return len(self._data) - self.offset

    def peek_uint(self) -> int | None:
        """The unsigned integer at the current position without consuming it, or None if none can be read.

        The reader needs this because a version integer and a string's length prefix look alike: only the
        value tells where a run of layer versions ends and the input layer's tag begins.
        """
        start = self.offset
        try:
            return self.read_uint()
        except FormatError:
            return None
        finally:
            self.offset = start

    def take(self, count: int, what: str) -> bytes:
        """``count`` raw bytes; a short read means the file is truncated."""
        if count < 0 or count > self.remaining:
            raise FormatError(self.offset, f"truncated: {what} needs {count} bytes, only {max(self.remaining, 0)} left")
        chunk = self._data[self.offset : self.offset + count]
        self.offset += count
        return chunk

    def _int_body(self, what: str) -> tuple[bool, int]:
        start = self.offset
        control = self.take(1, what)[0]
        size = control & 0x0F
        if control & 0x70 or size == 0 or size > 8:
            raise FormatError(start, f"invalid integer control byte 0x{control:02x} for {what}")
        magnitude = int.from_bytes(self.take(size, what), "little")
        return bool(control & 0x80), magnitude

    def read_int(self, what: str = "integer") -> int:
        """A signed integer: control byte (bit 7 sign, low nibble 1..8 bytes), then |value| little-endian."""
        negative, magnitude = self._int_body(what)
        return -magnitude if negative else magnitude

    def read_uint(self, what: str = "unsigned integer") -> int:
        """An unsigned integer: as :meth:`read_int`, but a set sign bit is an error, as in dlib."""
        start = self.offset
        negative, magnitude = self._int_body(what)
        if negative:
            self.offset = start
            raise FormatError(start, f"negative value where {what} must be unsigned")
        return magnitude

    def read_bool(self, what: str = "bool") -> bool:
        """dlib writes bools as the ASCII characters '1' and '0'."""
        start = self.offset
        value = self.take(1, what)
        if value == b"1":
            return True
        if value == b"0":
            return False
        raise FormatError(start, f"invalid bool byte 0x{value[0]:02x} for {what}")

    def read_byte(self, what: str = "byte") -> int:
        return self.take(1, what)[0]

    def read_float(self, what: str = "float") -> float:
        """A float or double: signed mantissa then signed exponent, value = mantissa * 2**exponent."""
        mantissa = self.read_int(f"{what} (mantissa)")
        start = self.offset
        exponent = self.read_int(f"{what} (exponent)")
        if exponent in _SPECIAL_EXPONENTS:
            return _SPECIAL_EXPONENTS[exponent]
        if abs(exponent) > 2000:
            raise FormatError(start, f"implausible exponent {exponent} for {what}")
        return math.ldexp(float(mantissa), exponent)

    def read_string(self, what: str = "string") -> str:
        """A length-prefixed string; dlib's tags are ASCII, so anything else means a damaged file."""
        start = self.offset
        length = self.read_uint(f"length of {what}")
        if length > _MAX_STRING:
            raise FormatError(start, f"implausible length {length} for {what}")
        raw = self.take(length, what)
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise FormatError(start, f"{what} is not ASCII text") from None

    def _shape(self, what: str) -> TensorShape:
        dims = [self.read_int(f"{what} dimension") for _ in range(4)]
        shape = TensorShape(*dims)
        if min(dims) < 0 or shape.size > _MAX_ELEMENTS:
            raise FormatError(self.offset, f"implausible {what} dimensions {tuple(dims)}")
        return shape

    def read_tensor(self, what: str = "tensor") -> tuple[TensorShape, FloatArray]:
        """A tensor: version 2, four dimensions, then float32 values little-endian in NCHW order."""
        start = self.offset
        version = self.read_int(f"{what} version")
        if version != _TENSOR_VERSION:
            raise FormatError(start, f"unexpected {what} version {version} (expected {_TENSOR_VERSION})")
        shape = self._shape(what)
        raw = self.take(4 * shape.size, f"{what} data")
        values = np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape.as_tuple())
        return shape, values

    def read_alias(self, what: str = "alias tensor") -> TensorShape:
        """An alias_tensor: version 1 and four dimensions; it names a slice of a layer's parameters."""
        start = self.offset
        version = self.read_int(f"{what} version")
        if version != _ALIAS_TENSOR_VERSION:
            raise FormatError(start, f"unexpected {what} version {version} (expected {_ALIAS_TENSOR_VERSION})")
        return self._shape(what)
