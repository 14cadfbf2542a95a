"""Every act the audit log records, one frozen dataclass each: its action name, its typed target and its
typed details. Writers record these objects; readers (reports, FOI answers) get them back typed.

An entry's ``target`` and ``details`` are the interface between the governance core that writes them and
the reports that are computed from them, published figures included. Read back by hand, a renamed or
missing key reads as nothing and prints as 0; read through these classes, it is an :class:`EventError`
naming the entry and the key.

**The encoding is today's.** Each class is the exact shape of what its act has always written, so old logs
still verify and decode: ``TARGET`` is the target's form, its ``{field}`` placeholders filled from the
fields of that name; every other field is one key of ``details`` under its own name (or the ``key`` its
metadata gives; a target field whose act repeats it in the details says so in its metadata too; a nested
dataclass marked flattened gives its fields as keys of the details themselves). Field types encode
as JSON does (``str``, ``int``, ``float``, ``bool``; ``None`` as ``null``; tuples as arrays; mappings as
objects; nested dataclasses as objects of their fields) and ``date`` / ``datetime`` as their
``isoformat()``. A field with :data:`ABSENT_WHEN_DEFAULT` metadata is a key older versions did not write: it is
left out when it holds its default (``None``, or a count's 0), never written as ``null``, and read as
the default when absent. Decoding is strict: an unknown action, a target not of
the form, a missing or unexpected key or a value of another type is an error; and for every entry
written, ``decode(encode(event)) == event`` and re-encoding a decoded entry gives the same canonical bytes
(the recorded-log test replays a log written before these classes existed).

A target is split at the literal text between its placeholders, the first field taking as much as it can
(``deployment:a/camera:b/camera:c`` is deployment ``a/camera:b``, camera ``c``); integer fields match digits
only. Enumerations of the governance services (search purposes, deployment modes, FOI provisions, ...)
are carried as their string values: this package sits below those services and imports none of them.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from watchkeeper.governance.audit.entry import AuditEntry, JsonValue
from watchkeeper.governance.audit.errors import EventError
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.matching.base import IndexKind

_ABSENT_WHEN_DEFAULT = "watchkeeper.audit.absent_when_default"
_ALSO_IN_DETAILS = "watchkeeper.audit.also_in_details"
_FLATTENED = "watchkeeper.audit.flattened"

Json = Mapping[str, object]
"""A free-form JSON object carried as it is (a configuration, calibration evidence)."""


ABSENT_WHEN_DEFAULT = {_ABSENT_WHEN_DEFAULT: True}
"""Field metadata of a details key that older versions did not write: the field's default there (``None``,
a count's 0) means the key is absent, so entries written before it still decode and re-encode the same."""
FLATTENED = {_FLATTENED: True}
"""Field metadata of a nested dataclass whose fields are keys of the details themselves."""
ALSO_IN_DETAILS = {_ALSO_IN_DETAILS: True}
"""Field metadata of a target field that the act repeats as a key of its details."""


class AuditEvent:
    """Base of the recorded acts. Subclasses are frozen, keyword-only dataclasses listed in :data:`KINDS`."""

    ACTION: ClassVar[str]
    TARGET: ClassVar[str]

    def target(self) -> str:
        """The entry's target, in the act's form."""
        return _codec_of(type(self)).target(self)

    def details(self) -> dict[str, JsonValue]:
        """The entry's details, exactly as the act has always written them."""
        return _codec_of(type(self)).details(self)


# Users, keys and sessions ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class UserAdded(AuditEvent):
    ACTION = "user.add"
    TARGET = "user:{user}"
    user: str
    role: str


@dataclass(frozen=True, kw_only=True)
class UserRoleChanged(AuditEvent):
    ACTION = "user.role_change"
    TARGET = "user:{user}"
    user: str
    role: str
    previous_role: str


@dataclass(frozen=True, kw_only=True)
class UserDeactivated(AuditEvent):
    """The user may no longer act: their keys stay on record, refused while they are inactive."""

    ACTION = "user.deactivate"
    TARGET = "user:{user}"
    user: str
    role: str


