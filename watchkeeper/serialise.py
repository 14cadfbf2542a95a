"""JSON-ready copies of Watchkeeper's records, shared by the command line's ``--json`` and the HTTP API."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any


def plain(value: Any) -> Any:
    """JSON-ready copies of dataclass fields: times as ISO 8601, enums as their values, bytes (hashes) as
    base64."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value
