"""A deployment run killed midway (SIGKILL, in a separate process) is closed on record at its last
checkpoint: the deployment does not stay running, and the counts it had saved are kept."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.live.deploying import CLIP, authorise
from watchkeeper.config import Settings
from watchkeeper.governance import audit_access, deployments, users
from watchkeeper.governance.clock import SystemClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Role
from watchkeeper.governance.schema import CameraRun


def saved_frames(gov: Governance) -> int:
    with gov.sessions() as session:
        return sum(session.scalars(select(CameraRun.frames_processed)).all())


@pytest.mark.slow
def test_a_killed_run_is_closed_at_its_last_checkpoint(tmp_path: Path, settings: Settings, faces_dir: Path) -> None:
    data_dir = tmp_path / "data"
    if settings.model_cache_dir.is_dir():
        shutil.copytree(settings.model_cache_dir, data_dir / "models")  # reuse the built networks
    local = Settings(data_dir=data_dir, network_backend=settings.network_backend)
    gov = Governance.open(local, SystemClock())
    users.add_user(gov, None, "ada", Role.ADMIN, "first administrator")
    authorise(gov, faces_dir, "foyer-watch", {"lin": "examples/lin-manuel-miranda.png"})

    command = [
        str(Path(sys.executable).parent / "watchkeeper"),
        "deploy", "run", "foyer-watch", str(faces_dir / CLIP), "--camera", "foyer", "--user", "ada",
        "--checkpoint-seconds", "0.2", "--json",
    ]  # fmt: skip
    env = {**os.environ, "WATCHKEEPER_DATA_DIR": str(data_dir)}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while saved_frames(gov) == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, "the run finished before it could be interrupted"
    process.send_signal(signal.SIGKILL)
    process.wait()

    admin = users.resolve_actor(gov, "ada")
    left_open = deployments.describe_deployment(gov, admin, "foyer-watch")
    assert left_open.status is deployments.DeploymentStatus.RUNNING  # nobody stopped it
    checkpoint = saved_frames(gov)
    assert checkpoint > 0

    assert deployments.close_silent_runs(gov, silent_after=timedelta(0)) == ["foyer-watch/foyer"]
    closed = deployments.describe_deployment(gov, admin, "foyer-watch")
    assert closed.status is deployments.DeploymentStatus.AUTHORISED
    assert closed.counts.frames_processed == checkpoint
    with gov.sessions() as session:
        (camera_run,) = session.scalars(select(CameraRun)).all()
        assert camera_run.interrupted
        assert camera_run.stopped_at == camera_run.checkpoint_at
    auditor = users.resolve_actor(gov, users.add_user(gov, admin, "aud", Role.AUDITOR, "audit").name)
    assert audit_access.verify(gov, auditor).ok
    gov.close()