@dataclass(frozen=True, kw_only=True)
class KeyIssued(AuditEvent):
    ACTION = "key.issue"
    TARGET = "user:{user}/key:{key}"
    user: str
    key: str
    description: str


@dataclass(frozen=True, kw_only=True)
class KeyRevoked(AuditEvent):
    ACTION = "key.revoke"
    TARGET = "user:{user}/key:{key}"
    user: str
    key: str


@dataclass(frozen=True, kw_only=True)
class SessionSignIn(AuditEvent):
    ACTION = "session.sign_in"
    TARGET = "user:{user}/key:{key}"
    user: str
    key: str
    interface: str
    address: str


@dataclass(frozen=True, kw_only=True)
class SessionSignOut(AuditEvent):
    ACTION = "session.sign_out"
    TARGET = "user:{user}/key:{key}"
    user: str
    key: str
    interface: str


@dataclass(frozen=True, kw_only=True)
class SessionSignInFailed(AuditEvent):
    """Names the user given, never the secret; ``failure`` is the ``reason`` key (why, for the auditor)."""

    ACTION = "session.sign_in_failed"
    TARGET = "interface:{interface}"
    interface: str = field(metadata=ALSO_IN_DETAILS)
    user: str
    address: str
    failure: str = field(metadata={"key": "reason"})
    refused_while_waiting: int


# Galleries and subjects ----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GalleryCreated(AuditEvent):
    ACTION = "gallery.create"
    TARGET = "gallery:{gallery}"
    gallery: str
    index_kind: IndexKind


@dataclass(frozen=True, kw_only=True)
class GalleryDeleted(AuditEvent):
    ACTION = "gallery.delete"
    TARGET = "gallery:{gallery}"
    gallery: str
    subjects: int


@dataclass(frozen=True, kw_only=True)
class SubjectEnrolled(AuditEvent):
    """Images enrolled for a subject (a face indexed on its own is a :class:`FaceIndexed`)."""

    ACTION = "subject.enrol"
    TARGET = "gallery:{gallery}/subject:{subject}"
    gallery: str
    subject: str
    category: SubjectCategory
    source: str
    expires_at: datetime
    images: tuple[str, ...]
    image_sha256: tuple[str, ...]
    enrolled_on: date | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    """For a gallery's history imported from another system: the day the images were first enrolled
    there, which is when holdings count them from (the entry's own time is when they came here)."""


@dataclass(frozen=True, kw_only=True)
class FaceIndexed(SubjectEnrolled):
    """One face of an image enrolled as a subject of its own (the reference is the face's identifier),
    with the image's identifier and the label it was given, if any. The same action as any enrolment."""

    image_id: str
    external_image_id: str | None


@dataclass(frozen=True, kw_only=True)
class HistoryImported(AuditEvent):
    """A gallery's history brought from another system: where it came from, in the importer's words, and
    the manifest it was read from (by its SHA-256), with the enrolments it dated."""

    ACTION = "gallery.import_history"
    TARGET = "gallery:{gallery}"
    gallery: str
    statement: str
    manifest_sha256: str
    images: int
    subjects: int
    first_enrolled_on: date
    last_enrolled_on: date


@dataclass(frozen=True, kw_only=True)
class SubjectRemoved(AuditEvent):
    ACTION = "subject.remove"
    TARGET = "gallery:{gallery}/subject:{subject}"
    gallery: str
    subject: str
    faces: int


@dataclass(frozen=True, kw_only=True)
class SubjectExpired(AuditEvent):
    ACTION = "retention.subject_expired"
    TARGET = "gallery:{gallery}/subject:{subject}"
    gallery: str
    subject: str
    faces: int


@dataclass(frozen=True, kw_only=True)
class FaceRemoved(AuditEvent):
    ACTION = "face.remove"
    TARGET = "gallery:{gallery}/subject:{subject}"
    gallery: str
    subject: str
    face_id: str
    subject_removed: bool


