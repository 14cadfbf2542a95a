"""The policy in force: retention periods per kind of data, read from the configuration file.

Kept apart from enforcement so that start-up can record the policy in force (a change of policy is an
audited event) without depending on the services that apply it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from watchkeeper.config import ConfigError


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    """How long each kind of data is kept. ``None`` means no period of its own.

    - ``enrolled_images``: enrolled faces (image and descriptor), counted from enrolment; independently,
      every subject is deleted at their own expiry date.
    - ``probe_images``: probes kept with a search at the case's request.
    - ``search_results``: search records and their candidate lists (the audit entry of the search stays).
    - ``alerts``: live-recognition alerts.
    - ``audit``: audit entry content (leaf hashes are kept for ever, so the log stays verifiable).
    """

    enrolled_images: timedelta | None = None
    probe_images: timedelta | None = timedelta(days=31)
    search_results: timedelta | None = timedelta(days=365)
    alerts: timedelta | None = timedelta(days=31)
    audit: timedelta | None = timedelta(days=6 * 365)


POLICY_KINDS = ("enrolled_images", "probe_images", "search_results", "alerts", "audit")


def read_policy(path: Path) -> RetentionPolicy:
    """The ``[retention]`` section of a TOML file (days per kind; 0 or absent keeps the default; the
    string "none" for no period); defaults when the file does not exist."""
    if not path.is_file():
        return RetentionPolicy()
    try:
        section: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8")).get("retention", {})
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    unknown = set(section) - set(POLICY_KINDS)
    if unknown:
        raise ConfigError(f"{path}: unknown retention kind(s) {sorted(unknown)}; known: {', '.join(POLICY_KINDS)}")
    defaults = RetentionPolicy()
    values = {kind: _period(path, kind, section.get(kind), getattr(defaults, kind)) for kind in POLICY_KINDS}
    return RetentionPolicy(**values)


def _period(path: Path, kind: str, value: object, default: timedelta | None) -> timedelta | None:
    if value is None:
        return default
    if value == "none":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f'{path}: retention.{kind} must be a whole number of days (1 or more) or "none"')
    return timedelta(days=value)
