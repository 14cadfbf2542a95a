"""Audit entries as a person reads them: each act by a readable name, its details as labelled fields.

Both come from the typed events (:mod:`watchkeeper.governance.audit.events`), never from a template per
act: the name from the event's class (``SubjectEnrolled``: "Subject enrolled"), the fields from its
dataclass fields, each labelled by its name, its value shown by its type (times in UTC, dates written
out, lists joined, nested objects as fields of their own). An act this version does not know is shown
from its raw details the same way, so nothing the log holds is hidden.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum

from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.errors import EventError
from watchkeeper.governance.audit.events import KINDS, AuditEvent, read_entry
from watchkeeper.web.pages import utc_time

_ACRONYMS = {"Foi": "FOI"}
"""Words of the events' class names that are written in capitals."""
NOTHING = "none"
"""What an absent value (None, an empty text or list) shows as."""


@dataclass(frozen=True)
class Field:
    """One labelled value; a value with parts of its own (an object, a list of objects) has ``fields``."""

    label: str
    text: str = ""
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Described:
    """An entry's act by name, and its details."""

    name: str
    fields: tuple[Field, ...]


def action_name(kind: type[AuditEvent]) -> str:
    """The act's readable name, from its class's: ``FoiAnswersDrafted`` is "FOI answers drafted"."""
    words = [_ACRONYMS.get(word, word) for word in re.findall(r"[A-Z][a-z0-9]*", kind.__name__)]
    return " ".join([words[0], *(word if word.isupper() else word.lower() for word in words[1:])])


ACTIONS: tuple[tuple[str, str], ...] = tuple(
    sorted({kind.ACTION: action_name(kind) for kind in reversed(KINDS)}.items(), key=lambda item: item[1])
)
"""Every action the log records with its readable name, by name (an action two classes share, such as
enrolment, is named after the first in :data:`KINDS`)."""


def described(entry: AuditEntry) -> Described:
    """``entry``'s act and details, read as its typed event when this version knows it."""
    try:
        event = read_entry(entry).event
    except EventError:
        return Described(entry.action, _fields(dict(entry.details)))
    values = {field.name: getattr(event, field.name) for field in dataclasses.fields(event)}  # type: ignore[arg-type]
    return Described(action_name(type(event)), _fields(values))


def _fields(values: Mapping[str, object]) -> tuple[Field, ...]:
    return tuple(_field(_label(name), value) for name, value in values.items())


def _label(name: str) -> str:
    """A field's name made readable: ``amount_pence`` is "Amount pence"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _field(label: str, value: object) -> Field:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = _fields({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    elif isinstance(value, Mapping):
        parts = _fields({str(key): item for key, item in value.items()})
    elif isinstance(value, (tuple, list)) and not all(_is_plain(item) for item in value):
        parts = tuple(_field(str(number), item) for number, item in enumerate(value, 1))
    elif isinstance(value, (tuple, list)):
        return Field(label, ", ".join(_text(item) for item in value) or NOTHING)
    else:
        return Field(label, _text(value))
    return Field(label, fields=parts) if parts else Field(label, NOTHING)


def _is_plain(value: object) -> bool:
    return not isinstance(value, (tuple, list, Mapping)) and not dataclasses.is_dataclass(value)


def _text(value: object) -> str:
    """A single value as text: by its type, so a date reads as a date and a yes as a yes."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value).replace("_", " ")
    if isinstance(value, datetime):
        return utc_time(value)
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value)