# Searches -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class GallerySearched(AuditEvent):
    ACTION = "search.run"
    TARGET = "gallery:{gallery}/search:{search}"
    gallery: str
    search: int
    case_reference: str
    purpose: str | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    """A search purpose's value; absent from searches recorded before purposes were."""
    probe: str
    probe_sha256: str
    probe_kept: bool
    candidates: tuple[str, ...]
    within_threshold: int


@dataclass(frozen=True, kw_only=True)
class FootageSearched(AuditEvent):
    ACTION = "search.footage"
    TARGET = "footage:{footage}/search:{search}"
    footage: str
    search: int
    case_reference: str
    purpose: str | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    probe: str
    probe_sha256: str
    segments: tuple[tuple[float, float], ...]
    """Start and end seconds of each segment where the probe person appears."""
    frames_processed: int
    faces_seen: int


# Deployments and alerts -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DeploymentAuthorised(AuditEvent):
    """Purpose is the entry's reason; the watchlist is frozen from ``gallery`` at this moment."""

    ACTION = "deployment.authorise"
    TARGET = "deployment:{deployment}"
    deployment: str
    authorising_officer: str
    location: str
    cameras: tuple[str, ...]
    mode: str
    trial: bool
    gallery: str
    watchlist_subjects: tuple[str, ...]
    watchlist_faces: int
    threshold: float
    starts_at: datetime
    ends_at: datetime
    minimum_face_px: int | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    recognition_zones: dict[str, tuple[float, float, float, float]] | None = field(
        default=None, metadata=ABSENT_WHEN_DEFAULT
    )
    """Per camera, ``[left, top, right, bottom]`` as fractions of its picture."""


@dataclass(frozen=True, kw_only=True)
class DeploymentCalibrated(AuditEvent):
    """A threshold set from an evaluation, and a minimum face size when the calibration set one too."""

    ACTION = "deployment.calibrate"
    TARGET = "deployment:{deployment}"
    deployment: str
    previous_threshold: float
    threshold: float
    evidence: Json
    minimum_face_px: int | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    previous_minimum_face_px: int | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)


@dataclass(frozen=True, kw_only=True)
class RunStarted(AuditEvent):
    ACTION = "deployment.start"
    TARGET = "deployment:{deployment}/camera:{camera}"
    deployment: str
    camera: str


@dataclass(frozen=True, kw_only=True)
class RunCounts:
    """What a camera run (or all of a deployment's runs) counted; faces that matched nothing are only this.

    The one counts type from the pipeline to the record: the pipeline and the source each count their
    part, the run adds them up, and the deployment adds up its runs.
    """

    frames_processed: int = 0
    faces_seen: int = 0
    tracks: int = 0
    frames_dropped: int = 0
    """Frames the source dropped because recognition fell behind a live stream."""
    corrupt_skipped: int = 0
    """Packets or frames the source skipped as corrupt."""
    faces_too_small: int = field(default=0, metadata=ABSENT_WHEN_DEFAULT)
    """Faces seen (and counted in ``faces_seen``) below the deployment's minimum face size: never tracked,
    matched or kept, because the evaluation showed the camera cannot recognise them reliably there."""

    def __add__(self, other: RunCounts) -> RunCounts:
        return RunCounts(**{name: getattr(self, name) + getattr(other, name) for name in _COUNTED})

    def __sub__(self, other: RunCounts) -> RunCounts:
        """What these counts add to ``other`` (counts only grow during a run)."""
        return RunCounts(**{name: getattr(self, name) - getattr(other, name) for name in _COUNTED})


_COUNTED = tuple(f.name for f in dataclasses.fields(RunCounts))


@dataclass(frozen=True, kw_only=True)
class RunStopped(AuditEvent):
    """A camera run stopped, or closed at its last checkpoint (``last_seen``) because its process died.
    The counts' fields are keys of the details themselves."""

    ACTION = "deployment.stop"
    TARGET = "deployment:{deployment}/camera:{camera}"
    deployment: str
    camera: str
    counts: RunCounts = field(metadata=FLATTENED)
    interrupted: bool | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    last_seen: datetime | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)


