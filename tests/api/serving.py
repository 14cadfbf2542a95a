"""A real Watchkeeper server on loopback for the API tests: uvicorn in a thread, a data directory of its own,
and one user of each role with an access key."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

from watchkeeper.config import Settings
from watchkeeper.face import FaceEngine
from watchkeeper.governance import credentials, users
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Role
from watchkeeper.server.app import create_app
from watchkeeper.server.config import ServerConfig
from watchkeeper.server.embedded import serve_in_thread

PEOPLE = {Role.ADMIN: "ada", Role.OPERATOR: "olu", Role.ANALYST: "ann", Role.AUDITOR: "aud"}
SHARED_FACES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "faces"
VIDEO_DIRECTORIES = (SHARED_FACES,) if SHARED_FACES.is_dir() else ()
"""Where runs requested in the tests may take video files from: the shared clip's folder."""


@dataclass
class RunningServer:
    url: str
    gov: Governance
    tokens: dict[Role, str]

    def client(self, role: Role | None = None) -> httpx.Client:
        """A client signed in as the user of ``role`` (anonymous for None)."""
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role is not None else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=120.0)


@contextmanager
def running_server(
    data_dir: Path, settings: Settings, engine: FaceEngine, config: ServerConfig | None = None, policy: str = ""
) -> Iterator[RunningServer]:
    """Serve a fresh data directory (with ``policy`` as its policy file) until the block ends; the session's
    engine is reused (same models)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "watchkeeper.toml").write_text(policy, encoding="utf-8")
    gov = Governance.open(replace(settings, data_dir=data_dir), engine=engine)
    admin = users.resolve_actor(gov, users.add_user(gov, None, PEOPLE[Role.ADMIN], Role.ADMIN, "first").name)
    for role, name in PEOPLE.items():
        if role is not Role.ADMIN:
            users.add_user(gov, admin, name, role, "test user")
    tokens = {
        role: credentials.issue_access_key(gov, admin, name, "tests", "tests").bearer_token
        for role, name in PEOPLE.items()
    }
    default = ServerConfig(requests_per_second=1000, burst=1000, video_directories=VIDEO_DIRECTORIES)
    app = create_app(gov, config or default)
    try:
        with serve_in_thread(app) as url:
            yield RunningServer(url, gov, tokens)
    finally:
        gov.close()
