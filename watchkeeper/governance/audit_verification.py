"""Verifying the audit log every time someone looks at it, without re-hashing the whole log every time.

A :class:`LogVerifier` lives as long as the process that shows the log and keeps one thing: the last
signed head it verified (its signed text, so its size and root). Each :meth:`~LogVerifier.check` then
verifies only what was appended since (:meth:`~watchkeeper.governance.audit.store.AuditLog.verify_appended`:
the newest head's consistency with the kept one, the new entries' hashes, nothing stored beyond the newest
head, the checkpoints file's newest head extended by it), in O(new entries).

It verifies the whole log instead when it has verified nothing yet, when that check fails, and from a
failure on until a whole-log verification passes, so a failure stays on show. The kept head takes part in
every whole-log verification as a head kept outside the database: a log cut short, blanked or rewritten
since it was verified fails against it even if the checkpoints file was rewritten too.

What the check of new entries cannot see is an entry before the kept head altered in the database after it
was verified: those bytes are not read again. Only :meth:`~LogVerifier.check_whole_log` re-hashes them, and
every :class:`LogCheck` says when that last happened, for the page to say so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from watchkeeper.errors import InputError, NotFoundError
from watchkeeper.governance.audit.checkpoint import open_checkpoint
from watchkeeper.governance.audit.errors import AuditError
from watchkeeper.governance.audit.store import ORIGIN
from watchkeeper.governance.audit.verify import VerificationReport
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Permission

KEPT_BY = "this server's last verified head"
"""How findings name the kept head when it takes part in a whole-log verification."""


@dataclass(frozen=True)
class LogCheck:
    """What one verification found, and how much of the log it re-hashed to find it."""

    report: VerificationReport
    rehashed: int
    """Entries whose bytes this verification hashed: every one, or those appended since ``went_on_from``."""
    went_on_from: int
    """The size of the verified head this check went on from; 0 when it verified the whole log."""
    whole_log_at: datetime | None
    """When this process last verified the whole log (the time of this check when it did)."""
    fallback: str | None = None
    """Why checking only the new entries failed, when it did: the whole log was verified instead."""


class LogVerifier:
    """The audit log verified incrementally from the last signed head verified, for one process."""

    def __init__(self, gov: Governance) -> None:
        self._gov = gov
        self._lock = threading.Lock()  # page views run in threads; one check at a time keeps the head right
        self._kept: str | None = None
        self._trusted = False
        self._whole_log_at: datetime | None = None

    def check(self, actor: Actor) -> LogCheck:
        """The log verified from the kept head on (or whole, when that cannot be done or has failed)."""
        actor.require(Permission.READ_AUDIT)
        with self._lock:
            if self._kept is None or not self._trusted:
                return self._verify_whole()
            verifier = self._gov.audit.verifier
            kept = open_checkpoint(self._kept, verifier, ORIGIN)
            try:
                signed = self._gov.audit.verify_appended(kept)
            except (AuditError, InputError, NotFoundError) as failure:
                return self._verify_whole(str(failure))
            self._kept = signed
            new = open_checkpoint(signed, verifier, ORIGIN)
            report = VerificationReport(new.size, new.root_hash, new, (), latest_signed=signed)
            return LogCheck(report, new.size - kept.size, kept.size, self._whole_log_at)

    def check_whole_log(self, actor: Actor) -> LogCheck:
        """Every entry re-hashed, as well as checked against the kept head: what finds an old entry altered."""
        actor.require(Permission.READ_AUDIT)
        with self._lock:
            return self._verify_whole()

    def _verify_whole(self, fallback: str | None = None) -> LogCheck:
        report = self._gov.audit.verify([self._kept] if self._kept else [], KEPT_BY)
        self._whole_log_at = self._gov.clock.now()
        self._trusted = report.ok
        if report.ok and report.latest_signed is not None:
            self._kept = report.latest_signed
        return LogCheck(report, report.size, 0, self._whole_log_at, fallback)
