"""The recorded acts as typed events: a log written before they existed decodes entry by entry and re-encodes
to the same bytes, and an entry that is not one of them is an error naming it and what is wrong."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from watchkeeper.governance.audit import Verifier, verify_log
from watchkeeper.governance.audit.entry import AuditEntry, JsonValue
from watchkeeper.governance.audit.errors import EventError
from watchkeeper.governance.audit.events import (
    KINDS,
    ContractPublished,
    DeploymentAuthorised,
    FaceIndexed,
    FoiAnswersExported,
    GalleryCreated,
    HistoryImported,
    OrphanedIndexesDeleted,
    RetentionStated,
    RunStopped,
    SubjectEnrolled,
    UserDeactivated,
    UserRoleChanged,
    read_entry,
)
from watchkeeper.governance.audit.merkle import leaf_hash
from watchkeeper.matching.base import IndexKind

RECORDED_LOG = Path(__file__).parent / "testdata" / "recorded-log.jsonl"


@dataclass(frozen=True)
class RecordedLog:
    entries: list[bytes | None]
    leaf_hashes: list[bytes | None]
    checkpoint: str
    verifier: Verifier


def recorded_log() -> RecordedLog:
    """The log ``tests/reports/write_recorded_log.py`` wrote with the services as they were before events."""
    lines = [json.loads(line) for line in RECORDED_LOG.read_text(encoding="utf-8").splitlines()]
    *rows, head = lines
    assert [row["sequence"] for row in rows] == list(range(len(rows)))
    entries = [base64.b64decode(row["canonical"]) if "canonical" in row else None for row in rows]
    leaves = [bytes.fromhex(row["leaf_hash"]) if "leaf_hash" in row else None for row in rows]
    return RecordedLog(entries, leaves, head["checkpoint"], Verifier.from_text(head["verifier"]))


def reencoded(entry: AuditEntry) -> bytes:
    event = read_entry(entry).event
    again = AuditEntry(
        sequence=entry.sequence,
        timestamp=entry.timestamp,
        actor=entry.actor,
        role=entry.role,
        action=event.ACTION,
        target=event.target(),
        reason=entry.reason,
        details=event.details(),
    )
    return again.canonical_bytes()


def known(leaf: bytes | None) -> bytes:
    """A pruned entry's leaf hash, which the recorded log keeps in its place."""
    assert leaf is not None, "a pruned entry without its leaf hash"
    return leaf


def test_the_recorded_log_verifies_against_its_signed_head() -> None:
    log = recorded_log()
    leaves = [
        leaf_hash(data) if data is not None else known(leaf)
        for data, leaf in zip(log.entries, log.leaf_hashes, strict=True)
    ]
    report = verify_log(log.entries, [log.checkpoint], log.verifier, leaf_hashes=leaves)
    assert report.ok, report.findings


def test_every_recorded_entry_decodes_to_its_act_and_re_encodes_to_the_same_bytes() -> None:
    log = recorded_log()
    actions = set()
    for data in log.entries:
        if data is None:
            continue
        entry = AuditEntry.from_canonical_bytes(data)
        assert reencoded(entry) == data, entry.action
        actions.add(entry.action)
    assert actions == {kind.ACTION for kind in KINDS} - RECORDED_AFTER_THE_FIXTURE, "an entry of every older act"


NEWER_ACTS = (
    (OrphanedIndexesDeleted.ACTION, "indexes", {"files": 2}),
    (UserRoleChanged.ACTION, "user:ann", {"role": "operator", "previous_role": "analyst"}),
    (UserDeactivated.ACTION, "user:ann", {"role": "analyst"}),
    (ContractPublished.ACTION, "technology:WK/contract:C-1", {"url": "https://force.example/c1"}),
    (RetentionStated.ACTION, "technology:WK", {"text": "Custody images: 6 years.", "in_force_from": "2024-01-01"}),
    (
        HistoryImported.ACTION,
        "gallery:custody",
        {
            "statement": "exported from the old custody system",
            "manifest_sha256": "ab" * 32,
            "images": 3,
            "subjects": 2,
            "first_enrolled_on": "2019-02-01",
            "last_enrolled_on": "2021-06-30",
        },
    ),
    (
        FoiAnswersExported.ACTION,
        "foi-answers",
        {
            "request": "FOI-1",
            "as_of": "2024-02-01",
            "format": "pdf",
            "questions": ["lfr-use"],
            "edited": [],
            "sha256": "cd" * 32,
        },
    ),
)
RECORDED_AFTER_THE_FIXTURE = {action for action, _, _ in NEWER_ACTS}
"""Acts that came after the recorded log was written, so it cannot hold them; each is checked below."""


@pytest.mark.parametrize(("action", "target", "details"), NEWER_ACTS)
def test_acts_newer_than_the_recorded_log_round_trip(action: str, target: str, details: dict[str, JsonValue]) -> None:
    recorded = entry(action, target, details)
    assert reencoded(recorded) == recorded.canonical_bytes()


def entry(action: str, target: str, details: Mapping[str, JsonValue]) -> AuditEntry:
    return AuditEntry(17, datetime(2025, 1, 1, tzinfo=UTC), "ada", "admin", action, target, "why", details)


