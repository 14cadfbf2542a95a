"""The configuration in force, recorded in the audit log whenever it changes.

Which retention periods applied, which networks ran and where the data lived are facts an inquiry or a
Freedom of Information answer may need for any date. At every start the governed part of the
configuration is compared with the last one recorded; if it differs, a ``config.change`` entry records
the new configuration, so the log shows what was in force from when.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from watchkeeper.config import Settings
from watchkeeper.face import DetectorKind
from watchkeeper.governance.audit.entry import JsonValue
from watchkeeper.governance.audit.events import ConfigurationChanged
from watchkeeper.governance.audit.store import AuditLog
from watchkeeper.governance.cameras import without_credentials
from watchkeeper.governance.db import transaction
from watchkeeper.governance.policy import POLICY_KINDS, RetentionPolicy
from watchkeeper.governance.roles import SYSTEM_ACTOR
from watchkeeper.governance.schema import AuditState


def governed_configuration(
    settings: Settings,
    policy: RetentionPolicy,
    cameras: Mapping[str, str],
    camera_detectors: Mapping[str, DetectorKind] | None = None,
) -> dict[str, JsonValue]:
    """The settings that change what happens to biometric data (never secrets or machine paths).

    ``camera_detectors`` is recorded only when some camera has one, so an installation that names none
    records the same configuration as before the setting existed (and no change is logged for it)."""
    configuration: dict[str, JsonValue] = {
        "retention_days": {kind: _days(getattr(policy, kind)) for kind in POLICY_KINDS},
        "cameras": {name: without_credentials(source) for name, source in sorted(cameras.items())},
        "network_backend": settings.network_backend.value,
        "database": make_url(settings.effective_database_url).get_backend_name(),
    }
    if camera_detectors:
        configuration["camera_detectors"] = {name: kind.value for name, kind in sorted(camera_detectors.items())}
    return configuration


def record_configuration(sessions: sessionmaker[Session], audit: AuditLog, configuration: dict[str, JsonValue]) -> bool:
    """Append a ``config.change`` entry if ``configuration`` differs from the last recorded; True if it did."""
    digest = hashlib.sha256(json.dumps(configuration, sort_keys=True).encode("utf-8")).hexdigest()
    with transaction(sessions) as session:
        state = session.scalars(select(AuditState).with_for_update()).one()
        if state.configuration_hash == digest:
            return False
        change = ConfigurationChanged(
            configuration=configuration, previous_sha256=state.configuration_hash, sha256=digest
        )
        audit.append(session, SYSTEM_ACTOR, change, "configuration in force at start differs from the last recorded")
        state.configuration_hash = digest
    return True


def _days(period: timedelta | None) -> int | None:
    return None if period is None else period.days