@dataclass(frozen=True, kw_only=True)
class DeploymentEnded(AuditEvent):
    """The counts are those of all the deployment's runs; its watchlist snapshot is deleted."""

    ACTION = "deployment.end"
    TARGET = "deployment:{deployment}"
    deployment: str
    counts: RunCounts = field(metadata=FLATTENED)
    watchlist_entries_deleted: int


@dataclass(frozen=True, kw_only=True)
class AlertRaised(AuditEvent):
    ACTION = "alert.raise"
    TARGET = "deployment:{deployment}/alert:{alert}"
    deployment: str
    alert: int
    camera: str
    subject: str
    distance: float
    track: int


@dataclass(frozen=True, kw_only=True)
class AlertAdjudicated(AuditEvent):
    ACTION = "alert.adjudicate"
    TARGET = "deployment:{deployment}/alert:{alert}"
    deployment: str
    alert: int
    outcome: str
    action_taken: str


# Retention and configuration ------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FacesAgedOut(AuditEvent):
    ACTION = "retention.faces_aged_out"
    TARGET = "gallery:{gallery}"
    gallery: str
    faces: int
    faces_by_subject: dict[str, int] | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    """Absent from entries recorded before faces were counted per subject."""
    subjects_deleted: tuple[str, ...] | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)


@dataclass(frozen=True, kw_only=True)
class ProbesCleared(AuditEvent):
    ACTION = "retention.probes_cleared"
    TARGET = "searches"
    probes: int


@dataclass(frozen=True, kw_only=True)
class SearchesDeleted(AuditEvent):
    ACTION = "retention.searches_deleted"
    TARGET = "searches"
    searches: int


@dataclass(frozen=True, kw_only=True)
class AlertsDeleted(AuditEvent):
    ACTION = "retention.alerts_deleted"
    TARGET = "alerts"
    alerts: int


@dataclass(frozen=True, kw_only=True)
class UploadsSwept(AuditEvent):
    ACTION = "retention.uploads_swept"
    TARGET = "uploads"
    files: int


@dataclass(frozen=True, kw_only=True)
class OrphanedIndexesDeleted(AuditEvent):
    """Index files no gallery owns, or half-written by a killed process, deleted by retention."""

    ACTION = "retention.orphaned_indexes_deleted"
    TARGET = "indexes"
    files: int


@dataclass(frozen=True, kw_only=True)
class AuditPruned(AuditEvent):
    """Names the sequences it pruned as inclusive runs, its period and cutoff; a prune entry of an older
    format gave only the count (see :func:`~.verify.verify_log`)."""

    ACTION = "retention.audit_pruned"
    TARGET = "audit"
    entries: int
    period_days: int | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    recorded_up_to: datetime | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    sequences: tuple[tuple[int, int], ...] | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)


@dataclass(frozen=True, kw_only=True)
class ConfigurationChanged(AuditEvent):
    """The configuration in force at start (without secrets), and its hash with the previous one's."""

    ACTION = "config.change"
    TARGET = "configuration"
    configuration: Json
    previous_sha256: str | None
    sha256: str


# The register, FOI requests and reports -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Component:
    name: str
    version: str


@dataclass(frozen=True, kw_only=True)
class TechnologyRegistered(AuditEvent):
    ACTION = "register.technology"
    TARGET = "technology:{technology}"
    technology: str
    categories: tuple[str, ...]
    supplier: str
    product: str
    components: tuple[Component, ...]
    camera_kinds: tuple[str, ...] | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    """Written by older versions, when camera kinds were one setting per technology (now per stage)."""
    this_system: bool | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    """True for an entry of this Watchkeeper installation (absent for any other technology)."""


@dataclass(frozen=True, kw_only=True)
class UseRecorded(AuditEvent):
    ACTION = "register.use"
    TARGET = "technology:{technology}"
    technology: str
    stage: str
    starts_on: date
    ends_on: date | None
    notes: str
    camera_kinds: tuple[str, ...] | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    approved_on: date | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)


@dataclass(frozen=True, kw_only=True)
class UseEnded(AuditEvent):
    ACTION = "register.use_end"
    TARGET = "technology:{technology}/use:{use}"
    technology: str
    use: int
    ends_on: date


