"""Signing in to the web interface with a user name and an access key's secret: failures throttled per user
name and per address with backoff, and audited without the secret; the first administrator's key file."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from watchkeeper.errors import RateLimitedError
from watchkeeper.governance import audit_access, credentials, users
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.credentials import AuthenticationError, SignInAttempt
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.governance.schema import User
from watchkeeper.governance.sign_in_throttle import (
    ADDRESS_MAX_WAIT,
    FREE_FAILURES,
    NAME_MAX_WAIT,
    SignInThrottle,
)

HOME = "192.0.2.10"
"""The address the legitimate user signs in from."""
ELSEWHERE = "198.51.100.20"
"""Where the guesses come from."""


@pytest.fixture
def throttle(clock: FixedClock) -> SignInThrottle:
    return SignInThrottle(clock)


def test_the_secret_of_a_current_key_of_that_user_signs_in(
    gov: Governance, people: dict[Role, Actor], throttle: SignInThrottle
) -> None:
    admin = people[Role.ADMIN]
    old = credentials.issue_access_key(gov, admin, "olu", "laptop", "new starter")
    new = credentials.issue_access_key(gov, admin, "olu", "control room", "second desk")
    other = credentials.issue_access_key(gov, admin, "ann", "laptop", "new starter")
    signed_in = credentials.sign_in(gov, throttle, SignInAttempt("olu", new.secret_access_key, HOME))
    assert signed_in == credentials.SignedIn(people[Role.OPERATOR], new.access_key_id)
    assert credentials.sign_in(gov, throttle, SignInAttempt("olu", old.secret_access_key, HOME)) == (
        credentials.SignedIn(people[Role.OPERATOR], old.access_key_id)
    )
    refused = [
        ("olu", other.secret_access_key),  # another user's secret
        ("olu", new.access_key_id),  # the public half
        ("olu", new.bearer_token),
        ("nobody", new.secret_access_key),
        ("olu", ""),
    ]
    for name, secret in refused:
        with pytest.raises(AuthenticationError, match="the user name or the secret access key is not valid"):
            credentials.sign_in(gov, throttle, SignInAttempt(name, secret, HOME))
    credentials.revoke_access_key(gov, admin, new.access_key_id, "desk removed")
    with pytest.raises(AuthenticationError):
        credentials.sign_in(gov, SignInThrottle(gov.clock), SignInAttempt("olu", new.secret_access_key, HOME))
    credentials.sign_out(gov, signed_in)
    recorded = [entry.action for entry in entries(gov, people[Role.AUDITOR])][-10:]
    assert recorded == ["session.sign_in"] * 2 + ["session.sign_in_failed"] * 5 + [
        "key.revoke",
        "session.sign_in_failed",
        "session.sign_out",
    ]
    assert audit_access.verify(gov, people[Role.AUDITOR]).ok


def test_failed_sign_ins_are_audited_with_name_address_and_reason_never_the_secret(
    gov: Governance, people: dict[Role, Actor], throttle: SignInThrottle
) -> None:
    issued = credentials.issue_access_key(gov, people[Role.ADMIN], "ann", "", "new starter")
    guess = "not-" + issued.secret_access_key
    for name, secret in (("ann", guess), ("nobody", issued.secret_access_key)):
        with pytest.raises(AuthenticationError):
            credentials.sign_in(gov, throttle, SignInAttempt(name, secret, ELSEWHERE))
    failed = [e for e in entries(gov, people[Role.AUDITOR]) if e.action == "session.sign_in_failed"]
    assert [(e.actor, e.details["user"], e.details["address"], e.details["reason"]) for e in failed] == [
        ("system", "ann", ELSEWHERE, "wrong_secret"),
        ("system", "nobody", ELSEWHERE, "no_active_user"),
    ]
    logged = json.dumps([e.canonical_bytes().decode() for e in entries(gov, people[Role.AUDITOR])])
    assert issued.secret_access_key not in logged
    assert repr(SignInAttempt("ann", guess, ELSEWHERE)).count(guess) == 0


def test_a_deactivated_user_cannot_sign_in(
    gov: Governance, people: dict[Role, Actor], throttle: SignInThrottle
) -> None:
    issued = credentials.issue_access_key(gov, people[Role.ADMIN], "ann", "", "new starter")
    with gov.sessions.begin() as session:
        session.scalars(select(User).where(User.name == "ann")).one().active = False
    with pytest.raises(AuthenticationError):
        credentials.sign_in(gov, throttle, SignInAttempt("ann", issued.secret_access_key, HOME))
    failed = [e for e in entries(gov, people[Role.AUDITOR]) if e.action == "session.sign_in_failed"]
    assert failed[-1].details["reason"] == "no_active_user"


def test_guesses_at_one_name_back_off_and_are_refused_unchecked(
    gov: Governance, people: dict[Role, Actor], throttle: SignInThrottle, clock: FixedClock
) -> None:
    issued = credentials.issue_access_key(gov, people[Role.ADMIN], "olu", "", "new starter")
    for _ in range(FREE_FAILURES + 1):
        with pytest.raises(AuthenticationError):
            credentials.sign_in(gov, throttle, SignInAttempt("olu", "guess", ELSEWHERE))
    recorded = gov.audit.size()
    with pytest.raises(RateLimitedError) as waiting:
        credentials.sign_in(gov, throttle, SignInAttempt("olu", issued.secret_access_key, ELSEWHERE))
    assert waiting.value.retry_after == pytest.approx(1.0)
    assert "Too many failed sign-ins" in str(waiting.value)
    assert gov.audit.size() == recorded, "a refusal while waiting checks nothing and writes nothing"
    # A first sign-in from another address waits for the name's backoff too, but only that long.
    with pytest.raises(RateLimitedError):
        credentials.sign_in(gov, throttle, SignInAttempt("olu", issued.secret_access_key, HOME))
    clock.advance(timedelta(seconds=1))
    assert credentials.sign_in(gov, throttle, SignInAttempt("olu", issued.secret_access_key, HOME)).actor.name == "olu"
    # The refused attempts are counted on the next recorded failure from where they came.
    with pytest.raises(AuthenticationError):
        credentials.sign_in(gov, throttle, SignInAttempt("olu", "guess", ELSEWHERE))
    last = entries(gov, people[Role.AUDITOR])[-1]
    assert (last.action, last.details["refused_while_waiting"]) == ("session.sign_in_failed", 1)


def test_the_backoff_doubles_up_to_its_caps_and_never_shuts_out_a_known_address(
    throttle: SignInThrottle, clock: FixedClock
) -> None:
    throttle.admit("olu", HOME)
    throttle.succeeded("olu", HOME)
    waits = [0.0]
    for _ in range(FREE_FAILURES + 14):
        clock.advance(timedelta(seconds=waits[-1]))  # the guesser tries again as soon as allowed
        throttle.admit("olu", ELSEWHERE)  # admitted, then never succeeded: a wrong secret
        waits.append(throttle.wait("olu", ELSEWHERE))
    waits = waits[1:]
    assert waits[:FREE_FAILURES] == [0.0] * FREE_FAILURES
    assert waits[FREE_FAILURES : FREE_FAILURES + 5] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert waits[-1] == ADDRESS_MAX_WAIT.total_seconds()
    assert 0.0 < throttle.wait("olu", "203.0.113.5") <= NAME_MAX_WAIT.total_seconds()
    assert throttle.wait("olu", HOME) == 0.0, "where the user signed in before, the name's backoff is waived"
    assert throttle.wait("ann", ELSEWHERE) > 0.0, "the guessing address is held back whatever name it tries"
    clock.advance(timedelta(hours=2))
    assert throttle.wait("olu", ELSEWHERE) == 0.0, "failures are forgotten after a quiet spell"


def test_the_first_administrators_key_file_goes_once_they_sign_in_or_issue_a_key(
    gov: Governance, throttle: SignInThrottle
) -> None:
    first = users.bootstrap_first_administrator(gov)
    assert first is not None
    assert first.is_file()
    assert first.stat().st_mode & 0o077 == 0
    assert users.bootstrap_first_administrator(gov) is None, "only while there are no users"
    fields = dict(line.split(": ", 1) for line in first.read_text().splitlines())
    admin = users.resolve_actor(gov, credentials.FIRST_ADMINISTRATOR)
    credentials.issue_access_key(gov, admin, credentials.FIRST_ADMINISTRATOR, "laptop", "a key of my own")
    assert not first.exists(), "issuing another key retires the file"
    assert credentials.authenticate_bearer(gov, fields["bearer_token"]).actor == admin, "the key itself still works"


def test_the_first_key_file_goes_once_the_administrator_signs_in(gov: Governance, throttle: SignInThrottle) -> None:
    first = users.bootstrap_first_administrator(gov)
    assert first is not None
    secret = dict(line.split(": ", 1) for line in first.read_text().splitlines())["secret_access_key"]
    with pytest.raises(AuthenticationError):
        credentials.sign_in(gov, throttle, SignInAttempt(credentials.FIRST_ADMINISTRATOR, "typo", HOME))
    assert first.is_file(), "a failed attempt leaves it"
    credentials.sign_in(gov, throttle, SignInAttempt(credentials.FIRST_ADMINISTRATOR, secret, HOME))
    assert not first.exists()


def entries(gov: Governance, auditor: Actor) -> list[AuditEntry]:
    return [entry for _, entry in audit_access.entries(gov, auditor, 0, gov.audit.size()) if entry is not None]
