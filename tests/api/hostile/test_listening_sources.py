"""A run's source that would make the server listen is refused, and after the refusal nothing listens.

Each source below, accepted as it stands, has FFmpeg open a socket on the server that anyone who can reach
it may push frames into, inside an authorised deployment. The test asks the real server over HTTP, then
tries the port itself: a TCP connection must be refused, a UDP port must still be free to bind.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.api.serving import running_server
from tests.api.test_http_camera_runs import authorise_evening
from watchkeeper.config import Settings
from watchkeeper.face import FaceEngine
from watchkeeper.governance.roles import Role

LISTENING_SOURCES = [
    "tcp://0.0.0.0:{port}?listen=1",
    "tcp://127.0.0.1:{port}?listen",
    "tcp://127.0.0.1:{port}?%6Cisten=2",
    "tcp://127.0.0.1:{port}#?listen=1",
    "tcp://anyone@0.0.0.0:{port}?timeout=1000000&listen",
    "udp://@:{port}",
    "udp://127.0.0.1:{port}",
    "udp://0.0.0.0:{port}?localport={port}",
]


def free_port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assert_nothing_listens(port: int, kind: socket.SocketKind) -> None:
    if kind is socket.SOCK_STREAM:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=10).close()
        return
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as claim:
        claim.bind(("0.0.0.0", port))  # EADDRINUSE if the server had bound it


@pytest.mark.parametrize("template", LISTENING_SOURCES)
def test_a_listening_source_is_refused_and_nothing_listens(
    template: str, tmp_path: Path, settings: Settings, engine: FaceEngine, faces_dir: Path
) -> None:
    kind = socket.SOCK_STREAM if template.startswith("tcp") else socket.SOCK_DGRAM
    port = free_port(kind)
    source = template.format(port=port)
    with running_server(tmp_path, settings, engine) as server:
        authorise_evening(server, faces_dir, ["gate"], started_minutes_ago=1)
        with server.client(Role.OPERATOR) as operator:
            refused = operator.post("/api/v1/deployments/evening/runs", json={"camera": "gate", "source": source})
            assert refused.status_code == 403, refused.text
            error = refused.json()["error"]
            assert error["code"] == "source_not_allowed"
            assert_nothing_listens(port, kind)
            assert operator.get("/api/v1/runs").json() == []
            assert operator.get("/api/v1/deployments/evening/runs").json() == []  # nothing started or recorded
