"""A change of the configuration in force is an audited event; an unchanged restart is not."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from watchkeeper.config import NetworkBackend, Settings
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.schema import AuditEntryRow


def config_entries(gov: Governance) -> list[AuditEntry]:
    with gov.sessions() as session:
        rows = session.scalars(select(AuditEntryRow.canonical).order_by(AuditEntryRow.sequence)).all()
    entries = [AuditEntry.from_canonical_bytes(row) for row in rows if row is not None]
    return [e for e in entries if e.action == "config.change"]


def test_configuration_changes_are_recorded_once_each(tmp_path: Path, settings: Settings, clock: FixedClock) -> None:
    local = replace(settings, data_dir=tmp_path / "data")
    first = Governance.open(local, clock)
    (entry,) = config_entries(first)
    assert (entry.actor, entry.target) == ("system", "configuration")
    assert entry.details["configuration"]["retention_days"]["probe_images"] == 31  # type: ignore[index,call-overload]
    first.close()

    again = Governance.open(local, clock)
    assert len(config_entries(again)) == 1  # nothing changed
    again.close()

    (local.data_dir / "watchkeeper.toml").write_text("[retention]\nprobe_images = 7\n")
    changed = Governance.open(local, clock)
    assert changed.policy.probe_images.days == 7  # type: ignore[union-attr]
    latest = config_entries(changed)[-1]
    assert latest.details["configuration"]["retention_days"]["probe_images"] == 7  # type: ignore[index,call-overload]
    assert latest.details["previous_sha256"] == entry.details["sha256"]
    changed.close()

    reference = Governance.open(replace(local, network_backend=NetworkBackend.DLIB), clock)
    assert config_entries(reference)[-1].details["configuration"]["network_backend"] == "dlib"  # type: ignore[index,call-overload]
    assert len(config_entries(reference)) == 3
    reference.close()
