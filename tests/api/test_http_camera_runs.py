"""The server runs authorised deployments by itself on the cameras configured for them, inside their window."""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from tests.api.serving import RunningServer, running_server
from tests.api.test_http_galleries_and_search import enrol
from watchkeeper.config import ConfigError, Settings
from watchkeeper.face import DetectorKind, FaceEngine
from watchkeeper.governance import deployments, users
from watchkeeper.governance.cameras import read_camera_detectors, read_camera_sources, without_credentials
from watchkeeper.governance.db import transaction
from watchkeeper.governance.roles import Role
from watchkeeper.governance.schema import CameraRun
from watchkeeper.server.config import ServerConfig

CLIP = "examples/short_hamilton_clip.mp4"


def authorise_evening(server: RunningServer, faces_dir: Path, cameras: list[str], started_minutes_ago: int) -> None:
    """Deployment ``evening`` on ``cameras``, watching for Lin-Manuel Miranda, authorised until an hour from
    now."""
    now = datetime.now(UTC)
    with server.client(Role.ADMIN) as admin:
        admin.post("/api/v1/galleries", json={"name": "hamilton", "reason": "watchlist"}).raise_for_status()
        enrol(admin, "hamilton", "lin", faces_dir / "examples/lin-manuel-miranda.png").raise_for_status()
        admin.post(
            "/api/v1/deployments",
            json={
                "name": "evening",
                "purpose": "find a missing person",
                "location": "theatre foyer",
                "cameras": cameras,
                "mode": "static",
                "trial": True,
                "gallery": "hamilton",
                "authorising_officer": "Supt. A. Example",
                "starts_at": (now - timedelta(minutes=started_minutes_ago)).isoformat(),
                "ends_at": (now + timedelta(hours=1)).isoformat(),
            },
        ).raise_for_status()


QUICK_CHECKS = ServerConfig(requests_per_second=1000, burst=1000, deployment_check_seconds=0.2)
"""A server that looks for due runs five times a second, so a configured camera starts at once."""