@dataclass(frozen=True, kw_only=True)
class ContractRecorded(AuditEvent):
    ACTION = "register.contract"
    TARGET = "technology:{technology}/contract:{contract}"
    technology: str
    contract: str
    supplier: str
    purpose: str
    starts_on: date
    ends_on: date | None
    published_url: str | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)


@dataclass(frozen=True, kw_only=True)
class ContractPublished(AuditEvent):
    ACTION = "register.contract_publish"
    TARGET = "technology:{technology}/contract:{contract}"
    technology: str
    contract: str
    url: str


@dataclass(frozen=True, kw_only=True)
class CostRecorded(AuditEvent):
    ACTION = "register.cost"
    TARGET = "technology:{technology}"
    technology: str
    year: int
    stage: str
    supplier: str
    amount_pence: int
    contract: str | None
    description: str
    use: int | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    """The register's id of the stage of use it paid for, when stated."""


@dataclass(frozen=True, kw_only=True)
class ContactRecorded(AuditEvent):
    ACTION = "register.contact"
    TARGET = "supplier:{supplier}"
    supplier: str
    technology: str | None
    kind: str
    occurred_on: date
    summary: str


@dataclass(frozen=True, kw_only=True)
class DocumentRecorded(AuditEvent):
    ACTION = "register.document"
    TARGET = "technology:{technology}/document:{kind}:{version}"
    technology: str
    kind: str
    version: str
    title: str
    issued_on: date
    published_on: date | None
    url: str | None
    redacted: bool | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)


@dataclass(frozen=True, kw_only=True)
class DocumentPublished(AuditEvent):
    ACTION = "register.document_publish"
    TARGET = "technology:{technology}/document:{kind}:{version}"
    technology: str
    kind: str
    version: str
    published_on: date
    url: str
    redacted: bool | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)


@dataclass(frozen=True, kw_only=True)
class RetentionStated(AuditEvent):
    """The force's retention policy for a technology, in its own words, in force from a date."""

    ACTION = "register.retention"
    TARGET = "technology:{technology}"
    technology: str
    text: str
    in_force_from: date


@dataclass(frozen=True, kw_only=True)
class FoiReceived(AuditEvent):
    ACTION = "foi.receive"
    TARGET = "foi:{request}"
    request: str
    received_on: date
    summary: str
    requester_named: bool
    requester_address_given: bool
    due_on: date | None
    """None while the request lacks the requester's name or address."""


@dataclass(frozen=True, kw_only=True)
class FoiCompleted(AuditEvent):
    ACTION = "foi.complete"
    TARGET = "foi:{request}"
    request: str
    valid_from: date
    due_on: date


@dataclass(frozen=True, kw_only=True)
class FoiAnswered(AuditEvent):
    ACTION = "foi.answer"
    TARGET = "foi:{request}"
    request: str
    answered_on: date
    provisions: tuple[str, ...]
    neither_confirm_nor_deny: bool
    due_on: date | None


@dataclass(frozen=True, kw_only=True)
class ReportProduced(AuditEvent):
    ACTION = "report.produce"
    TARGET = "report:{first}/{last}"
    first: date
    last: date
    snapshot_dates: tuple[date, ...]
    entries_read: int
    as_of: date | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    """The day the figures stood at, when the report was asked for one."""


@dataclass(frozen=True, kw_only=True)
class FoiAnswersDrafted(AuditEvent):
    ACTION = "report.foi"
    TARGET = "foi-answers"
    years: tuple[int, ...]
    questions: tuple[str, ...]
    as_of: date | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    request: str | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    """The logged request answered, whose received date is the default as-of date."""
    first: date | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    last: date | None = field(default=None, metadata=ABSENT_WHEN_DEFAULT)
    """A period given by its days instead of ``years``."""


@dataclass(frozen=True, kw_only=True)
class FoiAnswersExported(AuditEvent):
    """Draft answers exported for sending, with the disclosure officer's edits: which answers were edited
    and the exported file's SHA-256."""

    ACTION = "report.foi_export"
    TARGET = "foi-answers"
    request: str | None
    as_of: date
    format: str
    questions: tuple[str, ...]
    edited: tuple[str, ...]
    sha256: str


