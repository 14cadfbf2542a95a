"""JSON nested far deeper than any request needs, within the body size limit, to every JSON body the
server reads: the REST API's (from its OpenAPI document) and every Rekognition-compatible operation.

Python's ``json`` parser recurses once per level and gives up (``RecursionError``) at about a thousand;
the server must answer that as the client's malformed body, never as its own failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.api.hostile.hostile_requests import rest_refusal
from tests.api.serving import RunningServer
from watchkeeper.api.rekognition.operations import OPERATIONS
from watchkeeper.governance.roles import Role

DEPTHS = (10_000, 100_000)


def nested_array(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def nested_object(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def nested_member(depth: int) -> bytes:
    """A body whose first member, as a request would name it, holds the nesting."""
    return b'{"name":' + nested_array(depth) + b', "reason": "r"}'


BODIES = {"array": nested_array, "object": nested_object, "member": nested_member}


def json_bodies(openapi: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(method, path) of every REST route that reads a JSON body, path parameters filled in."""
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                yield method.upper(), re.sub(r"{\w+}", "1", path)


@pytest.fixture(scope="module")
def rest_routes(server: RunningServer) -> list[tuple[str, str]]:
    with server.client() as anonymous:
        routes = list(json_bodies(anonymous.get("/openapi.json").json()))
    assert ("POST", "/api/v1/galleries") in routes
    return routes


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("shape", BODIES)
def test_rest_json_bodies_refuse_deep_nesting(
    server: RunningServer, rest_routes: list[tuple[str, str]], shape: str, depth: int
) -> None:
    body = BODIES[shape](depth)
    audit_size = server.gov.audit.size()
    with server.client(Role.ADMIN) as admin:
        for method, path in rest_routes:
            response = admin.request(method, path, content=body, headers={"Content-Type": "application/json"})
            assert "nested" in rest_refusal(response, 422, "invalid_request"), f"{method} {path}"
    assert server.gov.audit.size() == audit_size


def signed_post(server: RunningServer, operation: str, body: bytes) -> httpx.Response:
    """A Rekognition request signed with the administrator's key, as an AWS SDK signs it."""
    access_key_id, _, secret = server.tokens[Role.ADMIN].partition(".")
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"RekognitionService.{operation}"}
    request = AWSRequest(method="POST", url=server.url + "/", data=body, headers=headers)
    SigV4Auth(Credentials(access_key_id, secret), "rekognition", "eu-west-2").add_auth(request)
    return httpx.post(server.url + "/", content=request.body, headers=dict(request.headers.items()), timeout=120)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("shape", BODIES)
def test_every_rekognition_operation_refuses_deep_nesting(server: RunningServer, shape: str, depth: int) -> None:
    body = BODIES[shape](depth)
    audit_size = server.gov.audit.size()
    for operation in OPERATIONS:
        response = signed_post(server, operation, body)
        assert response.status_code == 400, f"{operation}: {response.text}"
        assert response.headers["content-type"] == "application/x-amz-json-1.1"
        assert "x-amzn-requestid" in response.headers
        error = response.json()
        assert error["__type"] == "SerializationException", f"{operation}: {error}"
        assert "nested" in error["message"]
    assert server.gov.audit.size() == audit_size


def test_nesting_a_parser_reads_is_refused_by_the_request_model(server: RunningServer) -> None:
    """Below the parser's limit the body is read and the model refuses the member, as any wrong type."""
    with server.client(Role.ADMIN) as admin:
        response = admin.post(
            "/api/v1/galleries", content=nested_member(100), headers={"Content-Type": "application/json"}
        )
    assert "body.name" in rest_refusal(response, 422, "invalid_request")
    response = signed_post(server, "DescribeCollection", b'{"CollectionId":' + nested_array(100) + b"}")
    assert response.status_code == 400
    assert response.json()["__type"] == "InvalidParameterException"
