"""Audit entries read by a person: every act by a readable name, its details as labelled fields made from
the typed event's fields (dates written out, lists joined, nested values as nested fields)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.events import (
    KINDS,
    AuditEvent,
    Component,
    FoiAnswered,
    FootageSearched,
    TechnologyRegistered,
)
from watchkeeper.web.audit_details import ACTIONS, Described, Field, action_name, described

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def entry_of(event: AuditEvent) -> AuditEntry:
    return AuditEntry(
        sequence=7,
        timestamp=WHEN,
        actor="dee",
        role="disclosure",
        action=event.ACTION,
        target=event.target(),
        reason="request",
        details=event.details(),
    )


def test_every_act_has_a_readable_name_and_every_action_is_offered_once() -> None:
    assert action_name(FoiAnswered) == "FOI answered"
    assert action_name(FootageSearched) == "Footage searched"
    names = {action_name(kind) for kind in KINDS}
    assert len(names) == len(KINDS)
    assert all(name[0].isupper() and "_" not in name for name in names)
    assert sorted(action for action, _ in ACTIONS) == sorted({kind.ACTION for kind in KINDS})
    assert [name for _, name in ACTIONS] == sorted(name for _, name in ACTIONS)
    assert dict(ACTIONS)["subject.enrol"] == "Subject enrolled"


def test_dates_yes_no_and_absent_values_read_as_words() -> None:
    answered = FoiAnswered(
        request="FOI-12",
        answered_on=date(2026, 3, 20),
        provisions=("s23", "s31"),
        neither_confirm_nor_deny=False,
        due_on=None,
    )
    assert described(entry_of(answered)) == Described(
        "FOI answered",
        (
            Field("Request", "FOI-12"),
            Field("Answered on", "20 March 2026"),
            Field("Provisions", "s23, s31"),
            Field("Neither confirm nor deny", "no"),
            Field("Due on", "none"),
        ),
    )


def test_nested_values_become_nested_labelled_fields() -> None:
    registered = TechnologyRegistered(
        technology="Watchkeeper",
        categories=("retrospective",),
        supplier="us",
        product="Watchkeeper",
        camera_kinds=(),
        components=(Component(name="dlib", version="19.24"),),
    )
    fields = {field.label: field for field in described(entry_of(registered)).fields}
    assert fields["Camera kinds"] == Field("Camera kinds", "none")
    assert fields["Components"] == Field(
        "Components", fields=(Field("1", fields=(Field("Name", "dlib"), Field("Version", "19.24"))),)
    )
    searched = FootageSearched(
        footage="clip.mp4",
        search=3,
        case_reference="C-1",
        probe="p.jpg",
        probe_sha256="ab",
        segments=((1.5, 4.0),),
        frames_processed=10,
        faces_seen=2,
    )
    segments = {field.label: field for field in described(entry_of(searched)).fields}["Segments"]
    assert segments == Field("Segments", fields=(Field("1", "1.5, 4.0"),))


def test_an_act_this_version_does_not_know_shows_its_raw_details_labelled() -> None:
    unknown = AuditEntry(
        sequence=1,
        timestamp=WHEN,
        actor="system",
        role="system",
        action="future.thing",
        target="x",
        reason="",
        details={"made_at": "2026-03-02", "parts": {"left_count": 1}, "cameras": {}},
    )
    assert described(unknown) == Described(
        "future.thing",
        (
            Field("Made at", "2026-03-02"),
            Field("Parts", fields=(Field("Left count", "1"),)),
            Field("Cameras", "none"),
        ),
    )