KINDS: tuple[type[AuditEvent], ...] = (
    UserAdded,
    UserRoleChanged,
    UserDeactivated,
    KeyIssued,
    KeyRevoked,
    SessionSignIn,
    SessionSignOut,
    SessionSignInFailed,
    GalleryCreated,
    GalleryDeleted,
    SubjectEnrolled,
    FaceIndexed,
    HistoryImported,
    SubjectRemoved,
    SubjectExpired,
    FaceRemoved,
    GallerySearched,
    FootageSearched,
    DeploymentAuthorised,
    DeploymentCalibrated,
    RunStarted,
    RunStopped,
    DeploymentEnded,
    AlertRaised,
    AlertAdjudicated,
    FacesAgedOut,
    ProbesCleared,
    SearchesDeleted,
    AlertsDeleted,
    UploadsSwept,
    OrphanedIndexesDeleted,
    AuditPruned,
    ConfigurationChanged,
    TechnologyRegistered,
    UseRecorded,
    UseEnded,
    ContractRecorded,
    CostRecorded,
    ContactRecorded,
    DocumentRecorded,
    ContractPublished,
    DocumentPublished,
    RetentionStated,
    FoiReceived,
    FoiCompleted,
    FoiAnswered,
    ReportProduced,
    FoiAnswersDrafted,
    FoiAnswersExported,
)
"""Every act Watchkeeper records, one class per action, except enrolment: :class:`SubjectEnrolled` and
:class:`FaceIndexed` share ``subject.enrol`` and are told apart by their details' keys."""

PRUNE_ACTION = AuditPruned.ACTION
CONFIGURATION_ACTION = ConfigurationChanged.ACTION

E_co = TypeVar("E_co", bound=AuditEvent, covariant=True)


@dataclass(frozen=True)
class RecordedEvent(typing.Generic[E_co]):
    """An entry of the log read back as its act: who did it, in which role, when, why, and what."""

    sequence: int
    timestamp: datetime
    actor: str
    role: str
    reason: str
    event: E_co

    @property
    def action(self) -> str:
        return self.event.ACTION

    @property
    def target(self) -> str:
        return self.event.target()


def decode_event(action: str, target: str, details: Mapping[str, JsonValue]) -> AuditEvent:
    """The act an entry with this action, target and details records; EventError if it is none."""
    kinds = _BY_ACTION.get(action)
    if not kinds:
        raise EventError(f"action {action!r} is not a recorded act Watchkeeper knows")
    event: AuditEvent
    for kind in kinds[1:]:
        try:
            event = _codec_of(kind).decode(target, details)
        except EventError:
            continue
        return event
    event = _codec_of(kinds[0]).decode(target, details)  # the error named is the action's main form's
    return event  # the error named is the action's main form's


def read_entry(entry: AuditEntry) -> RecordedEvent[AuditEvent]:
    """``entry`` as its typed act; EventError naming the entry's sequence and action if it cannot be read."""
    try:
        event = decode_event(entry.action, entry.target, entry.details)
    except EventError as error:
        raise EventError(f"audit entry {entry.sequence} ({entry.action}): {error}") from error
    return RecordedEvent(entry.sequence, entry.timestamp, entry.actor, entry.role, entry.reason, event)


# The codec ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Value:
    """How one type goes to JSON and back; ``read`` raises EventError (with no location) when it cannot."""

    write: Callable[[Any], JsonValue]
    read: Callable[[object], Any]
    pattern: str = ".*"
    """How the value may look inside a target."""


def _reject(expected: str, value: object) -> EventError:
    return EventError(f"expected {expected}, got {value!r}")


def _plain(kind: type, name: str, pattern: str = ".*") -> _Value:
    def read(value: object) -> Any:
        if type(value) is not kind:
            raise _reject(name, value)
        return value

    return _Value(lambda value: value, read, pattern)


