"""The server's own settings: the ``[server]`` and ``[rekognition]`` sections of the configuration file, then
environment variables.

Validated once at start: a bad value stops the server before it listens, with a message naming the file
or variable, never halfway through a request.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, DirectoryPath, Field, ValidationError

from watchkeeper.config import ConfigError
from watchkeeper.governance.categories import SubjectCategory

HOST_VARIABLE = "WATCHKEEPER_HOST"
PORT_VARIABLE = "WATCHKEEPER_PORT"
REKOGNITION_IMAGE_BYTES = 5 * 1024 * 1024
"""Rekognition's own limit on image bytes passed in a request."""


class RekognitionConfig(BaseModel):
    """The ``[rekognition]`` section: what faces indexed through the Rekognition-compatible endpoint are
    enrolled under, and the endpoint's image limit.

    Rekognition's IndexFaces carries no entry criteria, yet every subject needs a category, a reason and an
    expiry. They come from here (a request may state its own in headers, see
    :mod:`watchkeeper.api.rekognition.context`), so who may be enrolled through the endpoint is decided by
    policy, and each enrolment's audit entry records what applied.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: SubjectCategory | None = None
    """Category of subjects indexed without an ``X-Watchkeeper-Category`` header; with neither, IndexFaces
    is refused: no default category is assumed."""
    index_reason: str | None = Field(default=None, min_length=1, max_length=2000)
    """Reason recorded for faces indexed without an ``X-Watchkeeper-Reason`` header; with neither, IndexFaces
    is refused."""
    subject_days: int = Field(default=365, ge=1, le=36500)
    """Days until an indexed face's subject expires (shortened to the retention policy's
    ``enrolled_images`` period when that is shorter: the face would be deleted then anyway)."""
    max_image_bytes: int = Field(default=REKOGNITION_IMAGE_BYTES, ge=1024)
    """Largest image accepted in ``Image.Bytes`` (Rekognition's limit by default)."""


class ServerConfig(BaseModel):
    """Where the server listens and the limits it puts on each request and each key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    """Loopback by default: exposing biometric search to a network is a decision to make on purpose."""
    port: int = Field(default=8350, ge=1, le=65535)
    max_request_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    """Largest request body accepted (an image upload, a JSON request with a base64 image)."""
    max_footage_bytes: int = Field(default=2 * 1024 * 1024 * 1024, ge=1024)
    """Largest video accepted by footage search, which is the one upload allowed beyond the request limit."""
    requests_per_second: float = Field(default=20.0, gt=0)
    """Sustained requests per second allowed per access key (or per client address before signing in)."""
    burst: int = Field(default=40, ge=1)
    """Requests a key may make at once above the sustained rate."""
    deployment_check_seconds: float = Field(default=5.0, gt=0, le=3600)
    """How often the server starts the runs that are due: authorised deployments, inside their window, on
    cameras with a source in the ``[cameras]`` section."""
    video_directories: tuple[DirectoryPath, ...] = ()
    """Directories whose video files a request may name as a run's source. None by default: requests may
    name streams (``rtsp://``, ``http(s)://``, ...) and cameras (``/dev/...``), not files on the server."""
    trusted_proxies: tuple[str, ...] = ()
    """Addresses of reverse proxies whose ``X-Forwarded-For`` names the client. None by default: limits and
    sign-in backoff go by client address, and any local process could otherwise claim a fresh address
    (uvicorn trusts 127.0.0.1 unless told not to)."""
    allowed_clock_skew_seconds: int = Field(default=300, ge=1, le=3600)
    """How far a signed request's time may be from the server's: a captured request cannot be replayed later."""
    rekognition: RekognitionConfig = RekognitionConfig()
    """The ``[rekognition]`` section: entry criteria of faces indexed through the Rekognition-compatible
    endpoint, and its image limit."""


def read_server_config(path: Path, environ: Mapping[str, str] | None = None) -> ServerConfig:
    """The ``[server]`` section of ``path`` (defaults when absent), with ``WATCHKEEPER_HOST`` and
    ``WATCHKEEPER_PORT`` taking precedence, and its ``[rekognition]`` section."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if path.is_file():
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"{path}: not valid TOML ({error})") from None
        values = dict(document.get("server", {}))
        values.pop("rekognition", None)
        if "rekognition" in document:
            values["rekognition"] = document["rekognition"]
    source = f"{path} [server]"
    for variable, key in ((HOST_VARIABLE, "host"), (PORT_VARIABLE, "port")):
        if environ.get(variable):
            values[key] = environ[variable]
            source = f"{source} or {variable}"
    try:
        return ServerConfig.model_validate(values)
    except ValidationError as error:
        problems = "; ".join(f"{_setting_name(e['loc'])}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"{source}: {problems}") from None


def _setting_name(location: tuple[int | str, ...]) -> str:
    """A setting as the file names it: ``port``, or ``[rekognition] category`` for the other section."""
    if location and location[0] == "rekognition":
        return "[rekognition] " + ".".join(str(part) for part in location[1:])
    return ".".join(str(part) for part in location)
