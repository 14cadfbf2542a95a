"""Property-based fuzzing of the whole REST API from its own OpenAPI document: whatever a client sends,
within the documented shapes or not, the server never answers with a server error (5xx)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err, Ok

from tests.api.serving import RunningServer, running_server
from watchkeeper.config import Settings
from watchkeeper.face import FaceEngine
from watchkeeper.governance.roles import Role

EXAMPLES_PER_OPERATION = 25


@pytest.fixture(scope="module")
def fuzzed_server(
    tmp_path_factory: pytest.TempPathFactory, settings: Settings, engine: FaceEngine
) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("fuzz-data"), settings, engine) as running:
        yield running


@pytest.fixture(scope="module")
def api_schema(fuzzed_server: RunningServer) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(fuzzed_server.url + "/openapi.json")


@pytest.mark.slow
def test_no_request_causes_a_server_error(api_schema: schemathesis.BaseSchema, fuzzed_server: RunningServer) -> None:
    """Every operation, each with generated requests (valid and not), as the administrator, who may call all."""
    authorised = {"Authorization": f"Bearer {fuzzed_server.tokens[Role.ADMIN]}"}
    results = list(api_schema.get_all_operations())
    invalid = [result.err() for result in results if isinstance(result, Err)]
    assert not invalid, f"operations the schema describes wrongly: {invalid}"
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) >= 20

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck))
        def no_server_error(case: schemathesis.Case[Any]) -> None:
            response = case.call(base_url=fuzzed_server.url, headers=authorised)
            case.validate_response(response, checks=[not_a_server_error])

        no_server_error()


def test_openapi_document_covers_every_capability(fuzzed_server: RunningServer, tmp_path: Path) -> None:
    with fuzzed_server.client() as anonymous:
        paths = set(anonymous.get("/openapi.json").json()["paths"])
    for expected in (
        "/api/v1/galleries",
        "/api/v1/galleries/{gallery}/subjects",
        "/api/v1/galleries/{gallery}/searches",
        "/api/v1/footage-searches",
        "/api/v1/deployments",
        "/api/v1/deployments/{name}/runs",
        "/api/v1/alerts/stream",
        "/api/v1/alerts/{alert_id}/adjudication",
        "/api/v1/audit/verification",
        "/api/v1/audit/entries/{sequence}/proof",
        "/api/v1/retention/enforcement",
        "/api/v1/users/{name}/keys",
    ):
        assert expected in paths
