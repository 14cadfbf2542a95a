"""A camera run of the server on the real clip: its live picture is shown to those who run cameras only, is
gone once the run ends, and is never written anywhere."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.live.deploying import CLIP, authorise
from tests.live.test_clip_deployments import IN_CLIP, NOT_IN_CLIP
from watchkeeper.errors import NotFoundError
from watchkeeper.face import DetectorKind
from watchkeeper.governance import deployments, users
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, PermissionDeniedError, Role
from watchkeeper.live import supervisor as supervising
from watchkeeper.live.supervisor import LivePicture, LiveSupervisor, RunState
from watchkeeper.live.view import VIEW_MAX_WIDTH
from watchkeeper.video.sources import VideoSource

JPEG_MAGIC = b"\xff\xd8\xff"
AUDIT_CHECKPOINTS = "keys/audit-checkpoints.log"


def files_of(gov: Governance) -> dict[str, bytes]:
    """The data directory's files, with every committed page in the database file itself (the write-ahead
    log emptied), so the same data reads the same before and after."""
    directory = gov.settings.data_dir
    with closing(sqlite3.connect(directory / "watchkeeper.db")) as database:
        (busy, _, _) = database.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0
    return {str(path.relative_to(directory)): path.read_bytes() for path in directory.rglob("*") if path.is_file()}


def jpegs_in(files: dict[str, bytes]) -> int:
    return sum(data.count(JPEG_MAGIC) for data in files.values())


def is_run_record(name: str) -> bool:
    """What any run writes: the database (counts, audit entries) and the audit log's signed checkpoints."""
    return ".sqlite" in name or name.endswith((".db", "-wal", "-shm", "-journal")) or name == AUDIT_CHECKPOINTS


def first_picture(supervisor: LiveSupervisor, operator: Actor) -> LivePicture:
    deadline = time.monotonic() + 180  # a hang guard only
    while (picture := supervisor.picture(operator, "unseen", "foyer")) is None:
        assert supervisor.is_running(operator, "unseen", "foyer"), "the run ended without a picture"
        assert time.monotonic() < deadline, "no picture within the hang guard"
        time.sleep(0.05)
    return picture


def test_a_runs_picture_is_shown_to_its_operators_only_and_gone_when_it_stops(
    live_gov: Governance, operator: Actor, faces_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    authorise(live_gov, faces_dir, "unseen", NOT_IN_CLIP, minimum_face_px=20)  # nobody in view is sought
    admin = users.resolve_actor(live_gov, "ada")
    auditor = users.resolve_actor(live_gov, users.add_user(live_gov, admin, "aud", Role.AUDITOR, "audit").name)
    before = files_of(live_gov)
    supervisor = LiveSupervisor(live_gov, [faces_dir / "examples"])
    supervisor.start(operator, "unseen", "foyer", str(faces_dir / CLIP))
    try:
        picture = first_picture(supervisor, operator)
        image = cv2.imdecode(np.frombuffer(picture.jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None
        assert image.shape[1] <= VIEW_MAX_WIDTH
        later = supervisor.picture(admin, "unseen", "foyer")  # an administrator runs cameras too
        assert later is not None
        assert later.frame_index >= picture.frame_index
        with pytest.raises(PermissionDeniedError):
            supervisor.picture(auditor, "unseen", "foyer")  # reads runs, never sees the cameras' pictures
        with pytest.raises(PermissionDeniedError):
            supervisor.is_running(auditor, "unseen", "foyer")
        with pytest.raises(NotFoundError):
            supervisor.picture(operator, "unseen", "stage")
        monkeypatch.setattr(supervising, "PICTURE_STALE_SECONDS", -1.0)  # as if the camera had gone silent
        assert supervisor.picture(operator, "unseen", "foyer") is None
        assert supervisor.is_running(operator, "unseen", "foyer")
        monkeypatch.undo()
    finally:
        stopped = supervisor.stop(operator, "unseen", "foyer")
    assert stopped.state in {RunState.STOPPED, RunState.FINISHED}
    assert supervisor.picture(operator, "unseen", "foyer") is None  # nothing stale of a stopped camera
    assert not supervisor.is_running(operator, "unseen", "foyer")

    after = files_of(live_gov)
    assert sorted(name for name in after.keys() - before.keys() if not is_run_record(name)) == []
    changed = sorted(name for name in before.keys() & after.keys() if before[name] != after[name])
    assert [name for name in changed if not is_run_record(name)] == []
    assert after[AUDIT_CHECKPOINTS].startswith(before[AUDIT_CHECKPOINTS])  # appended to, as every run does
    assert jpegs_in(after) == jpegs_in(before)  # no alert was raised, so no picture of any kind was stored


def test_a_run_may_choose_its_detector_and_says_which_it_runs(
    live_gov: Governance, operator: Actor, faces_dir: Path
) -> None:
    authorise(live_gov, faces_dir, "wide", IN_CLIP)
    supervisor = LiveSupervisor(live_gov, [faces_dir / "examples"])
    started = supervisor.start(operator, "wide", "foyer", str(faces_dir / CLIP), detector=DetectorKind.CENTERFACE)
    assert started.detector is DetectorKind.CENTERFACE
    deadline = time.monotonic() + 300  # a hang guard only
    while (status := supervisor.runs(operator)[0]).state is RunState.RUNNING and time.monotonic() < deadline:
        time.sleep(0.1)
    assert status.state is RunState.FINISHED, status
    assert status.detector is DetectorKind.CENTERFACE
    assert "lin_manuel_miranda" in {a.subject_reference for a in deployments.list_alerts(live_gov, operator, "wide")}
    supervisor.shutdown()


def test_a_run_that_names_no_detector_runs_the_governance_cores_video_engine(
    live_gov: Governance, operator: Actor, faces_dir: Path
) -> None:
    authorise(live_gov, faces_dir, "plain", NOT_IN_CLIP)
    supervisor = LiveSupervisor(live_gov, [faces_dir / "examples"])
    try:
        started = supervisor.start(operator, "plain", "foyer", str(faces_dir / CLIP))
        assert started.detector is live_gov.video_engine.options.detector is DetectorKind.CNN
    finally:
        supervisor.stop(operator, "plain", "foyer")


def test_a_run_stopped_as_it_is_launched_is_stopped_not_failed(
    live_gov: Governance, operator: Actor, faces_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator's stop can reach a run's source before the run opens it (a busy machine): the run then
    never began, and says it was stopped rather than that it failed."""
    authorise(live_gov, faces_dir, "unseen", NOT_IN_CLIP)
    opening = VideoSource.__enter__

    def open_after_the_stop(source: VideoSource) -> VideoSource:
        assert source._stopping.wait(60)  # a hang guard only
        return opening(source)

    monkeypatch.setattr(VideoSource, "__enter__", open_after_the_stop)
    supervisor = LiveSupervisor(live_gov, [faces_dir / "examples"])
    supervisor.start(operator, "unseen", "foyer", str(faces_dir / CLIP))
    stopped = supervisor.stop(operator, "unseen", "foyer")
    assert (stopped.state, stopped.error) == (RunState.STOPPED, None)
