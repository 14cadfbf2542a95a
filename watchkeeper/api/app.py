"""Mounting the REST API (``/api/v1``) and the Rekognition-compatible endpoint on the server's application."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Scope

from watchkeeper.api.rekognition import router as rekognition
from watchkeeper.api.rekognition.errors import limit_refusal
from watchkeeper.api.routes import alerts, audit, deployments, footage, galleries, reports, retention, users
from watchkeeper.server.errors import error_response

API_PREFIX = "/api/v1"
LARGE_UPLOAD_PATHS = (API_PREFIX + "/footage-searches",)
"""The routes whose bodies may reach the footage limit rather than the request limit: video uploads."""


def install_api(app: FastAPI) -> None:
    """Add the REST routes, one module per concept, and the Rekognition-compatible endpoint to ``app``."""
    api = APIRouter(prefix=API_PREFIX)
    for module in (users, galleries, footage, deployments, alerts, audit, retention, reports):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(rekognition.router)


def reject(scope: Scope, status: int, code: str, message: str, headers: dict[str, str]) -> Response:
    """A limit's refusal in the shape the client reads: AWS's for the Rekognition protocol, else REST's (which
    the web pages' scripts read too)."""
    if rekognition.is_rekognition_request(Headers(scope=scope)):
        return limit_refusal(code, message, headers)
    return error_response(status, code, message, headers)
