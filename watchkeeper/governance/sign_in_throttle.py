"""Failed sign-ins slow down, per user name and per client address, without locking anyone out for good.

After :data:`FREE_FAILURES` failures (typing mistakes), each further failure doubles the wait before the
next attempt is even checked: from :data:`FIRST_WAIT`, up to :data:`ADDRESS_MAX_WAIT` for the address the
failures came from and :data:`NAME_MAX_WAIT` for the user name they were aimed at. An attempt during a
wait is refused unchecked, so guessing gets slower and slower while costing the server nothing.

The name's wait is short and capped because anyone can aim failures at any name: it slows guessing spread
over many addresses, but the owner of the name is kept out for at most a minute after the last failure,
and not at all from an address they have signed in from before (so long as the server has run). The
guessing address itself is held back for up to a quarter of an hour, so one address cannot keep a name
closed. Failures are forgotten after :data:`FORGET_AFTER` without one, and a name's after its owner
signs in.

Kept in the server's memory, like the web sessions it guards: a restart forgets it. Secrets are 240-bit
random values, so the throttle is not what keeps them from being guessed; it keeps floods of guesses from
costing work, and the audit log they write (each checked failure is an entry) from growing without bound.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from watchkeeper.errors import RateLimitedError
from watchkeeper.governance.clock import Clock

FREE_FAILURES = 5
FIRST_WAIT = timedelta(seconds=1)
NAME_MAX_WAIT = timedelta(minutes=1)
ADDRESS_MAX_WAIT = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)
_MAX_TRACKED = 10_000
"""Names, addresses and known (name, address) pairs each; the least recently seen are forgotten first."""

_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


@dataclass
class _Failures:
    count: int
    last: datetime
    refused: int = 0
    """Attempts refused while waiting, not yet reported in an audit entry (kept for addresses)."""


class SignInThrottle:
    """The failures of one server's sign-ins, by user name and by address; safe to share between threads."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._names: OrderedDict[str, _Failures] = OrderedDict()
        self._addresses: OrderedDict[str, _Failures] = OrderedDict()
        self._known: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def wait(self, user_name: str, address: str) -> float:
        """Seconds before an attempt for ``user_name`` from ``address`` may be checked (0.0: now)."""
        with self._lock:
            return self._wait(user_name, address, self._clock.now())

    def admit(self, user_name: str, address: str) -> None:
        """Let an attempt be checked, counting it as failed until :meth:`succeeded` says otherwise (so
        concurrent guesses cannot all slip in before the first failure is counted); raises
        :class:`RateLimitedError` instead while either the name or the address must wait."""
        now = self._clock.now()
        with self._lock:
            wait = self._wait(user_name, address, now)
            if wait > 0:
                self._entry(self._addresses, address, now).refused += 1
                raise RateLimitedError(
                    f"Too many failed sign-ins for this user name or from this address; try again in {wait:.0f} s.",
                    wait,
                )
            for table, key in ((self._names, user_name), (self._addresses, address)):
                failures = self._entry(table, key, now)
                failures.count, failures.last = failures.count + 1, now

    def succeeded(self, user_name: str, address: str) -> None:
        """The admitted attempt signed in: the name's failures are cleared, the address's provisional one
        withdrawn, and the address becomes one the name's backoff never applies to."""
        with self._lock:
            self._names.pop(user_name, None)
            failures = self._addresses.get(address)
            if failures is not None:
                failures.count = max(0, failures.count - 1)
            _remember(self._known, (user_name, address), None)

    def take_refusals(self, address: str) -> int:
        """Attempts from ``address`` refused while waiting since this was last asked (for the audit entry
        of its next failure, which would otherwise not show them)."""
        with self._lock:
            failures = self._addresses.get(address)
            if failures is None:
                return 0
            refused, failures.refused = failures.refused, 0
            return refused

    def _wait(self, user_name: str, address: str, now: datetime) -> float:
        waits = [_remaining(self._addresses.get(address), ADDRESS_MAX_WAIT, now)]
        if (user_name, address) not in self._known:
            waits.append(_remaining(self._names.get(user_name), NAME_MAX_WAIT, now))
        return max(waits)

    def _entry(self, table: OrderedDict[str, _Failures], key: str, now: datetime) -> _Failures:
        """The failures kept under ``key`` (fresh ones when none, or forgotten after a quiet spell)."""
        failures = table.get(key)
        if failures is None or now - failures.last > FORGET_AFTER:
            failures = _Failures(0, now, failures.refused if failures else 0)
        _remember(table, key, failures)
        return failures


def _remaining(failures: _Failures | None, cap: timedelta, now: datetime) -> float:
    """Seconds left of the wait these failures impose (doubling past the free ones, at most ``cap``)."""
    if failures is None or failures.count <= FREE_FAILURES or now - failures.last > FORGET_AFTER:
        return 0.0
    doublings = min(failures.count - FREE_FAILURES - 1, 64)  # far past any cap, never an overflow
    wait = min(cap.total_seconds(), FIRST_WAIT.total_seconds() * 2.0**doublings)
    return max(0.0, wait - (now - failures.last).total_seconds())


def _remember(table: OrderedDict[_Key, _Value], key: _Key, value: _Value) -> None:
    """Keep ``value`` under ``key`` as the most recently seen, forgetting the oldest past the bound."""
    table[key] = value
    table.move_to_end(key)
    while len(table) > _MAX_TRACKED:
        table.popitem(last=False)
