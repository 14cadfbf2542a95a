"""Audit entries: one canonical encoding, exact round trips, and clear errors for anything else."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from watchkeeper.governance.audit.entry import AuditEntry, JsonValue
from watchkeeper.governance.audit.errors import EntryError

MOMENT = datetime(2025, 1, 31, 14, 5, 9, 120, tzinfo=UTC)


def make_entry(**changes: Any) -> AuditEntry:
    fields: dict[str, Any] = {
        "sequence": 7,
        "timestamp": MOMENT,
        "actor": "inspector.ng",
        "role": "operator",
        "action": "search.run",
        "target": "gallery:custody",
        "reason": "case 2025/118: identify the suspect on CCTV still 4",
        "details": {"threshold": 0.6, "candidates": 5, "probe": "sha256:ab12", "flags": ["manual"], "note": None},
    }
    fields.update(changes)
    return AuditEntry(**fields)


def test_canonical_bytes_are_the_documented_json() -> None:
    expected = (
        '{"action":"search.run","actor":"inspector.ng","details":{"candidates":5,"flags":["manual"],"note":null,'
        '"probe":"sha256:ab12","threshold":0.6},"reason":"case 2025/118: identify the suspect on CCTV still 4",'
        '"role":"operator","sequence":7,"target":"gallery:custody","timestamp":"2025-01-31T14:05:09.000120Z"}'
    )
    entry = make_entry()
    assert entry.canonical_bytes() == expected.encode()
    assert entry.leaf_hash() == hashlib.sha256(b"\x00" + expected.encode()).digest()


def test_non_ascii_text_is_written_as_utf8_not_escaped() -> None:
    entry = make_entry(actor="Zoë Ó Briain", reason="naïve \u2014 \U0001f600", details={"ключ": "значение"})
    data = entry.canonical_bytes()
    assert "Zoë Ó Briain".encode() in data
    assert "\U0001f600".encode() in data
    assert b"\\u" not in data
    assert AuditEntry.from_canonical_bytes(data) == entry


def test_timestamps_are_stored_in_utc() -> None:
    plus_two = timezone(timedelta(hours=2))
    entry = make_entry(timestamp=datetime(2025, 1, 31, 16, 5, 9, 120, tzinfo=plus_two))
    assert entry.timestamp == MOMENT
    assert entry.timestamp.utcoffset() == timedelta(0)
    assert entry.canonical_bytes() == make_entry().canonical_bytes()


def test_early_years_keep_four_digits_and_overflow_is_an_entry_error() -> None:
    early = make_entry(timestamp=datetime(999, 1, 1, tzinfo=UTC))
    assert b'"timestamp":"0999-01-01T00:00:00.000000Z"' in early.canonical_bytes()
    assert AuditEntry.from_canonical_bytes(early.canonical_bytes()) == early
    with pytest.raises(EntryError, match="outside the years 1 to 9999"):
        make_entry(timestamp=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))))


def test_details_are_copied_so_later_changes_do_not_alter_the_entry() -> None:
    details: dict[str, JsonValue] = {"list": [1, 2]}
    entry = make_entry(details=details)
    before = entry.canonical_bytes()
    inner = details["list"]
    assert isinstance(inner, list)
    inner.append(3)
    details["new"] = "value"
    assert entry.canonical_bytes() == before


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@given(
    sequence=st.integers(0, 2**63 - 1),
    timestamp=st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones(), allow_imaginary=False
    ),
    actor=st.text(min_size=1),
    role=st.text(min_size=1),
    action=st.from_regex(r"[a-z][a-z0-9_]{0,8}(\.[a-z][a-z0-9_]{0,8}){1,3}", fullmatch=True),
    target=st.text(min_size=1),
    reason=st.text(),
    details=st.dictionaries(st.text(max_size=10), json_values, max_size=5),
)
def test_round_trip_is_exact(**fields: Any) -> None:
    entry = AuditEntry(**fields)
    data = entry.canonical_bytes()
    decoded = AuditEntry.from_canonical_bytes(data)
    assert decoded == entry
    assert decoded.canonical_bytes() == data


def edit(**changes: Any) -> bytes:
    document = json.loads(make_entry().canonical_bytes())
    document.update(changes)
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{", "not valid JSON"),
        (b"[]", "must be a JSON object, got list"),
        (b'{"a":1,"a":2}', "the key 'a' twice"),
        (edit(extra=1), r"unexpected \['extra'\]"),
        (edit(sequence=-1), "sequence must be an integer from 0"),
        (edit(sequence=True), "sequence must be an integer"),
        (edit(sequence="7"), "sequence must be an integer"),
        (edit(timestamp="2025-01-31T14:05:09Z"), "timestamp must look like"),
        (edit(timestamp="2025-02-30T14:05:09.000000Z"), "not a valid time"),
        (edit(actor=""), "actor must not be empty"),
        (edit(action="Search Run"), "action must be dotted lower-case"),
        (edit(details=[]), "details must be a dict"),
        (edit(details={"x": float("nan")}), "contains NaN"),
        (edit(details={"big": 2**64}), "outside the signed 64-bit range"),
        (edit(sequence=7.0), "sequence must be an integer"),
        (make_entry().canonical_bytes().replace(b",", b", ", 1), "not in canonical form"),
        (make_entry().canonical_bytes().replace(b"0.6", b"6e-1"), "not in canonical form"),
        (make_entry().canonical_bytes().replace(b"inspector.ng", b"inspector\\u002eng"), "not in canonical form"),
        (b"{" + b'"a":' * 2000 + b"1" + b"}" * 2000, "not valid JSON|nested more than"),
        (b'{"n":' + b"9" * 5000 + b"}", "not valid JSON"),
        (b" " + make_entry().canonical_bytes(), "not in canonical form"),
    ],
)
def test_malformed_bytes_are_rejected_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(EntryError, match=message):
        AuditEntry.from_canonical_bytes(data)


def test_key_order_is_part_of_the_canonical_form() -> None:
    document = json.loads(make_entry().canonical_bytes())
    reversed_order = json.dumps(dict(reversed(document.items())), separators=(",", ":"), ensure_ascii=False)
    with pytest.raises(EntryError, match="not in canonical form"):
        AuditEntry.from_canonical_bytes(reversed_order.encode())


@given(st.binary(max_size=300))
def test_garbage_raises_only_entry_error(data: bytes) -> None:
    with pytest.raises(EntryError):
        AuditEntry.from_canonical_bytes(data)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"timestamp": datetime(2025, 1, 31)}, "timezone-aware"),
        ({"timestamp": "2025-01-31"}, "timezone-aware"),
        ({"role": ""}, "role must not be empty"),
        ({"target": 42}, "target must be a string, got int"),
        ({"reason": "\ud800"}, "reason is not valid Unicode"),
        ({"action": "enrol"}, "dotted lower-case"),
        ({"details": {"when": datetime(2025, 1, 1)}}, r"details\.when must be JSON data"),
        ({"details": {"values": [1, (2, 3)]}}, r"details\.values\[1\] must be JSON data"),
        ({"details": {1: "x"}}, "key 1 must be a string"),
        ({"details": {"x": float("inf")}}, "JSON cannot carry"),
        ({"details": "text"}, "details must be a dict"),
    ],
)
def test_invalid_fields_are_rejected(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(EntryError, match=message):
        make_entry(**changes)


def test_empty_reason_is_allowed_for_system_actions() -> None:
    entry = make_entry(actor="system", role="system", action="retention.enforce", reason="", details={})
    assert AuditEntry.from_canonical_bytes(entry.canonical_bytes()) == entry
