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
    ErrorKind,
    FaceSelectionError,
    ImageTooLargeError,
    InputError,
    RateLimitedError,
    StorageUnavailableError,
    UnsupportedImageFormatError,
    WatchkeeperError,
)
from watchkeeper.governance.credentials import AuthenticationError

STATUS_BY_KIND: dict[ErrorKind, int] = {
    ErrorKind.INVALID_INPUT: 400,
    ErrorKind.REFUSED: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.UNAVAILABLE: 503,
}
"""The status of every error, by its kind."""


NESTED_TOO_DEEPLY = "the JSON body is nested deeper than the parser reads (about 1000 levels)"
"""Python's ``json`` recurses once per level of nesting and raises ``RecursionError`` past the interpreter's
limit; a body like that is the client's malformed input, never the server's failure."""


STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO})
"""Failures of the server's own storage outside the database (index files, uploads, keys): the deployment's
fault, reported as 503 ``unavailable`` like the database's own, never as the client's."""


class RequestTooLargeError(InputError):
    """A request body beyond the configured limit (refused before it is read in full)."""

    code = "request_too_large"


PRECISE_STATUS: tuple[tuple[type[WatchkeeperError], int], ...] = (
    (AuthenticationError, 401),
    (RateLimitedError, 429),
    (RequestTooLargeError, 413),
    (ImageTooLargeError, 413),
    (UnsupportedImageFormatError, 415),
    (FaceSelectionError, 422),
)
"""The few errors HTTP has a more precise status for than their kind's (first match wins)."""


def status_of(error: WatchkeeperError) -> int:
    """The HTTP status of ``error``: its precise one if HTTP has it, else its kind's."""
    precise = (status for error_type, status in PRECISE_STATUS if isinstance(error, error_type))
    return next(precise, STATUS_BY_KIND[error.kind])


def retry_after_header(error: Exception) -> dict[str, str]:
    """``Retry-After`` (whole seconds, at least 1) for a refusal that passes with time; nothing otherwise."""
    if isinstance(error, RateLimitedError):
        return {"Retry-After": str(max(1, math.ceil(error.retry_after)))}
    return {}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map Watchkeeper's errors and malformed requests to responses in one shape.

    Any other exception (a bare ``ValueError`` included) is a bug: the server's error page (500), logged
    with its traceback, never reported to the client as its own bad input."""

    @app.exception_handler(WatchkeeperError)
    async def watchkeeper_error(_request: Request, error: WatchkeeperError) -> JSONResponse:
        status = status_of(error)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else retry_after_header(error)
        return error_response(status, error.code, str(error), headers)

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
