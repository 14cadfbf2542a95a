"""The audit log read back as the history a report is computed from.

Live tables lose rows to retention (alerts after a month, searches after a year), so figures for a past
period cannot come from them; the audit log keeps every act with its details and is itself verifiable.
Every figure in a report is therefore a fold over these entries and names the sequence numbers it used.
Entries whose content retention has pruned are counted, so a report can say what it can no longer see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import AuditEntryRow


@dataclass(frozen=True, slots=True)
class AuditHistory:
    entries: tuple[AuditEntry, ...]
    """Entries with content, in sequence order."""
    pruned: tuple[tuple[int, datetime], ...]
    """Sequence and recording time of entries whose content was pruned under the audit retention period."""

    def of(self, *actions: str) -> list[AuditEntry]:
        return [entry for entry in self.entries if entry.action in actions]

    def pruned_before(self, moment: datetime) -> int:
        return sum(1 for _, recorded in self.pruned if recorded < moment)


def read_history(gov: Governance, actor: Actor) -> AuditHistory:
    """Every audit entry, decoded; only for roles that produce reports (they see counts, not faces)."""
    actor.require(Permission.PRODUCE_REPORTS)
    with gov.sessions() as session:
        rows = session.execute(
            select(AuditEntryRow.sequence, AuditEntryRow.canonical, AuditEntryRow.recorded_at).order_by(
                AuditEntryRow.sequence
            )
        ).all()
    entries = tuple(AuditEntry.from_canonical_bytes(bytes(c)) for _, c, _ in rows if c is not None)
    pruned = tuple((sequence, recorded) for sequence, c, recorded in rows if c is None)
    return AuditHistory(entries, pruned)
