"""One exception tree for everything a user can get wrong or a deployment can lack.

Every error a person sees names the input it concerns and the reason, so that the command line and the
server can print it as it is, without a traceback.
"""

from __future__ import annotations


class WatchkeeperError(Exception):
    """Base of every error Watchkeeper raises on purpose.

    ``code`` is a stable, machine-readable name for the kind of error (used in ``--json`` output and API
    responses); the message is for people.
    """

    code = "error"


class InputError(WatchkeeperError):
    """An input (an image file, a request body, an argument) that cannot be used, and why."""

    code = "invalid_input"

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
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


class RateLimitedError(WatchkeeperError):
    """More attempts than allowed for a while: requests beyond a key's or an address's rate, or sign-ins
    after too many failures. ``retry_after`` is the number of seconds until the next attempt may succeed."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AlreadyExistsError(WatchkeeperError):
    """A record of that name already exists, and names are unique."""

    code = "already_exists"


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
