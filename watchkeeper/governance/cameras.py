"""The cameras this installation may watch through, and where each one's video comes from.

Set by an administrator in the ``[cameras]`` section of the policy file (``foyer = "rtsp://..."``), read by
every process, and recorded (without credentials) with the configuration in the audit log: where live
recognition can look is fixed by configuration on record, never typed in by whoever starts a run. The
server runs each authorised deployment on those of its cameras that have a source here, inside its
authorised window.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from watchkeeper.config import ConfigError
from watchkeeper.face import DetectorKind


def _section(path: Path, name: str, shape: str) -> dict[str, object]:
    """The policy file's ``[name]`` table; empty if the file or the section is absent."""
    if not path.is_file():
        return {}
    try:
        section = tomllib.loads(path.read_text(encoding="utf-8")).get(name, {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [{name}] must be a table of {shape}")
    return section


def read_camera_sources(path: Path) -> dict[str, str]:
    """Camera name -> video source (URL, device or file) from the ``[cameras]`` section; empty if none."""
    section = _section(path, "cameras", "camera name = source")
    for name, source in section.items():
        if not name.strip() or len(name) > 200:
            raise ConfigError(f"{path}: camera name {name!r} must be 1 to 200 characters")
        if not isinstance(source, str) or not source.strip():
            raise ConfigError(f"{path}: cameras.{name} must be a non-empty source (URL, device or file)")
    return {name: str(source) for name, source in section.items()}


def read_camera_detectors(path: Path, cameras: Mapping[str, str]) -> dict[str, DetectorKind]:
    """Camera name -> the detector the server runs it with, from the ``[camera_detectors]`` section
    (``concourse = "centerface"`` for a camera that sees faces 24-60 px wide); a camera not named there
    runs the server's video detector. Each name must be a camera of ``[cameras]``."""
    section = _section(path, "camera_detectors", "camera name = detector")
    kinds = {kind.value: kind for kind in DetectorKind}
    for name, detector in section.items():
        if name not in cameras:
            raise ConfigError(f"{path}: camera_detectors.{name} names no camera of [cameras]")
        if detector not in kinds:
            raise ConfigError(f"{path}: camera_detectors.{name} must be one of {', '.join(kinds)}, not {detector!r}")
    return {name: kinds[str(detector)] for name, detector in section.items()}


SECRET_QUERY_KEY = re.compile(r"pass|pwd|secret|token|key|auth|sig|cred|session|user|login", re.IGNORECASE)
"""A query parameter whose name says it carries a credential (``pwd``, ``password``, ``auth_token``,
``user``, ...), as cameras' HTTP and RTSP URLs often take them; a false match only hides a harmless value."""


def without_credentials(source: str) -> str:
    """``source`` as it may be recorded and shown to those who run no camera: any user name and password
    removed (``rtsp://u:p@cam/x`` -> ``rtsp://cam/x``) and the values of credential-like query parameters
    replaced (``?pwd=s3cret`` -> ``?pwd=***``), the rest unchanged."""
    address, question, query = source.partition("?")  # as FFmpeg reads it: a "#" ends no query
    parts = urlsplit(address)
    if not parts.netloc:
        return source
    address = urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
    return address + question + "&".join(_masked(pair) for pair in query.split("&"))


def _masked(pair: str) -> str:
    key, equals, _ = pair.partition("=")
    return f"{key}=***" if equals and SECRET_QUERY_KEY.search(unquote(key)) else pair
