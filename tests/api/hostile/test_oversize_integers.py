"""Integers beyond what the database stores (ids, sequence numbers and offsets are signed 64-bit) in every
integer parameter of every route: refused as out of range, never a server error.

The parameters are read from the server's OpenAPI document (the REST API) and from the web pages' routes,
so a route added later is covered without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from tests.api.hostile.hostile_requests import rest_refusal
from tests.api.serving import RunningServer
from watchkeeper.api.app import API_PREFIX
from watchkeeper.governance.roles import Role
from watchkeeper.web import routes as web_routes

HOSTILE_INTEGERS = (2**63, 2**64, -(2**63) - 1, 10**100)


@dataclass(frozen=True)
class IntegerParameter:
    method: str
    path: str
    """The route's path template."""
    location: str
    """path, query or header."""
    name: str
    others: dict[str, dict[str, str]]
    """Plausible values for the route's other required parameters, by location."""

    def request(self, value: int) -> tuple[str, dict[str, str], dict[str, str]]:
        """The URL, query and headers of a request with ``value`` in this parameter."""
        values = {location: dict(fields) for location, fields in self.others.items()}
        values.setdefault(self.location, {})[self.name] = str(value)
        path = re.sub(r"{(\w+)}", lambda part: values["path"][part[1]], self.path)
        return path, values.get("query", {}), values.get("header", {})


def _schema_is_integer(schema: dict[str, Any]) -> bool:
    """An OpenAPI schema of an integer, an optional integer or a list of integers."""
    if schema.get("type") == "integer":
        return True
    if schema.get("type") == "array":
        return _schema_is_integer(schema.get("items", {}))
    return any(_schema_is_integer(option) for option in schema.get("anyOf", ()))


def rest_parameters(openapi: dict[str, Any]) -> Iterator[IntegerParameter]:
    """The integer parameters of the REST API, from its OpenAPI document."""
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            declared = operation.get("parameters", [])
            others: dict[str, dict[str, str]] = {}
            for parameter in declared:
                if parameter["required"]:
                    value = "1" if _schema_is_integer(parameter["schema"]) else "x"
                    others.setdefault(parameter["in"], {})[parameter["name"]] = value
            for parameter in declared:
                if _schema_is_integer(parameter["schema"]):
                    yield IntegerParameter(method.upper(), path, parameter["in"], parameter["name"], others)


def _is_integer(annotation: object) -> bool:
    """``int``, ``int | None``, ``list[int]`` and the like (``bool`` is not an integer parameter)."""
    if annotation is int:
        return True
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) in (typing.Union, list):
        return any(_is_integer(argument) for argument in typing.get_args(annotation))
    return typing.get_origin(annotation) is typing.Annotated and _is_integer(typing.get_args(annotation)[0])


