"""Integers a request names in its path, query or headers, bounded by what the database can store.

Ids, audit sequence numbers and positions in a listing are compared with database columns, and SQLite's
INTEGER and PostgreSQL's BIGINT hold signed 64-bit values: a larger number cannot name any record, and
passing it on would fail inside the database driver as a server error. Bounding it here refuses it as an
out-of-range parameter (422) before any handler runs, and publishes the bound in the OpenAPI document.
"""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval

DATABASE_INTEGER_MAX = 2**63 - 1
"""The largest integer a database column holds."""

RecordNumber = Annotated[int, Interval(ge=0, le=DATABASE_INTEGER_MAX)]
"""A record's id, an audit sequence number, or a position in a listing."""
