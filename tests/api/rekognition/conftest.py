"""A Watchkeeper server on loopback (uvicorn in a thread) on its own data directory, users of three roles
with access keys, and real boto3 Rekognition clients pointed at it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED, xform_name
from botocore.client import BaseClient
from botocore.config import Config

from tests.api.rekognition.botocore_shapes import shape_problems
from watchkeeper.config import Settings
from watchkeeper.face import FaceEngine
from watchkeeper.governance import credentials, users
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.server.app import create_app
from watchkeeper.server.config import RekognitionConfig, ServerConfig
from watchkeeper.server.embedded import serve_in_thread

REGION = "eu-west-2"
MAX_REQUEST_BYTES = 8 * 1024 * 1024
CONFIGURED_CATEGORY = SubjectCategory.SUSPECTED_OFFENCE
CONFIGURED_REASON = "custody images of arrested persons, indexed by the custody system"


@dataclass(frozen=True)
class Server:
    url: str
    gov: Governance
    keys: dict[Role, credentials.IssuedKey]
    config: ServerConfig


@contextmanager
def rekognition_server(
    data_dir: Path, settings: Settings, engine: FaceEngine, **config_changes: Any
) -> Iterator[Server]:
    """A server on its own data directory with an administrator, an analyst and an auditor, each with a key;
    ``config_changes`` replace the server configuration's defaults."""
    gov = Governance.open(replace(settings, data_dir=data_dir), engine=engine)
    admin = users.add_user(gov, None, "ada", Role.ADMIN, "first administrator")
    admin_actor = Actor(admin.name, admin.role)
    keys = {Role.ADMIN: credentials.issue_access_key(gov, admin_actor, "ada", "tests", "test client")}
    for name, role in (("ann", Role.ANALYST), ("aud", Role.AUDITOR)):
        users.add_user(gov, admin_actor, name, role, "staff member")
        keys[role] = credentials.issue_access_key(gov, admin_actor, name, "tests", "test client")
    config = ServerConfig(
        max_request_bytes=MAX_REQUEST_BYTES,
        rekognition=RekognitionConfig(category=CONFIGURED_CATEGORY, index_reason=CONFIGURED_REASON),
        **config_changes,
    )
    try:
        with serve_in_thread(create_app(gov, config)) as url:
            yield Server(url, gov, keys, config)
    finally:
        gov.close()


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory, settings: Settings, engine: FaceEngine) -> Iterator[Server]:
    with rekognition_server(tmp_path_factory.mktemp("rekognition-server"), settings, engine) as running:
        yield running


ClientFactory = Callable[..., BaseClient]


@pytest.fixture(scope="package")
def client_for(server: Server) -> ClientFactory:
    """A boto3 Rekognition client for a role's key (or given credentials), retries off."""

    def make(
        role: Role = Role.ADMIN,
        access_key_id: str | None = None,
        secret: str | None = None,
        url: str | None = None,
        **config: Any,
    ) -> BaseClient:
        key = server.keys[role]
        return boto3.client(
            "rekognition",
            endpoint_url=url or server.url,
            region_name=REGION,
            aws_access_key_id=access_key_id or key.access_key_id,
            aws_secret_access_key=secret or key.secret_access_key,
            config=Config(retries={"total_max_attempts": 1}, **config),
        )

    return make


@pytest.fixture(scope="package")
def admin(client_for: ClientFactory) -> BaseClient:
    return client_for(Role.ADMIN)


@pytest.fixture(scope="package")
def analyst(client_for: ClientFactory) -> BaseClient:
    return client_for(Role.ANALYST)


@pytest.fixture(scope="package")
def unsigned(client_for: ClientFactory) -> BaseClient:
    return client_for(signature_version=UNSIGNED)


def call_checked(client: BaseClient, operation: str, **params: Any) -> dict[str, Any]:
    """Call ``operation`` and check the raw response body against botocore's output shape for it."""
    raw: dict[str, bytes] = {}

    def keep_body(http_response: Any, **_: Any) -> None:
        raw["body"] = http_response.content

    event = f"after-call.rekognition.{operation}"
    client.meta.events.register(event, keep_body)
    try:
        response: dict[str, Any] = getattr(client, xform_name(operation))(**params)
    finally:
        client.meta.events.unregister(event, keep_body)
    assert shape_problems(operation, json.loads(raw["body"])) == []
    return response


@contextmanager
def stating(client: BaseClient, **statements: str) -> Iterator[None]:
    """Add ``X-Watchkeeper-<Name>`` headers to every request ``client`` signs, within the block."""

    def add_headers(request: Any, **_: Any) -> None:
        for name, value in statements.items():
            request.headers[f"X-Watchkeeper-{name.title()}"] = value

    client.meta.events.register_first("before-sign.rekognition", add_headers)
    try:
        yield
    finally:
        client.meta.events.unregister("before-sign.rekognition", add_headers)


def image_bytes(faces_dir: Path, relative: str) -> bytes:
    return (faces_dir / relative).read_bytes()
