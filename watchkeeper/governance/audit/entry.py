"""One audit entry and its canonical bytes, the exact input of its Merkle leaf hash.

**The canonical encoding** (what an outside verifier reimplements to check an entry's content): the UTF-8
bytes of one JSON object with exactly the keys ``action``, ``actor``, ``details``, ``reason``, ``role``,
``sequence``, ``target`` and ``timestamp``, written

* with keys sorted by code point at every level (``details`` too) and no whitespace between tokens
  (separators ``,`` and ``:``), with non-ASCII characters as themselves rather than ``\\u`` escapes;
* ``sequence`` as a decimal integer: the entry's 0-based position in the log;
* ``timestamp`` as an RFC 3339 UTC time with exactly six fractional digits and ``Z``
  (``2025-01-31T14:05:09.000120Z``);
* strings as Python's :func:`json.dumps` writes them (``"``, ``\\`` and control characters escaped, the
  rest literal); integers in decimal, within the signed 64-bit range; floats as Python's shortest
  round-trip ``repr`` (NaN and infinities are not allowed); ``true``, ``false``, ``null``.

The leaf hash is ``SHA-256(0x00 || canonical bytes)`` (:func:`~.merkle.leaf_hash`). A verifier only ever
*hashes stored bytes*, so it need not re-encode anything; :meth:`AuditEntry.from_canonical_bytes` refuses
bytes that are not in exactly this form, so one entry has one encoding and one leaf hash.

The sequence number is inside the hashed bytes, so an entry moved to another position cannot pass for the
entry that belongs there; removals and reorderings also change every later root (see :mod:`.verify`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeAlias

from watchkeeper.governance.audit.errors import EntryError
from watchkeeper.governance.audit.merkle import leaf_hash

JsonValue: TypeAlias = "str | int | float | bool | list[JsonValue] | dict[str, JsonValue] | None"

_ACTION_PATTERN = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
_TIMESTAMP_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
_FIELDS = ("action", "actor", "details", "reason", "role", "sequence", "target", "timestamp")
_MAX_DEPTH = 32


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with microseconds and 'Z', e.g. ``2025-01-31T14:05:09.000120Z``."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _check_text(value: object, name: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise EntryError(f"audit entry {name} must be a string, got {type(value).__name__}")
    if not value and not allow_empty:
        raise EntryError(f"audit entry {name} must not be empty")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EntryError(f"audit entry {name} is not valid Unicode text: {value!r}") from exc
    return value


def _copy_json(value: object, where: str, depth: int = 0) -> JsonValue:
    """A deep copy of ``value`` if it is JSON data this format allows; EntryError naming the path otherwise."""
    if depth > _MAX_DEPTH:
        raise EntryError(f"audit entry {where} is nested more than {_MAX_DEPTH} levels deep")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -(2**63) <= value < 2**63:
            raise EntryError(f"audit entry {where} is {value}, outside the signed 64-bit range")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise EntryError(f"audit entry {where} is {value}, which JSON cannot carry")
        return value
    if isinstance(value, str):
        return _check_text(value, where, allow_empty=True)
    if isinstance(value, list):
        return [_copy_json(item, f"{where}[{index}]", depth + 1) for index, item in enumerate(value)]
    if isinstance(value, dict):
        copied: dict[str, JsonValue] = {}
        for key, item in value.items():
            _check_text(key, f"{where} key {key!r}", allow_empty=True)
            copied[key] = _copy_json(item, f"{where}.{key}", depth + 1)
        return copied
    raise EntryError(f"audit entry {where} must be JSON data (str, int, float, bool, None, list, dict), got {value!r}")


@dataclass(frozen=True)
class AuditEntry:
    """One audited act: who (actor, in role) did what (action) to what (target), when, why, and with what.

    ``timestamp`` must be timezone-aware; it is stored in UTC. ``reason`` is the stated justification and may
    be empty only for acts of the system itself. ``details`` is deep-copied on construction, so changing the
    dict passed in does not change the entry (or its hash); do not mutate ``entry.details`` either.
    """

    sequence: int
    timestamp: datetime
    actor: str
    role: str
    action: str
    target: str
    reason: str
    details: Mapping[str, JsonValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.sequence, bool) or not isinstance(self.sequence, int) or not 0 <= self.sequence < 2**63:
            raise EntryError(f"audit entry sequence must be an integer from 0 to 2**63 - 1, got {self.sequence!r}")
        if not isinstance(self.timestamp, datetime) or self.timestamp.utcoffset() is None:
            raise EntryError(f"audit entry timestamp must be a timezone-aware datetime, got {self.timestamp!r}")
        try:
            object.__setattr__(self, "timestamp", self.timestamp.astimezone(UTC))
        except OverflowError as exc:
            raise EntryError(f"audit entry timestamp {self.timestamp!r} is outside the years 1 to 9999 in UTC") from exc
        _check_text(self.actor, "actor")
        _check_text(self.role, "role")
        _check_text(self.target, "target")
        _check_text(self.reason, "reason", allow_empty=True)
        if not isinstance(self.action, str) or not _ACTION_PATTERN.fullmatch(self.action):
            raise EntryError(
                f"audit entry action must be dotted lower-case words like 'subject.enrol': {self.action!r}"
            )
        if not isinstance(self.details, Mapping):
            raise EntryError(f"audit entry details must be a dict, got {type(self.details).__name__}")
        object.__setattr__(self, "details", _copy_json(dict(self.details), "details"))

    def canonical_bytes(self) -> bytes:
        """The entry in the canonical encoding described in this module's documentation."""
        document = {
            "action": self.action,
            "actor": self.actor,
            "details": self.details,
            "reason": self.reason,
            "role": self.role,
            "sequence": self.sequence,
            "target": self.target,
            "timestamp": format_timestamp(self.timestamp),
        }
        text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        return text.encode("utf-8")

    def leaf_hash(self) -> bytes:
        """The Merkle leaf hash of :meth:`canonical_bytes`."""
        return leaf_hash(self.canonical_bytes())

    @classmethod
    def from_canonical_bytes(cls, data: bytes) -> AuditEntry:
        """The entry encoded in ``data``; EntryError if ``data`` is not exactly a canonical encoding."""
        document = _parse_object(data)
        missing = sorted(set(_FIELDS) - document.keys())
        extra = sorted(document.keys() - set(_FIELDS))
        if missing or extra:
            raise EntryError(f"audit entry fields: missing {missing}, unexpected {extra}")
        timestamp = document["timestamp"]
        if not isinstance(timestamp, str) or not _TIMESTAMP_PATTERN.fullmatch(timestamp):
            raise EntryError(f"audit entry timestamp must look like 2025-01-31T14:05:09.000120Z, got {timestamp!r}")
        try:
            moment = datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        except ValueError as exc:
            raise EntryError(f"audit entry timestamp {timestamp!r} is not a valid time") from exc
        entry = cls(
            sequence=document["sequence"],
            timestamp=moment,
            actor=document["actor"],
            role=document["role"],
            action=document["action"],
            target=document["target"],
            reason=document["reason"],
            details=document["details"],
        )
        if entry.canonical_bytes() != data:
            raise EntryError("audit entry bytes are valid JSON but not in canonical form (order, spacing or escapes)")
        return entry


def _reject_constant(name: str) -> None:
    raise EntryError(f"audit entry contains {name}, which canonical JSON does not allow")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise EntryError(f"audit entry has the key {key!r} twice")
        result[key] = value
    return result


def _parse_object(data: object) -> dict[str, Any]:
    if not isinstance(data, bytes):
        raise EntryError(f"stored audit entry must be bytes, got {type(data).__name__}")
    try:
        text = data.decode("utf-8")
        document = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise EntryError(f"audit entry is not UTF-8: {exc}") from exc
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, or an integer too long to convert
        raise EntryError(f"audit entry is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise EntryError(f"audit entry must be a JSON object, got {type(document).__name__}")
    return document