def _float_read(value: object) -> float:
    if type(value) not in (int, float):
        raise _reject("a number", value)
    return value  # type: ignore[return-value]  # an int stays an int, so it re-encodes as it was written


def _iso(kind: type[date] | type[datetime]) -> _Value:
    def read(value: object) -> Any:
        if not isinstance(value, str):
            raise _reject(f"an ISO {kind.__name__}", value)
        try:
            parsed = kind.fromisoformat(value)
        except ValueError as error:
            raise _reject(f"an ISO {kind.__name__}", value) from error
        if type(parsed) is not kind or parsed.isoformat() != value:
            raise _reject(f"an ISO {kind.__name__} as isoformat() writes it", value)
        return parsed

    return _Value(lambda value: value.isoformat(), read, r"[0-9T:.+-]+")


def _enum(kind: type[StrEnum]) -> _Value:
    def read(value: object) -> Any:
        try:
            if isinstance(value, str):
                return kind(value)
        except ValueError as error:
            raise _reject(f"one of {[member.value for member in kind]}", value) from error
        raise _reject(f"one of {[member.value for member in kind]}", value)

    return _Value(lambda value: value.value, read, "[^/:]+")


def _optional(inner: _Value) -> _Value:
    return _Value(
        lambda value: None if value is None else inner.write(value),
        lambda value: None if value is None else inner.read(value),
    )


def _array(items: tuple[_Value, ...] | _Value) -> _Value:
    """A tuple: of one type and any length (``items`` one value), or of fixed length and types."""

    def read(value: object) -> Any:
        if not isinstance(value, list) or (isinstance(items, tuple) and len(value) != len(items)):
            raise _reject("an array" if isinstance(items, _Value) else f"an array of {len(items)}", value)
        codecs = items if isinstance(items, tuple) else (items,) * len(value)
        return tuple(codec.read(item) for codec, item in zip(codecs, value, strict=True))

    def write(value: tuple[Any, ...]) -> JsonValue:
        codecs = items if isinstance(items, tuple) else (items,) * len(value)
        return [codec.write(item) for codec, item in zip(codecs, value, strict=True)]

    return _Value(write, read)


def _object(values: _Value) -> _Value:
    def read(value: object) -> Any:
        if not isinstance(value, dict):
            raise _reject("an object", value)
        return {key: values.read(item) for key, item in value.items()}

    return _Value(lambda value: {key: values.write(item) for key, item in value.items()}, read)


def _free(value: object) -> Any:
    if not isinstance(value, dict):
        raise _reject("an object", value)
    return value


