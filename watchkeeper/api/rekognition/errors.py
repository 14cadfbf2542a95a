"""Refusals in the shape AWS SDKs read: ``{"__type": <error type>, "message": <text>}`` and a status code.

The types and status codes are Rekognition's (its API reference lists them per operation: client errors
are 400, ``InternalServerError`` and ``ThrottlingException`` 500) and the common ones of every AWS JSON
service for authentication (``MissingAuthenticationTokenException``, ``IncompleteSignatureException``,
``InvalidSignatureException``, ``UnrecognizedClientException``). Watchkeeper's own errors are mapped onto
them here, once, so every operation refuses alike.
"""

from __future__ import annotations

import logging
import uuid

from starlette.responses import JSONResponse

from watchkeeper.errors import (
    AlreadyExistsError,
    FaceSelectionError,
    ImageDecodeError,
    ImageTooLargeError,
    InputError,
    NotFoundError,
    RateLimitedError,
    UnsupportedImageFormatError,
    WatchkeeperError,
)
from watchkeeper.governance.credentials import AuthenticationError
from watchkeeper.governance.galleries import GalleryError
from watchkeeper.governance.roles import PermissionDeniedError, UnknownUserError
from watchkeeper.server.errors import RequestTooLargeError

CONTENT_TYPE = "application/x-amz-json-1.1"
REQUEST_ID_HEADER = "x-amzn-RequestId"
logger = logging.getLogger("watchkeeper.server.rekognition")


class AwsError(Exception):
    """A refusal with its AWS error type; status 400 unless the type says the fault is the server's."""

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status


def invalid_parameter(message: str) -> AwsError:
    return AwsError("InvalidParameterException", message)


AWS_TYPE_BY_ERROR: tuple[tuple[type[WatchkeeperError], str], ...] = (
    (AuthenticationError, "UnrecognizedClientException"),
    (PermissionDeniedError, "AccessDeniedException"),
    (UnknownUserError, "AccessDeniedException"),
    (NotFoundError, "ResourceNotFoundException"),
    (AlreadyExistsError, "ResourceAlreadyExistsException"),
    (RequestTooLargeError, "ImageTooLargeException"),
    (ImageTooLargeError, "ImageTooLargeException"),
    (UnsupportedImageFormatError, "InvalidImageFormatException"),
    (ImageDecodeError, "InvalidImageFormatException"),
    (FaceSelectionError, "InvalidParameterException"),
    (GalleryError, "InvalidParameterException"),
    (InputError, "InvalidParameterException"),
    (RateLimitedError, "ProvisionedThroughputExceededException"),
)
"""First match wins, so subclasses come before their bases."""

AWS_TYPE_BY_CODE = {
    "rate_limited": "ProvisionedThroughputExceededException",
    "request_too_large": "ImageTooLargeException",
}
"""The limits' refusals (made before any handler runs), by their REST error code."""


def aws_error_of(error: Exception) -> AwsError:
    """The AWS refusal for an error raised while serving a request; unexpected ones are logged and become
    ``InternalServerError`` without their details."""
    if isinstance(error, AwsError):
        return error
    if isinstance(error, WatchkeeperError):
        for kind, error_type in AWS_TYPE_BY_ERROR:
            if isinstance(error, kind):
                return AwsError(error_type, str(error))
        return AwsError("InternalServerError", str(error), 500)
    if isinstance(error, ValueError):
        # The governance core's own checks (empty reason, expiry in the past, ...) raise ValueError.
        return invalid_parameter(str(error))
    logger.exception("Rekognition-compatible request failed", exc_info=error)
    return AwsError("InternalServerError", "Watchkeeper failed to serve the request; it is logged", 500)


def aws_response(
    status: int, body: object, headers: dict[str, str] | None = None, request_id: str | None = None
) -> JSONResponse:
    """A JSON 1.1 response with the request id header every AWS SDK reads."""
    all_headers = {REQUEST_ID_HEADER: request_id or str(uuid.uuid4()), **(headers or {})}
    return JSONResponse(body, status_code=status, headers=all_headers, media_type=CONTENT_TYPE)


def error_response(error: AwsError, headers: dict[str, str] | None = None) -> JSONResponse:
    return aws_response(error.status, {"__type": error.error_type, "message": error.message}, headers)


def limit_refusal(code: str, message: str, headers: dict[str, str]) -> JSONResponse:
    """The limits middleware's refusal of a Rekognition request, in AWS's shape."""
    return error_response(AwsError(AWS_TYPE_BY_CODE.get(code, "InvalidParameterException"), message), headers)
