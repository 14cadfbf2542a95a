"""The cameras this installation may watch through, and where each one's video comes from.

Set by an administrator in the ``[cameras]`` section of the policy file (``foyer = "rtsp://..."``), read by
every process, and recorded (without credentials) with the configuration in the audit log: where live
recognition can look is fixed by configuration on record, never typed in by whoever starts a run. The
server runs each authorised deployment on those of its cameras that have a source here, inside its
authorised window.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from watchkeeper.config import ConfigError


def read_camera_sources(path: Path) -> dict[str, str]:
    """Camera name -> video source (URL, device or file) from the ``[cameras]`` section; empty if none."""
    if not path.is_file():
        return {}
    try:
        section = tomllib.loads(path.read_text(encoding="utf-8")).get("cameras", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [cameras] must be a table of camera name = source")
    for name, source in section.items():
        if not name.strip() or "," in name or len(name) > 200:
            raise ConfigError(f"{path}: camera name {name!r} must be 1 to 200 characters without commas")
        if not isinstance(source, str) or not source.strip():
            raise ConfigError(f"{path}: cameras.{name} must be a non-empty source (URL, device or file)")
    return dict(section)


def without_credentials(source: str) -> str:
    """``source`` with any user name and password removed, for the record (``rtsp://u:p@cam/x`` -> ``rtsp://cam/x``)."""
    parts = urlsplit(source)
    if not parts.netloc or "@" not in parts.netloc:
        return source
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