def first_runs(operator: Any) -> list[dict[str, Any]]:
    """The server's runs as soon as there are any (a configured camera starts within a check or two)."""
    deadline = time.monotonic() + 180  # a hang guard only
    while not (runs := operator.get("/api/v1/runs").json()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return list(runs)


def audit_entries(server: RunningServer) -> list[dict[str, Any]]:
    with server.client(Role.AUDITOR) as auditor:
        return [e["entry"] for e in auditor.get("/api/v1/audit/entries", params={"limit": 1000}).json()["entries"]]


def test_configured_camera_is_run_for_an_authorised_deployment_until_an_operator_stops_it(
    tmp_path: Path, settings: Settings, engine: FaceEngine, faces_dir: Path
) -> None:
    policy = f'[cameras]\nfoyer = "{faces_dir / CLIP}"\nstage = "rtsp://viewer:secret@192.0.2.1/stage"\n'
    with running_server(tmp_path, settings, engine, QUICK_CHECKS, policy) as server:
        authorise_evening(server, faces_dir, ["foyer"], started_minutes_ago=1)
        with server.client(Role.OPERATOR) as operator:
            runs = first_runs(operator)
            assert [(r["deployment"], r["camera"], r["started_by"]) for r in runs] == [("evening", "foyer", "system")]
            stopped = operator.post("/api/v1/deployments/evening/runs/foyer/stop").json()
            assert stopped["state"] in {"stopped", "finished"}, stopped
            time.sleep(1.0)
            assert len(operator.get("/api/v1/runs").json()) == 1, "a stopped run is not started again"
        entries = audit_entries(server)
    configured = next(e for e in entries if e["action"] == "config.change")["details"]["configuration"]["cameras"]
    assert configured == {"foyer": str(faces_dir / CLIP), "stage": "rtsp://192.0.2.1/stage"}
    started = [e for e in entries if e["action"] == "deployment.start"]
    assert [(e["actor"], e["target"]) for e in started] == [("system", "deployment:evening/camera:foyer")]


def test_a_run_left_open_by_a_dead_process_is_closed_by_the_server(
    tmp_path: Path, settings: Settings, engine: FaceEngine, faces_dir: Path
) -> None:
    with running_server(tmp_path, settings, engine, QUICK_CHECKS) as server:
        authorise_evening(server, faces_dir, ["gate"], started_minutes_ago=30)
        # Another process started a run, saved its counts ten minutes ago and was never heard of again.
        olu = users.resolve_actor(server.gov, "olu")
        run = deployments.begin_deployment(server.gov, olu, "evening", "gate")
        run.checkpoint(deployments.RunCounts(frames_processed=120, faces_seen=30, tracks=2))
        last_seen = datetime.now(UTC) - timedelta(minutes=10)
        with transaction(server.gov.sessions) as session:
            session.execute(update(CameraRun).values(checkpoint_at=last_seen))
        with server.client(Role.OPERATOR) as operator:
            deadline = time.monotonic() + 180  # a hang guard only
            while (record := operator.get("/api/v1/deployments/evening").json())["status"] == "running":
                assert time.monotonic() < deadline, "the silent run was not closed"
                time.sleep(0.1)
            (history,) = operator.get("/api/v1/deployments/evening/runs").json()
        assert (record["status"], record["counts"]["frames_processed"]) == ("authorised", 120)
        assert (history["camera"], history["interrupted"], history["counts"]["frames_processed"]) == ("gate", True, 120)
        assert datetime.fromisoformat(history["stopped_at"]) == last_seen
        with server.client(Role.AUDITOR) as auditor:
            entries = auditor.get("/api/v1/audit/entries", params={"limit": 1000}).json()["entries"]
    (stop,) = [e["entry"] for e in entries if e["entry"]["action"] == "deployment.stop"]
    assert (stop["actor"], stop["target"]) == ("system", "deployment:evening/camera:gate")
    assert stop["details"]["interrupted"] is True
    assert datetime.fromisoformat(stop["details"]["last_seen"]) == last_seen


def test_a_request_may_name_streams_cameras_and_files_in_the_video_directories_only(
    tmp_path: Path, settings: Settings, engine: FaceEngine, faces_dir: Path
) -> None:
    with running_server(tmp_path, settings, engine) as server:
        authorise_evening(server, faces_dir, ["foyer"], started_minutes_ago=1)
        with server.client(Role.OPERATOR) as operator:
            for source in ("/etc/hostname", f"concat:{faces_dir / CLIP}|/etc/hostname", str(faces_dir.parent)):
                refused = operator.post("/api/v1/deployments/evening/runs", json={"camera": "foyer", "source": source})
                assert refused.status_code == 403, refused.text
                assert refused.json()["error"]["code"] == "source_not_allowed"
            assert operator.get("/api/v1/runs").json() == []
            assert operator.get("/api/v1/deployments/evening/runs").json() == []  # nothing started, nothing recorded
            started = operator.post(
                "/api/v1/deployments/evening/runs", json={"camera": "foyer", "source": str(faces_dir / CLIP)}
            )
            assert started.status_code == 201, started.text
            operator.post("/api/v1/deployments/evening/runs/foyer/stop").raise_for_status()


def test_a_run_requested_for_a_wide_camera_runs_centerface(
    tmp_path: Path, settings: Settings, engine: FaceEngine, faces_dir: Path
) -> None:
    with running_server(tmp_path, settings, engine) as server:
        authorise_evening(server, faces_dir, ["foyer"], started_minutes_ago=1)
        with server.client(Role.OPERATOR) as operator:
            run = {"camera": "foyer", "source": str(faces_dir / CLIP)}
            refused = operator.post("/api/v1/deployments/evening/runs", json={**run, "detector": "sift"})
            assert refused.status_code == 422, refused.text
            assert refused.json()["error"]["code"] == "invalid_request"
            assert operator.get("/api/v1/runs").json() == []  # nothing started
            started = operator.post("/api/v1/deployments/evening/runs", json={**run, "detector": "centerface"})
            assert started.status_code == 201, started.text
            assert started.json()["detector"] == "centerface"
            assert [r["detector"] for r in operator.get("/api/v1/runs").json()] == ["centerface"]
            operator.post("/api/v1/deployments/evening/runs/foyer/stop").raise_for_status()


def test_camera_sources_are_validated(tmp_path: Path) -> None:
    path = tmp_path / "watchkeeper.toml"
    assert read_camera_sources(path) == {}
    path.write_text('[cameras]\n"Gate 3, north" = "rtsp://x"\n')
    assert read_camera_sources(path) == {"Gate 3, north": "rtsp://x"}
    path.write_text('[cameras]\n" " = "rtsp://x"\n')
    with pytest.raises(ConfigError, match="1 to 200 characters"):
        read_camera_sources(path)
    path.write_text("[cameras]\ngate = 5\n")
    with pytest.raises(ConfigError, match=r"cameras\.gate"):
        read_camera_sources(path)


def test_camera_detectors_name_configured_cameras_and_known_detectors(tmp_path: Path) -> None:
    path = tmp_path / "watchkeeper.toml"
    cameras = {"concourse": "rtsp://x", "foyer": "rtsp://y"}
    assert read_camera_detectors(path, cameras) == {}
    path.write_text('[camera_detectors]\nconcourse = "centerface"\n')
    assert read_camera_detectors(path, cameras) == {"concourse": DetectorKind.CENTERFACE}
    path.write_text('[camera_detectors]\nplatform = "centerface"\n')
    with pytest.raises(ConfigError, match=r"camera_detectors\.platform names no camera"):
        read_camera_detectors(path, cameras)
    path.write_text('[camera_detectors]\nfoyer = "sift"\n')
    with pytest.raises(ConfigError, match=r"must be one of hog, cnn, centerface, not 'sift'"):
        read_camera_detectors(path, cameras)


def test_a_configured_wide_camera_is_run_with_its_detector_on_record(
    tmp_path: Path, settings: Settings, engine: FaceEngine, faces_dir: Path
) -> None:
    policy = f'[cameras]\nfoyer = "{faces_dir / CLIP}"\n[camera_detectors]\nfoyer = "centerface"\n'
    with running_server(tmp_path, settings, engine, QUICK_CHECKS, policy) as server:
        authorise_evening(server, faces_dir, ["foyer"], started_minutes_ago=1)
        with server.client(Role.OPERATOR) as operator:
            runs = first_runs(operator)
            assert [(r["camera"], r["started_by"], r["detector"]) for r in runs] == [("foyer", "system", "centerface")]
            operator.post("/api/v1/deployments/evening/runs/foyer/stop").raise_for_status()
        entries = audit_entries(server)
    configured = next(e for e in entries if e["action"] == "config.change")["details"]["configuration"]
    assert configured["camera_detectors"] == {"foyer": "centerface"}


def test_credentials_never_reach_the_record() -> None:
    assert without_credentials("rtsp://u:p@cam.local:554/x?y=1") == "rtsp://cam.local:554/x?y=1"
    assert without_credentials("/dev/video0") == "/dev/video0"
    assert without_credentials("http://cam.local/feed") == "http://cam.local/feed"


def test_a_runs_source_reaches_only_those_who_run_cameras_with_its_credentials(
    tmp_path: Path, settings: Settings, engine: FaceEngine, faces_dir: Path
) -> None:
    """An operator who typed a camera's password sees it; an auditor, who runs no camera, never does."""
    with socket.socket() as closed:  # a camera that is down: the run keeps reconnecting, still running
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    source = f"rtsp://viewer:s3cret@127.0.0.1:{port}/stage?token=abc123&channel=1"
    with running_server(tmp_path, settings, engine) as server:
        authorise_evening(server, faces_dir, ["stage"], started_minutes_ago=1)
        with server.client(Role.OPERATOR) as operator:
            started = operator.post("/api/v1/deployments/evening/runs", json={"camera": "stage", "source": source})
            assert started.status_code == 201, started.text
            assert started.json()["source"] == source
            assert [run["source"] for run in operator.get("/api/v1/runs").json()] == [source]
            with server.client(Role.AUDITOR) as auditor:
                shown = auditor.get("/api/v1/runs")
                entries = auditor.get("/api/v1/audit/entries", params={"limit": 1000}).text
            operator.post("/api/v1/deployments/evening/runs/stage/stop").raise_for_status()
    assert [run["source"] for run in shown.json()] == [f"rtsp://127.0.0.1:{port}/stage?token=***&channel=1"]
    for secret in ("s3cret", "abc123"):
        assert secret not in shown.text
        assert secret not in entries


def test_credentials_in_a_query_never_reach_the_record() -> None:
    assert (
        without_credentials("http://cam.local/video.cgi?user=admin&pwd=s3cret&resolution=640x480")
        == "http://cam.local/video.cgi?user=***&pwd=***&resolution=640x480"
    )
    assert without_credentials("rtsp://u:p@cam/x?channel=1&PassWord=p&auth_token=t&listen") == (
        "rtsp://cam/x?channel=1&PassWord=***&auth_token=***&listen"
    )
    assert without_credentials("https://cam.local/feed?%70assword=p") == "https://cam.local/feed?%70assword=***"
