"""Over a real server: a bug (a bare ``ValueError`` deep in a request) is the server's 500, logged, and never
reported to the client as its own ``invalid_input``; a rule the core checks is a 400 ``invalid_input``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from watchkeeper.config import Settings
from watchkeeper.errors import InvalidArgumentError
from watchkeeper.governance.context import Governance
from watchkeeper.server.app import create_app
from watchkeeper.server.config import ServerConfig
from watchkeeper.server.embedded import serve_in_thread

BUG = "list index out of range, say"
RULE = "a search needs a stated reason"


def _bug() -> None:
    raise ValueError(BUG)


def _rule() -> None:
    raise InvalidArgumentError(RULE)


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Iterator[str]:
    """The server's app, with two routes of its own that fail the two ways a request can."""
    data_dir: Path = tmp_path_factory.mktemp("error-kinds")
    gov = Governance.open(replace(settings, data_dir=data_dir))
    app = create_app(gov, ServerConfig(requests_per_second=1000, burst=1000))
    app.add_api_route("/api/v1/error-kinds/bug", _bug)
    app.add_api_route("/api/v1/error-kinds/rule", _rule)
    try:
        with serve_in_thread(app) as base_url:
            yield base_url
    finally:
        gov.close()


def test_a_bare_value_error_is_a_server_error(url: str) -> None:
    response = httpx.get(f"{url}/api/v1/error-kinds/bug", timeout=60.0)
    assert response.status_code == 500
    assert BUG not in response.text
    assert "invalid_input" not in response.text


def test_a_broken_rule_is_invalid_input(url: str) -> None:
    response = httpx.get(f"{url}/api/v1/error-kinds/rule", timeout=60.0)
    assert response.status_code == 400
    assert response.json() == {"error": {"code": "invalid_input", "message": RULE}}
