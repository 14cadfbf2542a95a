"""Choosing audit entries by what they record (action, actor, target, day), in the database's own query.

Every condition reads the entry's canonical bytes, the very bytes its leaf hash covers, through the
database's JSON functions; no column beside them is trusted. So an entry a filter leaves out cannot have
been hidden by editing some copy of its action or actor that verification never sees: changing what a
filter reads changes the hashed bytes, and verification finds it. Entries whose content retention pruned
match no condition (they record nothing any more), and show only when nothing is filtered on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import JSON, ColumnElement
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from watchkeeper.errors import InputError
from watchkeeper.governance.audit.entry import AuditEntry, format_timestamp
from watchkeeper.governance.schema import AuditEntryRow


@dataclass(frozen=True)
class EntryFilter:
    """Which entries to show: each condition given narrows the selection, none given selects all.

    ``action`` and ``actor`` match exactly (an action name such as ``subject.enrol``, a user's name);
    ``target`` matches any target containing it, whatever the case (``subject:obama`` finds that subject in
    every gallery); ``first_day`` and ``last_day`` bound the entries' UTC dates, both included.
    """

    action: str | None = None
    actor: str | None = None
    target: str | None = None
    first_day: date | None = None
    last_day: date | None = None

    def __post_init__(self) -> None:
        if self.first_day and self.last_day and self.first_day > self.last_day:
            raise InputError("to", f"the last day {self.last_day} is before the first day {self.first_day}")


class _CanonicalJson(FunctionElement[Any]):
    """A stored entry's canonical bytes read as the JSON document they are, on either database."""

    type = JSON()
    name = "canonical_json"
    inherit_cache = True


@compiles(_CanonicalJson, "sqlite")
def _sqlite_json(element: _CanonicalJson, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite reads a BLOB given to its JSON functions as its binary JSONB format: the bytes are text here.
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(_CanonicalJson, "postgresql")
def _postgresql_json(element: _CanonicalJson, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(convert_from({compiler.process(element.clauses, **kw)}, 'UTF8') AS JSONB)"


def _recorded(key: str) -> ColumnElement[str]:
    """One top-level field of the stored entries' canonical bytes, as text (NULL for a pruned entry)."""
    field: ColumnElement[str] = _CanonicalJson(AuditEntryRow.canonical)[key].as_string()
    return field


def _day_start(day: date) -> str:
    """The canonical timestamp of midnight UTC that starts ``day``: canonical timestamps are all written
    alike (fixed width, UTC, ``Z``), so comparing them as text compares them as times."""
    return format_timestamp(datetime.combine(day, time(), UTC))


def conditions(criteria: EntryFilter) -> list[ColumnElement[bool]]:
    """The WHERE conditions of ``criteria`` over :class:`AuditEntryRow`."""
    chosen: list[ColumnElement[bool]] = []
    if criteria.action is not None:
        chosen.append(_recorded("action") == criteria.action)
    if criteria.actor is not None:
        chosen.append(_recorded("actor") == criteria.actor)
    if criteria.target is not None:
        chosen.append(_recorded("target").icontains(criteria.target, autoescape=True))
    if criteria.first_day is not None:
        chosen.append(_recorded("timestamp") >= _day_start(criteria.first_day))
    if criteria.last_day is not None:
        chosen.append(_recorded("timestamp") < _day_start(criteria.last_day + timedelta(days=1)))
    return chosen


@dataclass(frozen=True)
class EntryPage:
    """A page of the entries a filter selects, newest first, and where the pages beside it start.

    Pages are bounded by sequence numbers, not offsets, so a page stays the same while entries are
    appended: ``older`` and ``newer`` are the ``before`` of the neighbouring pages (None when there is none).
    """

    entries: list[tuple[int, AuditEntry | None]]
    older: int | None
    newer: int | None
