"""Web sessions without a browser: signed cookies, CSRF tokens, and the limits that end a session."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.governance.credentials import SignedIn
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.web.sessions import IDLE_SECONDS, LIFETIME_SECONDS, SessionStore

OLU = SignedIn(Actor("olu", Role.OPERATOR), "WKIAEXAMPLE")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock: Clock) -> SessionStore:
    return SessionStore(b"k" * 32, clock)


def test_a_cookie_names_its_session_only_with_a_valid_signature(store: SessionStore) -> None:
    session = store.start(OLU)
    cookie = store.cookie_value(session.id)
    assert store.id_from_cookie(cookie) == session.id
    assert session.id not in cookie.split(".")  # signed and encoded, not the bare id
    forged = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    for value in (forged, session.id, "", None, SessionStore(b"x" * 32).cookie_value(session.id)):
        assert store.id_from_cookie(value) is None


def test_csrf_tokens_belong_to_one_session(store: SessionStore) -> None:
    first, second = store.start(OLU), store.start(OLU)
    assert first.id != second.id
    assert store.csrf_valid(first.id, store.csrf_token(first.id))
    assert not store.csrf_valid(first.id, store.csrf_token(second.id))
    assert not store.csrf_valid(first.id, "")


def test_sessions_end_when_idle_too_long_past_their_lifetime_or_signed_out(store: SessionStore, clock: Clock) -> None:
    idle = store.start(OLU)
    clock.now += IDLE_SECONDS + 1
    assert store.get(idle.id) is None
    busy = store.start(OLU)
    while clock.now < busy.started + LIFETIME_SECONDS:
        assert store.get(busy.id) is busy
        clock.now += IDLE_SECONDS / 2
    clock.now += 1
    assert store.get(busy.id) is None
    leaving = store.start(OLU)
    assert store.end(leaving.id) is leaving
    assert store.get(leaving.id) is None


def test_the_signing_key_is_kept_in_the_data_directory(tmp_path: Path) -> None:
    first = SessionStore.open(tmp_path / "keys")
    cookie = first.cookie_value("an id")
    assert SessionStore.open(tmp_path / "keys").id_from_cookie(cookie) == "an id"
    assert (tmp_path / "keys" / "web-session.key").stat().st_mode & 0o077 == 0
    (tmp_path / "keys" / "web-session.key").write_bytes(b"short")
    with pytest.raises(ValueError, match="not a 256-bit key"):
        SessionStore.open(tmp_path / "keys")
