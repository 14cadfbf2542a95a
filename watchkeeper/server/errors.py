"""How refusals look over HTTP: one JSON shape, a status code per kind of error.

``{"error": {"code": "<stable code>", "message": "<for people>"}}``; the codes are the
:class:`~watchkeeper.errors.WatchkeeperError` codes the command line prints with ``--json``.
"""

from __future__ import annotations

import errno
import math

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from watchkeeper.errors import (
    AlreadyExistsError,
    FaceSelectionError,
    ImageTooLargeError,
    InputError,
    NotFoundError,
    RateLimitedError,
    StorageUnavailableError,
    UnsupportedImageFormatError,
    WatchkeeperError,
)
from watchkeeper.governance.credentials import AuthenticationError
from watchkeeper.governance.deployments import DeploymentError
from watchkeeper.governance.galleries import GalleryError
from watchkeeper.governance.roles import PermissionDeniedError, UnknownUserError
from watchkeeper.video.source_policy import SourceNotAllowedError

STATUS_BY_ERROR: tuple[tuple[type[WatchkeeperError], int], ...] = (
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (SourceNotAllowedError, 403),
    (UnknownUserError, 403),
    (NotFoundError, 404),
    (AlreadyExistsError, 409),
    (GalleryError, 409),
    (DeploymentError, 409),
    (ImageTooLargeError, 413),
    (UnsupportedImageFormatError, 415),
    (FaceSelectionError, 422),
    (InputError, 400),
)
"""First match wins, so subclasses come before their bases; anything else is the server's fault (503)."""


NESTED_TOO_DEEPLY = "the JSON body is nested deeper than the parser reads (about 1000 levels)"
"""Python's ``json`` recurses once per level of nesting and raises ``RecursionError`` past the interpreter's
limit; a body like that is the client's malformed input, never the server's failure."""


STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})
"""Failures of the server's own storage outside the database (index files, uploads, keys): the deployment's
fault, reported as 503 ``unavailable`` like the database's own, never as the client's."""


class RequestTooLargeError(InputError):
    """A request body beyond the configured limit (refused before it is read in full)."""

    code = "request_too_large"


def status_of(error: WatchkeeperError) -> int:
    if isinstance(error, RequestTooLargeError):
        return 413
    if isinstance(error, RateLimitedError):
        return 429
    return next((status for kind, status in STATUS_BY_ERROR if isinstance(error, kind)), 503)


def retry_after_header(error: Exception) -> dict[str, str]:
    """``Retry-After`` (whole seconds, at least 1) for a refusal that passes with time; nothing otherwise."""
    if isinstance(error, RateLimitedError):
        return {"Retry-After": str(max(1, math.ceil(error.retry_after)))}
    return {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map Watchkeeper's errors, bad arguments and malformed requests to 4xx responses in one shape."""

    @app.exception_handler(WatchkeeperError)
    async def watchkeeper_error(_request: Request, error: WatchkeeperError) -> JSONResponse:
        status = status_of(error)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else retry_after_header(error)
        return error_response(status, error.code, str(error), headers)

    @app.exception_handler(ValueError)
    async def invalid_value(_request: Request, error: ValueError) -> JSONResponse:
        # The governance core's own checks (empty reason, expiry in the past, ...) raise ValueError.
        return error_response(400, "invalid_input", str(error))

    @app.exception_handler(OSError)
    async def storage_failed(_request: Request, error: OSError) -> JSONResponse:
        if error.errno not in STORAGE_ERRNOS:
            raise error  # a bug: the server's error page, logged with its traceback
        unavailable = StorageUnavailableError(error.filename or "the data directory", error.strerror or str(error))
        return error_response(503, unavailable.code, str(unavailable))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}" for problem in error.errors()
        )
        return error_response(422, "invalid_request", problems or "the request is malformed")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        cause = error.__cause__
        if isinstance(cause, WatchkeeperError):  # e.g. the size limit tripped while FastAPI parsed the body
            return error_response(status_of(cause), cause.code, str(cause))
        if isinstance(cause, RecursionError):  # FastAPI's JSON parsing of a deeply nested body
            return error_response(422, "invalid_request", NESTED_TOO_DEEPLY)
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return error_response(error.status_code, code, str(error.detail), dict(error.headers or {}))
