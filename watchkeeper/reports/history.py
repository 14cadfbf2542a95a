"""The audit log read back as the history a report is computed from.

Live tables lose rows to retention (alerts after a month, searches after a year), so figures for a past
period cannot come from them; the audit log keeps every act with its details and is itself verifiable.
Every figure in a report is therefore a fold over these entries and names the sequence numbers it used.
Entries whose content retention has pruned are counted, so a report can say what it can no longer see.
Each entry is read as its typed act (:mod:`~watchkeeper.governance.audit.events`): one that is not (an
unknown action, a renamed or missing key) stops the report with an error naming it, so a figure is never
computed from a value that is not there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar, cast

from sqlalchemy import select

from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.events import AuditEvent, RecordedEvent, read_entry
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import AuditEntryRow

E = TypeVar("E", bound=AuditEvent)


@dataclass(frozen=True, slots=True)
class AuditHistory:
    entries: tuple[RecordedEvent[AuditEvent], ...]
    """Entries with content, in sequence order, as their acts."""
    pruned: tuple[tuple[int, datetime], ...]
    """Sequence and recording time of entries whose content was pruned under the audit retention period."""

    def of(self, *kinds: type[E]) -> list[RecordedEvent[E]]:
        """The entries recording acts of these kinds (or of their subclasses), in sequence order."""
        return [cast("RecordedEvent[E]", entry) for entry in self.entries if isinstance(entry.event, kinds)]

    def pruned_before(self, moment: datetime) -> int:
        return sum(1 for _, recorded in self.pruned if recorded < moment)


def read_history(gov: Governance, actor: Actor) -> AuditHistory:
    """Every audit entry, read as its act; only for roles that produce reports (they see counts, not faces).
    EventError naming the first entry that is not a recorded act this version can read."""
    actor.require(Permission.PRODUCE_REPORTS)
    with gov.sessions() as session:
        rows = session.execute(
            select(AuditEntryRow.sequence, AuditEntryRow.canonical, AuditEntryRow.recorded_at).order_by(
                AuditEntryRow.sequence
            )
        ).all()
    entries = tuple(read_entry(AuditEntry.from_canonical_bytes(bytes(c))) for _, c, _ in rows if c is not None)
    pruned = tuple((sequence, recorded) for sequence, c, recorded in rows if c is None)
    return AuditHistory(entries, pruned)