def authorisation(**changes: JsonValue) -> dict[str, JsonValue]:
    log = recorded_log()
    found = next(
        AuditEntry.from_canonical_bytes(data)
        for data in log.entries
        if data is not None and AuditEntry.from_canonical_bytes(data).action == DeploymentAuthorised.ACTION
    )
    details = dict(found.details)
    details.update(changes)
    return {key: value for key, value in details.items() if value is not None}


def test_a_renamed_detail_key_is_an_error_naming_entry_and_keys() -> None:
    details = authorisation()
    details["watchlist_people"] = details.pop("watchlist_subjects")
    with pytest.raises(EventError, match=r"audit entry 17 \(deployment.authorise\).*'watchlist_people'"):
        read_entry(entry("deployment.authorise", "deployment:foyer", details))


def test_a_missing_detail_key_is_an_error() -> None:
    details = authorisation()
    del details["watchlist_faces"]
    with pytest.raises(EventError, match="no 'watchlist_faces'"):
        read_entry(entry("deployment.authorise", "deployment:foyer", details))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"watchlist_faces": "3"}, "'watchlist_faces': expected an integer"),
        ({"watchlist_faces": True}, "'watchlist_faces': expected an integer"),
        ({"trial": 1}, "'trial': expected true or false"),
        ({"starts_at": "tomorrow"}, "'starts_at': expected an ISO datetime"),
        ({"cameras": "cam-1"}, "'cameras': expected an array"),
    ],
)
def test_a_detail_of_the_wrong_type_is_an_error(change: dict[str, JsonValue], message: str) -> None:
    with pytest.raises(EventError, match=message):
        read_entry(entry("deployment.authorise", "deployment:foyer", authorisation(**change)))


def test_an_unknown_action_or_a_target_not_of_the_form_is_an_error() -> None:
    with pytest.raises(EventError, match=r"'deployment\.teleport' is not a recorded act"):
        read_entry(entry("deployment.teleport", "deployment:foyer", {}))
    with pytest.raises(EventError, match=r"not of the form 'deployment:\{deployment\}'"):
        read_entry(entry("deployment.authorise", "gallery:foyer", authorisation()))
    with pytest.raises(EventError, match="not of the form"):
        read_entry(entry("alert.raise", "deployment:foyer/alert:one", {}))


def test_targets_split_with_the_first_field_taking_what_it_can() -> None:
    counts = {"frames_processed": 1, "faces_seen": 0, "tracks": 0, "frames_dropped": 0, "corrupt_skipped": 0}
    event = read_entry(entry("deployment.stop", "deployment:a/camera:b/camera:c", counts)).event
    assert isinstance(event, RunStopped)
    assert (event.deployment, event.camera, event.interrupted) == ("a/camera:b", "c", None)
    assert event.target() == "deployment:a/camera:b/camera:c"
    assert event.details() == counts


def test_a_name_holding_line_breaks_and_control_characters_reads_back() -> None:
    """Nothing forbids them in a gallery's or a camera's name, so the log must read back what it wrote
    (the HTTP fuzzer created a gallery named ``"B\\n\\x11\\x81\\nU"``, and the audit endpoints then failed)."""
    name = "B\n\x11\x81\nU"
    written = GalleryCreated(gallery=name, index_kind=IndexKind.EXACT)
    event = read_entry(entry(GalleryCreated.ACTION, written.target(), written.details())).event
    assert event == written
    counts = {"frames_processed": 1, "faces_seen": 0, "tracks": 0, "frames_dropped": 0, "corrupt_skipped": 0}
    stopped = read_entry(entry("deployment.stop", f"deployment:{name}/camera:{name}", counts)).event
    assert isinstance(stopped, RunStopped)
    assert (stopped.deployment, stopped.camera) == (name, name)


def test_a_count_older_runs_did_not_write_is_left_out_at_zero_and_kept_otherwise() -> None:
    counts = {"frames_processed": 1, "faces_seen": 4, "tracks": 0, "frames_dropped": 0, "corrupt_skipped": 0}
    event = read_entry(entry("deployment.stop", "deployment:a/camera:c", {**counts, "faces_too_small": 4})).event
    assert isinstance(event, RunStopped)
    assert event.counts.faces_too_small == 4
    assert event.details() == {**counts, "faces_too_small": 4}
    older = read_entry(entry("deployment.stop", "deployment:a/camera:c", counts)).event
    assert isinstance(older, RunStopped)
    assert (older.counts.faces_too_small, older.details()) == (0, counts)


def test_an_enrolment_and_a_face_indexed_on_its_own_share_the_action() -> None:
    common: dict[str, JsonValue] = {
        "category": "suspected_offence",
        "source": "s",
        "expires_at": "2026-01-01T00:00:00+00:00",
    }
    plain = read_entry(entry("subject.enrol", "gallery:g/subject:s", {**common, "images": [], "image_sha256": []}))
    assert type(plain.event) is SubjectEnrolled
    face: dict[str, JsonValue] = {
        **common,
        "images": ["a.jpg"],
        "image_sha256": ["00"],
        "image_id": "i",
        "external_image_id": None,
    }
    indexed = read_entry(entry("subject.enrol", "gallery:g/subject:s", face)).event
    assert isinstance(indexed, FaceIndexed)
    assert indexed.details() == face
