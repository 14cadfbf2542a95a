"""Settings read once at start from the environment, validated, and passed down explicitly.

Only settings that exist today are here; each names its environment variable. A bad value stops the
program at start with a message naming the variable, rather than failing later in the middle of work.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from watchkeeper.errors import WatchkeeperError


class ConfigError(WatchkeeperError):
    """A setting has a value Watchkeeper cannot use."""

    code = "invalid_configuration"


class NetworkBackend(StrEnum):
    """Which implementation runs dlib's neural networks (the face ResNet and the MMOD CNN detector)."""

    ONNX = "onnx"
    """dlib's networks rebuilt as ONNX graphs and run batched by onnxruntime: the fast default."""
    DLIB = "dlib"
    """dlib's own implementation: the reference the ONNX rebuild is checked against."""


DATA_DIR_VARIABLE = "WATCHKEEPER_DATA_DIR"
BACKEND_VARIABLE = "WATCHKEEPER_NETWORK_BACKEND"
THREADS_VARIABLE = "WATCHKEEPER_THREADS"
DATABASE_URL_VARIABLE = "WATCHKEEPER_DATABASE_URL"
CONFIG_FILE_VARIABLE = "WATCHKEEPER_CONFIG"


@dataclass(frozen=True, slots=True)
class Settings:
    """Where Watchkeeper keeps its data, and how it runs its networks.

    ``data_dir`` is the one directory of an embedded deployment (database, indexes, keys, built models).
    ``database_url`` points at another database instead (e.g. ``postgresql+psycopg://...``); by default
    SQLite in the data directory. ``threads`` caps the cores each network may use (None: all of them).
    """

    data_dir: Path
    network_backend: NetworkBackend = NetworkBackend.ONNX
    threads: int | None = None
    database_url: str | None = None
    config_file: Path | None = None

    @property
    def effective_config_file(self) -> Path:
        """The policy file (retention periods and the like): as configured, or ``watchkeeper.toml`` in the
        data directory."""
        return self.config_file or self.data_dir / "watchkeeper.toml"

    @property
    def effective_database_url(self) -> str:
        """The configured database URL, or SQLite in the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'watchkeeper.db'}"

    @property
    def index_dir(self) -> Path:
        """Where each gallery's vector index is persisted (rebuilt from the database when missing or stale)."""
        return self.data_dir / "indexes"

    @property
    def keys_dir(self) -> Path:
        """Where the audit log's signing key lives."""
        return self.data_dir / "keys"

    @property
    def upload_dir(self) -> Path:
        """Where uploads a request needs as files (footage) are held until it ends: inside the data
        directory, under its protection, and swept at the server's start after a crash."""
        return self.data_dir / "tmp"

    @property
    def model_cache_dir(self) -> Path:
        """Where networks rebuilt from dlib's files are cached (rebuilt when the source file changes)."""
        return self.data_dir / "models"


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """``$XDG_DATA_HOME/watchkeeper``, or ``~/.local/share/watchkeeper``: the per-user data location."""
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "watchkeeper"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from environment variables (``os.environ`` by default), each validated."""
    environ = os.environ if environ is None else environ
    data_dir = Path(environ[DATA_DIR_VARIABLE]) if environ.get(DATA_DIR_VARIABLE) else default_data_dir(environ)
    return Settings(
        data_dir=data_dir.expanduser(),
        network_backend=_backend(environ.get(BACKEND_VARIABLE)),
        threads=_threads(environ.get(THREADS_VARIABLE)),
        database_url=_database_url(environ.get(DATABASE_URL_VARIABLE)),
        config_file=Path(environ[CONFIG_FILE_VARIABLE]).expanduser() if environ.get(CONFIG_FILE_VARIABLE) else None,
    )


def _backend(value: str | None) -> NetworkBackend:
    if not value:
        return NetworkBackend.ONNX
    try:
        return NetworkBackend(value.strip().lower())
    except ValueError:
        choices = ", ".join(kind.value for kind in NetworkBackend)
        raise ConfigError(f"{BACKEND_VARIABLE}={value!r} is not one of: {choices}") from None


def _threads(value: str | None) -> int | None:
    if not value:
        return None
    if not value.strip().isdigit() or int(value) < 1:
        raise ConfigError(f"{THREADS_VARIABLE}={value!r} must be a whole number of 1 or more")
    return int(value)


def _database_url(value: str | None) -> str | None:
    if not value:
        return None
    if not value.startswith(("sqlite:", "postgresql")):
        raise ConfigError(f"{DATABASE_URL_VARIABLE}={value!r} must be a sqlite:// or postgresql+psycopg:// URL")
    return value
