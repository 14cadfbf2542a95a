"""Reading the audit log, for those whose role allows it: the permission check the log's storage leaves to
the governance layer, so that ``governance.audit`` knows nothing of users and roles.

Every adapter (command line, REST API, web pages) reads the log through these functions; writers append
through :meth:`~watchkeeper.governance.audit.store.AuditLog.append` inside the act they audit, having
checked their own permission.
"""

from __future__ import annotations

from collections.abc import Sequence

from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.selection import EntryFilter, EntryPage
from watchkeeper.governance.audit.verify import VerificationReport
from watchkeeper.governance.audit.witness import HeadUpdate
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Permission


def verify(gov: Governance, actor: Actor, witness: Sequence[str] = ()) -> VerificationReport:
    """The whole log checked against its signed heads, the checkpoints file and ``witness`` heads."""
    actor.require(Permission.READ_AUDIT)
    return gov.audit.verify(witness)


def entries(gov: Governance, actor: Actor, start: int, limit: int) -> list[tuple[int, AuditEntry | None]]:
    """Up to ``limit`` entries from sequence ``start`` on (None where retention pruned the content)."""
    actor.require(Permission.READ_AUDIT)
    return gov.audit.entries(start, limit)


def page(gov: Governance, actor: Actor, criteria: EntryFilter, before: int | None, limit: int) -> EntryPage:
    """Up to ``limit`` of the entries ``criteria`` selects below sequence ``before``, newest first."""
    actor.require(Permission.READ_AUDIT)
    return gov.audit.page(criteria, before, limit)


def inclusion(gov: Governance, actor: Actor, sequence: int) -> tuple[AuditEntry | None, bytes, list[bytes], str]:
    """Entry ``sequence``, its leaf hash, its inclusion proof and the signed head it is proven in."""
    actor.require(Permission.READ_AUDIT)
    return gov.audit.inclusion(sequence)


def newest_head(gov: Governance, actor: Actor) -> str:
    """The newest signed tree head, for an outside witness to keep."""
    actor.require(Permission.READ_AUDIT)
    return gov.audit.newest_head()


def update_since(gov: Governance, actor: Actor, old_size: int, new_size: int | None = None) -> HeadUpdate:
    """The signed head of ``new_size`` (default: the newest) with its consistency proof from ``old_size``."""
    actor.require(Permission.READ_AUDIT)
    return gov.audit.update_since(old_size, new_size)
