"""Writes ``tests/governance/audit/testdata/recorded-log.jsonl``: an audit log as the governance services
write it, every kind of recorded act at least once, kept as canonical bytes so that a later change to how
acts are recorded is checked against entries that were written before it (``test_audit_events.py``).

Not collected by the suite; run it on purpose, and only to add kinds of acts to the fixture::

    RECORDED_LOG_OUT=PATH pytest tests/reports/write_recorded_log.py

It builds the known history of ``known_history.py`` and adds what that does not write: keys, sign-in and
its failure, sign-out, faces indexed and removed one by one, a footage search, a calibration, a run closed
because its process died, a gallery deleted, uploads swept, a report, draft FOI answers and an audit
prune. The file holds one JSON object per line: ``sequence`` and either ``canonical`` (base64 of the
entry's canonical bytes) or, for an entry whose content was pruned, ``leaf_hash`` (hex); the last line is
``{"checkpoint": signed head text, "verifier": verifier key line}``. Entries hold no biometric data.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from tests.reports.known_history import Story, at
from watchkeeper.face import decode_image
from watchkeeper.governance import (
    credentials,
    deployments,
    faces,
    galleries,
    register,
    retention,
    search,
    users,
    vocabulary,
)
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.credentials import SignInAttempt
from watchkeeper.governance.footage import FootageRequest
from watchkeeper.governance.policy import RetentionPolicy
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.governance.schema import AuditCheckpoint, AuditEntryRow
from watchkeeper.governance.sign_in_throttle import SignInThrottle
from watchkeeper.governance.uploads import sweep_uploads
from watchkeeper.live.footage import search_footage
from watchkeeper.reports.figures import Period
from watchkeeper.reports.questions import read_questions
from watchkeeper.reports.service import AnswerScope, foi_answers, transparency_report
from watchkeeper.video.frames import Frame

GROUP = "examples/knn_examples/test/obama_and_biden.jpg"
PROBE = "examples/obama_small.jpg"


def test_write_recorded_log(story: Story, people: dict[Role, Actor], clock: FixedClock, faces_dir: Path) -> None:
    if "RECORDED_LOG_OUT" not in os.environ:
        pytest.skip("writes the recorded-log fixture only when RECORDED_LOG_OUT names where")
    out = Path(os.environ["RECORDED_LOG_OUT"])
    gov, admin, operator, analyst = story.gov, people[Role.ADMIN], people[Role.OPERATOR], people[Role.ANALYST]
    clock.current = at(2025, 1, 7)
    _keys_and_sessions(gov, admin, clock)
    _faces_one_by_one(gov, admin, clock, faces_dir)
    _footage_search(gov, analyst, faces_dir)
    _deployment_closed_silently(gov, admin, operator, clock)
    clock.current = at(2025, 2, 1)
    galleries.create_gallery(gov, admin, "spare", "", "a gallery set up by mistake")
    galleries.delete_gallery(gov, admin, "spare", "not needed")
    gov.settings.upload_dir.mkdir(parents=True, exist_ok=True)
    (gov.settings.upload_dir / "upload-left-behind.mp4").write_bytes(b"partial upload")
    sweep_uploads(gov)
    _retention_of_faces_and_probes(gov, admin, analyst, clock, faces_dir)
    users.add_user(gov, admin, "eve", Role.AUDITOR, "external auditor")
    register.record_contact(
        gov,
        story.disclosure,
        technology=None,
        supplier="Vision Co",
        kind=vocabulary.ContactKind.CORRESPONDENCE,
        occurred_on=at(2025, 3, 1).date(),
        summary="unsolicited offer",
        reason="logged",
    )
    transparency_report(gov, story.disclosure, Period.year(2023), ())
    foi_answers(gov, story.disclosure, read_questions(), AnswerScope(years=(2023,)))
    clock.current = at(2028, 1, 10)
    gov.audit.prune(admin, timedelta(days=2190))  # the configured period: the acts of 2021 go
    _write(gov, out)


def _keys_and_sessions(gov: Governance, admin: Actor, clock: FixedClock) -> None:
    issued = credentials.issue_access_key(gov, admin, admin.name, "laptop", "web sign-in")
    throttle = SignInThrottle(clock)
    with contextlib.suppress(credentials.AuthenticationError):
        credentials.sign_in(gov, throttle, SignInAttempt(admin.name, "not the secret", "192.0.2.10"))
    signed_in = credentials.sign_in(gov, throttle, SignInAttempt(admin.name, issued.secret_access_key, "192.0.2.10"))
    credentials.sign_out(gov, signed_in)
    spare = credentials.issue_access_key(gov, admin, admin.name, "spare", "a second device")
    credentials.revoke_access_key(gov, admin, spare.access_key_id, "device lost")


def _faces_one_by_one(gov: Governance, admin: Actor, clock: FixedClock, faces_dir: Path) -> None:
    galleries.create_gallery(gov, admin, "faces", "", "faces indexed one by one")
    data = (faces_dir / GROUP).read_bytes()
    loaded = decode_image(data, GROUP)
    criteria = faces.EntryCriteria(
        SubjectCategory.SUSPECTED_OFFENCE, "arrested", "custody suite", clock.now() + timedelta(days=30)
    )
    image = galleries.EnrolmentImage(Path(GROUP).name, data)
    indexed = faces.index_faces(
        gov,
        admin,
        gallery_name="faces",
        image=image,
        size=loaded.size,
        faces=gov.engine.analyse(loaded).faces,
        criteria=criteria,
    )
    faces.remove_faces(gov, admin, "faces", [indexed[0].face_id], "entered in error")


def _footage_search(gov: Governance, analyst: Actor, faces_dir: Path) -> None:
    data = (faces_dir / PROBE).read_bytes()
    picture = np.ascontiguousarray(decode_image(data, PROBE).pixels)
    frames = [Frame(picture, "still", index, index / 5, at(2025, 1, 7)) for index in range(3)]
    request = FootageRequest("custody-corridor.mp4", PROBE, data, "C-9", "trace", purpose=search.SearchPurpose.ROBBERY)
    search_footage(gov, analyst, request, frames)


def _deployment_closed_silently(gov: Governance, admin: Actor, operator: Actor, clock: FixedClock) -> None:
    starts = at(2025, 1, 8, 10)
    spec = deployments.DeploymentSpec(
        name="gate",
        purpose="find wanted people",
        location="gate area",
        cameras=("cam-1",),
        mode=deployments.DeploymentMode.STATIC,
        trial=True,
        gallery="custody",
        authorising_officer="Supt. A. Example",
        starts_at=starts,
        ends_at=starts + timedelta(hours=6),
    )
    clock.current = at(2025, 1, 8, 8)
    deployments.authorise_deployment(gov, admin, spec)
    deployments.calibrate_deployment(
        gov, admin, "gate", threshold=0.5, reason="trial results", evidence={"false_alerts_per_1000": 1.0}
    )
    clock.current = starts
    run = deployments.begin_deployment(gov, operator, "gate", "cam-1")
    clock.current = starts + timedelta(minutes=1)
    run.checkpoint(deployments.RunCounts(frames_processed=600, faces_seen=40, tracks=5))
    clock.current = starts + timedelta(hours=1)
    deployments.close_silent_runs(gov)
    deployments.end_deployment(gov, operator, "gate", "process lost")


def _retention_of_faces_and_probes(
    gov: Governance, admin: Actor, analyst: Actor, clock: FixedClock, faces_dir: Path
) -> None:
    """Faces aged out of a gallery and a kept probe cleared, under a policy with those periods."""
    clock.current = at(2025, 3, 1)
    details = galleries.SubjectDetails("kit", SubjectCategory.SUSPECTED_OFFENCE, "arrested", "custody", at(2027, 1, 1))
    image = galleries.EnrolmentImage("obama.jpg", (faces_dir / "examples/obama.jpg").read_bytes())
    galleries.enrol_subject(gov, admin, "faces", details, [image])
    data = (faces_dir / PROBE).read_bytes()
    search.run_search(gov, analyst, search.SearchRequest("faces", PROBE, data, "C-10", "identify", keep_probe=True))
    clock.current = at(2025, 5, 1)
    policy = RetentionPolicy(enrolled_images=timedelta(days=30), probe_images=timedelta(days=30))
    retention.enforce_retention(gov, admin, policy)


def _write(gov: Governance, out: Path) -> None:
    with gov.sessions() as session:
        rows = session.execute(
            select(AuditEntryRow.sequence, AuditEntryRow.canonical, AuditEntryRow.leaf_hash).order_by(
                AuditEntryRow.sequence
            )
        ).all()
        head = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.size.desc()).limit(1)).one()
        signed = head.signed_text
    lines = [
        {"sequence": sequence, "canonical": base64.b64encode(bytes(canonical)).decode("ascii")}
        if canonical is not None
        else {"sequence": sequence, "leaf_hash": bytes(leaf).hex()}
        for sequence, canonical, leaf in rows
    ]
    lines.append({"checkpoint": signed, "verifier": gov.audit.verifier.to_text()})
    out.write_text("".join(json.dumps(line, sort_keys=True) + "\n" for line in lines), encoding="utf-8")