def _value_of(hint: Any) -> _Value:
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if hint in _PLAIN:
        return _PLAIN[hint]
    if hint is float:
        return _Value(lambda value: value, _float_read, r"[0-9.e+-]+")
    if hint in (date, datetime):
        return _iso(hint)
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return _enum(hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _nested(hint)
    if origin in (typing.Union, types.UnionType) and len(arguments) == 2 and type(None) in arguments:
        return _optional(_value_of(next(a for a in arguments if a is not type(None))))
    if origin is tuple:
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return _array(_value_of(arguments[0]))
        return _array(tuple(_value_of(argument) for argument in arguments))
    if origin is Mapping and arguments == (str, object):
        return _Value(lambda value: value, _free)
    if origin is dict and arguments[0] is str:
        return _object(_value_of(arguments[1]))
    raise TypeError(f"no audit encoding for {hint!r}")


_PLAIN: dict[Any, _Value] = {
    str: _plain(str, "a string"),
    int: _plain(int, "an integer", "[0-9]+"),
    bool: _plain(bool, "true or false"),
}


@dataclass(frozen=True)
class _Key:
    field: str
    key: str
    value: _Value
    absent_when_default: bool
    default: object


class _Codec:
    """The target form and details keys of one class of act (or of a nested object, without a target)."""

    def __init__(self, kind: type, template: str | None) -> None:
        hints = typing.get_type_hints(kind)
        names = re.findall(r"{(\w+)}", template or "")
        self.kind = kind
        self.template = template
        self.target_fields = tuple(names)
        fields = dataclasses.fields(kind)
        self.flattened = {f.name: _Codec(hints[f.name], None) for f in fields if f.metadata.get(_FLATTENED)}
        self.keys = tuple(
            _Key(
                f.name,
                f.metadata.get("key", f.name),
                _value_of(hints[f.name]),
                bool(f.metadata.get(_ABSENT_WHEN_DEFAULT)),
                f.default,
            )
            for f in fields
            if (f.name not in names or f.metadata.get(_ALSO_IN_DETAILS)) and f.name not in self.flattened
        )
        self.all_keys: set[str] = {key.key for key in self.keys}.union(
            *(nested.all_keys for nested in self.flattened.values())
        )
        self.target_values = {name: _value_of(hints[name]) for name in names}
        # DOTALL: a name may hold a line break (nothing forbids one), and what the log wrote it must read back
        self.target_pattern = re.compile(self._pattern(template), re.DOTALL) if template is not None else None

    def _pattern(self, template: str) -> str:
        parts = re.split(r"{(\w+)}", template)
        pattern = ""
        for index, part in enumerate(parts):
            if index % 2 == 0:
                pattern += re.escape(part)
            else:
                shape = self.target_values[part].pattern
                pattern += f"(?P<{part}>{shape if shape != '.*' or index == 1 else '.*?'})"
        return pattern

    def target(self, event: object) -> str:
        assert self.template is not None
        values = {name: self.target_values[name].write(getattr(event, name)) for name in self.target_fields}
        return self.template.format(**values)

    def details(self, event: object) -> dict[str, JsonValue]:
        written: dict[str, JsonValue] = {}
        for name, nested in self.flattened.items():
            written.update(nested.details(getattr(event, name)))
        for key in self.keys:
            value = getattr(event, key.field)
            if key.absent_when_default and value == key.default:
                continue
            written[key.key] = key.value.write(value)
        return written

    def decode(self, target: str | None, details: Mapping[str, object]) -> Any:
        arguments: dict[str, Any] = {}
        if self.target_pattern is not None:
            match = self.target_pattern.fullmatch(target or "")
            if match is None:
                raise EventError(f"target {target!r} is not of the form {self.template!r}")
            for name, text in match.groupdict().items():
                arguments[name] = self._target_value(name, text)
        unexpected = sorted(set(details) - self.all_keys)
        if unexpected:
            raise EventError(f"details have unexpected keys {unexpected}")
        for name, nested in self.flattened.items():
            arguments[name] = nested.decode(
                None, {key.key: details[key.key] for key in nested.keys if key.key in details}
            )
        for key in self.keys:
            if key.key not in details:
                if not key.absent_when_default:
                    raise EventError(f"details have no {key.key!r}")
                continue
            try:
                value = key.value.read(details[key.key])
            except EventError as error:
                raise EventError(f"details {key.key!r}: {error}") from error
            if arguments.setdefault(key.field, value) != value:
                raise EventError(f"details {key.key!r} is {value!r}, the target says {arguments[key.field]!r}")
        return self.kind(**arguments)

    def _target_value(self, name: str, text: str) -> Any:
        value = self.target_values[name]
        try:
            return value.read(int(text) if value is _PLAIN[int] else text)
        except (EventError, ValueError) as error:
            raise EventError(f"target field {name!r}: {error}") from error


def _nested(kind: type) -> _Value:
    codec = _Codec(kind, None)

    def read(value: object) -> Any:
        if not isinstance(value, dict):
            raise _reject("an object", value)
        return codec.decode(None, value)

    return _Value(codec.details, read)


_CODECS: dict[type, _Codec] = {}


def _codec_of(kind: type[AuditEvent]) -> _Codec:
    codec = _CODECS.get(kind)
    if codec is None:
        codec = _CODECS[kind] = _Codec(kind, kind.TARGET)
    return codec


_BY_ACTION: dict[str, tuple[type[AuditEvent], ...]] = {
    action: tuple(kind for kind in KINDS if action == kind.ACTION) for action in dict.fromkeys(k.ACTION for k in KINDS)
}
