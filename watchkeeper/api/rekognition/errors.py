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
    ErrorKind,
    ImageDecodeError,
    ImageTooLargeError,
    RateLimitedError,
    UnsupportedImageFormatError,
    WatchkeeperError,
)
from watchkeeper.governance.credentials import AuthenticationError
from watchkeeper.governance.galleries import GalleryError
from watchkeeper.server.errors import RequestTooLargeError

CONTENT_TYPE = "application/x-amz-json-1.1"
REQUEST_ID_HEADER = "x-amzn-RequestId"
logger = logging.getLogger("watchkeeper.server.rekognition")
INTERNAL_SERVER_ERROR = "InternalServerError"


class AwsError(Exception):
    """A refusal with its AWS error type; status 400 unless the type says the fault is the server's."""

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.status = status


def invalid_parameter(message: str) -> AwsError:
    return AwsError("InvalidParameterException", message)


AWS_TYPE_BY_KIND: dict[ErrorKind, str] = {
    ErrorKind.INVALID_INPUT: "InvalidParameterException",
    ErrorKind.REFUSED: "AccessDeniedException",
    ErrorKind.NOT_FOUND: "ResourceNotFoundException",
    ErrorKind.CONFLICT: "ResourceInUseException",
    ErrorKind.UNAVAILABLE: INTERNAL_SERVER_ERROR,
}
"""The AWS error type of every Watchkeeper error, by its kind."""

PRECISE_AWS_TYPE: tuple[tuple[type[WatchkeeperError], str], ...] = (
    (AuthenticationError, "UnrecognizedClientException"),
    (RateLimitedError, "ProvisionedThroughputExceededException"),
    (AlreadyExistsError, "ResourceAlreadyExistsException"),
    (GalleryError, "InvalidParameterException"),
    (RequestTooLargeError, "ImageTooLargeException"),
    (ImageTooLargeError, "ImageTooLargeException"),
    (UnsupportedImageFormatError, "InvalidImageFormatException"),
    (ImageDecodeError, "InvalidImageFormatException"),
)
"""The errors Rekognition has a more precise type for than their kind's (first match wins)."""

AWS_TYPE_BY_CODE = {
    "rate_limited": "ProvisionedThroughputExceededException",
    "request_too_large": "ImageTooLargeException",
}
"""The limits' refusals (made before any handler runs), by their REST error code."""


def aws_error_of(error: Exception) -> AwsError:
    """The AWS refusal for an error raised while serving a request; unexpected ones (a bare ``ValueError``
    included: it is a bug, not the client's input) are logged and become ``InternalServerError`` without
    their details."""
    if isinstance(error, AwsError):
        return error
    if isinstance(error, WatchkeeperError):
        return aws_error_of_watchkeeper(error)
    logger.exception("Rekognition-compatible request failed", exc_info=error)
    return AwsError(INTERNAL_SERVER_ERROR, "Watchkeeper failed to serve the request; it is logged", 500)


def aws_error_of_watchkeeper(error: WatchkeeperError) -> AwsError:
    """The AWS refusal for one of Watchkeeper's errors: its precise type if Rekognition has one, else its
    kind's; a fault of the server's (``InternalServerError``) is status 500, every other refusal 400."""
    precise = (aws_type for error_type, aws_type in PRECISE_AWS_TYPE if isinstance(error, error_type))
    aws_type = next(precise, AWS_TYPE_BY_KIND[error.kind])
    return AwsError(aws_type, str(error), 500 if aws_type == INTERNAL_SERVER_ERROR else 400)


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
