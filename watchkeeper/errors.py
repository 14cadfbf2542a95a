"""One exception tree for everything a user can get wrong or a deployment can lack.

Every error a person sees names the input it concerns and the reason, so that the command line and the
server can print it as it is, without a traceback.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class ErrorKind(StrEnum):
    """Whose fault an error is and what can be done about it: the one thing every adapter needs to know.

    The command line turns a kind into an exit code, the REST API into a status, the Rekognition-compatible
    endpoint into an AWS error type; each error says its kind, so no adapter keeps its own list of errors.
    """

    INVALID_INPUT = "invalid_input"
    """The request or argument cannot be used as given; the same request will always fail."""
    REFUSED = "refused"
    """The caller may not do this (not signed in, no permission, a source not allowed, too many attempts)."""
    NOT_FOUND = "not_found"
    """A named record does not exist."""
    CONFLICT = "conflict"
    """The stored state does not allow the change (a name taken, a record already closed)."""
    UNAVAILABLE = "unavailable"
    """Watchkeeper itself cannot serve it (models, settings, storage, a damaged file); not the caller's fault."""


class WatchkeeperError(Exception):
    """Base of every error Watchkeeper raises on purpose.

    ``code`` is a stable, machine-readable name for the error (used in ``--json`` output and API
    responses); ``kind`` sorts it for the adapters; the message is for people. An error that does not say
    otherwise is the deployment's fault.
    """

    code: ClassVar[str] = "error"
    kind: ClassVar[ErrorKind] = ErrorKind.UNAVAILABLE


class InputError(WatchkeeperError):
    """An input (an image file, a request body, an argument) that cannot be used, and why."""

    code = "invalid_input"
    kind = ErrorKind.INVALID_INPUT

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class InvalidArgumentError(InputError, ValueError):
    """A value given to a service call breaks one of its rules: an empty reason, an end before its start, a
    threshold out of range.

    The message is the rule alone (the caller knows which call it made); it is a ``ValueError`` too, as
    Python's own bad-argument error, so code that checks values the Python way still reads it. A bare
    ``ValueError`` is never an input error: it is a bug, reported as the server's fault.
    """

    def __init__(self, reason: str) -> None:
        WatchkeeperError.__init__(self, reason)
        self.source = "arguments"
        self.reason = reason


class ImageDecodeError(InputError):
    """The input is missing, empty, corrupt, truncated or not an image at all."""

    code = "image_unreadable"


class UnsupportedImageFormatError(InputError):
    """The input is an image, but in a format Watchkeeper does not accept."""

    code = "unsupported_image_format"


class ImageTooLargeError(InputError):
    """The input is larger (in bytes or pixels) than the configured limits allow."""

    code = "image_too_large"


class FaceSelectionError(InputError):
    """An operation needs exactly one face, and the image has none, or several and no choice was made."""

    code = "face_selection"


class ModelError(WatchkeeperError):
    """A model file is missing, unreadable or corrupt."""

    code = "model_unavailable"


class NotFoundError(WatchkeeperError):
    """A named record (gallery, subject, deployment, alert, audit entry) does not exist."""

    code = "not_found"
    kind = ErrorKind.NOT_FOUND


class RateLimitedError(WatchkeeperError):
    """More attempts than allowed for a while: requests beyond a key's or an address's rate, or sign-ins
    after too many failures. ``retry_after`` is the number of seconds until the next attempt may succeed."""

    code = "rate_limited"
    kind = ErrorKind.REFUSED

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AlreadyExistsError(WatchkeeperError):
    """A record of that name already exists, and names are unique."""

    code = "already_exists"
    kind = ErrorKind.CONFLICT


class StorageUnavailableError(WatchkeeperError):
    """What had to be stored could not be: the disk is full, the database read-only, locked or failing.

    The change is rolled back whole, so nothing is stored; the fault is the deployment's, not the request's,
    and the same request can succeed once the storage is fixed.
    """

    code = "unavailable"

    def __init__(self, store: str, reason: str) -> None:
        super().__init__(f"cannot store in {store}: {reason}; nothing was changed")
        self.source = store
        self.reason = reason