def _with_dependencies(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for dependency in dependant.dependencies:
        yield from _with_dependencies(dependency)


def web_parameters() -> Iterator[IntegerParameter]:
    """The integer parameters of the web pages (kept out of the OpenAPI document), from the routes of every
    module of :mod:`watchkeeper.web.routes`."""
    for module_info in pkgutil.iter_modules(web_routes.__path__):
        router = importlib.import_module(f"{web_routes.__name__}.{module_info.name}").router
        for route in router.routes:
            assert isinstance(route, APIRoute)
            every = list(_with_dependencies(route.dependant))
            fields = {
                "path": [field for part in every for field in part.path_params],
                "query": [field for part in every for field in part.query_params],
                "header": [field for part in every for field in part.header_params],
            }
            others = {
                location: {field.alias: "1" if _is_integer(field.field_info.annotation) else "x" for field in params}
                for location, params in fields.items()
            }
            for location, params in fields.items():
                for field in params:
                    if _is_integer(field.field_info.annotation):
                        for method in sorted(route.methods or ()):
                            yield IntegerParameter(method, route.path, location, field.alias, others)


@pytest.fixture(scope="module")
def parameters(server: RunningServer) -> list[IntegerParameter]:
    """Every integer parameter the server takes in a path, a query or a header."""
    with server.client() as anonymous:
        openapi = anonymous.get("/openapi.json").json()
    return [*rest_parameters(openapi), *web_parameters()]


@dataclass(frozen=True)
class WebVisitor:
    client: httpx.Client
    csrf_token: str
    """Sent with every form, so that a form is refused for its integer and not as a forgery."""


def _csrf_token(page: httpx.Response) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None, page.text
    return token[1]


@pytest.fixture(scope="module")
def web(server: RunningServer) -> Iterator[WebVisitor]:
    """A browser-like client signed in to the web pages as the administrator."""
    secret = server.tokens[Role.ADMIN].partition(".")[2]
    with httpx.Client(base_url=server.url, headers={"Accept": "text/html"}, timeout=120.0) as client:
        token = _csrf_token(client.get("/sign-in"))
        signed_in = client.post("/sign-in", data={"user": "ada", "secret": secret, "csrf_token": token})
        assert signed_in.status_code == 303, signed_in.text
        yield WebVisitor(client, _csrf_token(client.get("/retention")))


def send(api: httpx.Client, web: WebVisitor, parameter: IntegerParameter, value: int) -> httpx.Response:
    """The request with ``value`` in ``parameter``: to the REST API with ``api``'s key, to a page as ``web``."""
    path, query, headers = parameter.request(value)
    if path.startswith(API_PREFIX):
        return api.request(parameter.method, path, params=query, headers=headers)
    form = {"csrf_token": web.csrf_token} if parameter.method == "POST" else None
    return web.client.request(parameter.method, path, params=query, headers=headers, data=form)


def test_the_routes_are_read_from_the_application(parameters: list[IntegerParameter]) -> None:
    """The enumeration finds the parameters known today, in the REST API and the web pages alike."""
    found = {(parameter.path, parameter.name) for parameter in parameters}
    assert {
        (API_PREFIX + "/alerts/{alert_id}/crop", "alert_id"),
        (API_PREFIX + "/audit/entries/{sequence}/proof", "sequence"),
        (API_PREFIX + "/audit/entries", "start"),
        (API_PREFIX + "/alerts/stream", "last-event-id"),
        ("/faces/{face_id}/image", "face_id"),
        ("/audit", "before"),
    } <= found


@pytest.mark.parametrize("value", HOSTILE_INTEGERS, ids=("2^63", "2^64", "-2^63-1", "10^100"))
def test_every_integer_parameter_refuses_what_the_database_cannot_store(
    server: RunningServer, parameters: list[IntegerParameter], web: WebVisitor, value: int
) -> None:
    audit_size = server.gov.audit.size()
    failures = []
    with server.client(Role.ADMIN) as api:
        for parameter in parameters:
            response = send(api, web, parameter, value)
            where = f"{parameter.method} {parameter.path} {parameter.location} {parameter.name}={value}"
            try:
                if parameter.path.startswith(API_PREFIX):
                    assert parameter.name in rest_refusal(response, 422, "invalid_request")
                else:
                    assert response.status_code == 422, response.text[:300]
                    assert "text/html" in response.headers["content-type"]
                    assert parameter.name.replace("_", " ") in response.text
            except AssertionError as error:
                failures.append(f"{where}: {response.status_code} {error}")
    assert not failures, "\n".join(failures)
    assert server.gov.audit.size() == audit_size


def test_the_largest_stored_integer_is_answered_without_a_server_error(
    server: RunningServer, parameters: list[IntegerParameter], web: WebVisitor
) -> None:
    """2^63 - 1 is in range: each route answers it (nothing found, most often) as the operator, who may
    use the alert routes too; an event stream the caller may read stays open by design, so streams are
    left out here (their bound is checked above)."""
    failures = []
    with server.client(Role.OPERATOR) as operator, server.client(Role.AUDITOR) as auditor:
        for parameter in parameters:
            if parameter.path.endswith("/stream"):
                continue
            for api in (operator, auditor):
                response = send(api, web, parameter, 2**63 - 1)
                if response.status_code >= 500:
                    failures.append(f"{parameter.method} {parameter.path} {parameter.name}: {response.status_code}")
    assert not failures, "\n".join(failures)
