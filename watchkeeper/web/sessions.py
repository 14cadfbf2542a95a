"""Web sessions: who is signed in to the browser interface, and proof that a form came from our own page.

A session lives in the server's memory and is named by a random id; the browser holds that id in a
signed, ``HttpOnly``, ``SameSite=Strict`` cookie, so a page's script cannot read it and another site
cannot send it. Signing out, the idle limit, the lifetime limit, or revoking the access key used to sign
in ends it at once (a restart ends them all: people sign in again). A visitor who has not signed in gets
a signed id too, without any state, so the sign-in form itself carries a CSRF token.

CSRF tokens are an HMAC of the cookie's id under the server's key: a form posted from another origin
cannot know it, and nothing needs storing to check it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from itsdangerous import BadSignature, URLSafeTimedSerializer

from watchkeeper.governance.credentials import IssuedKey, SignedIn
from watchkeeper.governance.keyfiles import random_key_file

COOKIE_NAME = "watchkeeper_session"
KEY_FILE = "web-session.key"
LIFETIME_SECONDS = 12 * 3600
"""A shift: after this a session ends however active it is."""
IDLE_SECONDS = 30 * 60
"""A session unused this long ends (a live alerts page keeps its session in use)."""
_MAX_SESSIONS = 10_000


@dataclass(frozen=True, slots=True)
class Notice:
    """A one-off message shown on the next page (the result of a form, or why it was refused)."""

    text: str
    is_error: bool = False


@dataclass
class WebSession:
    id: str
    signed_in: SignedIn
    started: float
    last_seen: float
    notices: list[Notice] = field(default_factory=list)
    issued_key: IssuedKey | None = field(default=None, repr=False)
    """A key this session's person just issued, waiting for the one page that shows its secret."""

    def take_notices(self) -> list[Notice]:
        taken, self.notices = self.notices, []
        return taken

    def take_issued_key(self) -> IssuedKey | None:
        """The key waiting to be shown, handed over once: a reload of its page cannot show the secret again."""
        taken, self.issued_key = self.issued_key, None
        return taken


class SessionStore:
    """The signed-in sessions of this server, and the key that signs cookies and CSRF tokens."""

    def __init__(self, key: bytes, clock: Callable[[], float] = time.monotonic) -> None:
        self._key = key
        self._serializer = URLSafeTimedSerializer(key, salt="watchkeeper.web.session")
        self._clock = clock
        self._sessions: dict[str, WebSession] = {}
        self._lock = threading.Lock()

    @classmethod
    def open(cls, keys_dir: Path) -> SessionStore:
        """The store signing with the data directory's web key (created on first use), so cookies stay
        verifiable across restarts while the sessions they name do not."""
        return cls(random_key_file(keys_dir / KEY_FILE, 32))

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(32)

    def cookie_value(self, session_id: str) -> str:
        return self._serializer.dumps(session_id)

    def id_from_cookie(self, value: str | None) -> str | None:
        """The id a cookie names, if its signature holds and it is within the lifetime."""
        if not value:
            return None
        try:
            session_id = self._serializer.loads(value, max_age=LIFETIME_SECONDS)
        except BadSignature:
            return None
        return session_id if isinstance(session_id, str) else None

    def csrf_token(self, session_id: str) -> str:
        return hmac.new(self._key, b"csrf:" + session_id.encode(), hashlib.sha256).hexdigest()

    def csrf_valid(self, session_id: str, token: str) -> bool:
        return hmac.compare_digest(self.csrf_token(session_id), token)

    def start(self, signed_in: SignedIn) -> WebSession:
        """A new session under a fresh id (never the visitor's id before signing in: no fixation)."""
        now = self._clock()
        session = WebSession(self.new_id(), signed_in, now, now)
        with self._lock:
            self._drop_expired(now)
            if len(self._sessions) >= _MAX_SESSIONS:
                oldest = min(self._sessions.values(), key=lambda s: s.last_seen)
                del self._sessions[oldest.id]
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> WebSession | None:
        """The live session of that id (touched: it is in use), or None when there is none or it expired."""
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if self._expired(session, now):
                del self._sessions[session_id]
                return None
            session.last_seen = now
            return session

    def end(self, session_id: str) -> WebSession | None:
        with self._lock:
            return self._sessions.pop(session_id, None)

    def _expired(self, session: WebSession, now: float) -> bool:
        return now - session.started > LIFETIME_SECONDS or now - session.last_seen > IDLE_SECONDS

    def _drop_expired(self, now: float) -> None:
        for expired in [s.id for s in self._sessions.values() if self._expired(s, now)]:
            del self._sessions[expired]
