"""Access keys: how a program or a person proves, over HTTP, which registered user is acting.

A key pair (an access key id, public, and a secret) is issued by an administrator to a user and shown
once. The same pair serves both the HTTP API (``Authorization: Bearer <id>.<secret>``) and the
Rekognition-compatible endpoint (AWS Signature Version 4), so an existing AWS client needs only the
endpoint and these keys. The secret is stored encrypted, not hashed, because SigV4 verification
recomputes the signature with the secret itself; the encryption key lives in the data directory's
``keys/`` beside the audit signing key, so a copy of the database alone reveals no secret.
"""

from __future__ import annotations

import functools
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from watchkeeper.errors import ErrorKind, WatchkeeperError
from watchkeeper.governance.audit.events import (
    AuditEvent,
    KeyIssued,
    KeyRevoked,
    SessionSignIn,
    SessionSignInFailed,
    SessionSignOut,
)
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.keyfiles import random_key_file, write_private_file
from watchkeeper.governance.records import record_from_row
from watchkeeper.governance.roles import SYSTEM_ACTOR, Actor, Permission
from watchkeeper.governance.schema import AccessKey, User
from watchkeeper.governance.sign_in_throttle import SignInThrottle

ACCESS_KEY_PREFIX = "WKIA"
"""Like AWS's ``AKIA``: says at a glance which system issued the key."""
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_ID_RANDOM_CHARACTERS = 16
_SECRET_BYTES = 30
ENCRYPTION_KEY_FILE = "access-key-encryption.key"
FIRST_ADMINISTRATOR = "admin"
"""The administrator a server registers on its first start, when there are no users at all."""
FIRST_KEY_FILE = "first-administrator-key.txt"
"""Where, in ``keys/``, that administrator's first key waits to be collected."""
logger = logging.getLogger("watchkeeper.governance.credentials")


class AuthenticationError(WatchkeeperError):
    """The presented credentials do not identify an active user's current key."""

    code = "authentication_failed"
    kind = ErrorKind.REFUSED


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key pair: the secret exists in clear only here, to be handed to its user once."""

    access_key_id: str
    secret_access_key: str
    user: str

    @property
    def bearer_token(self) -> str:
        return f"{self.access_key_id}.{self.secret_access_key}"


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessKeyRecord:
    access_key_id: str
    user: str
    description: str
    issued_by: str
    issued_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """Who holds an access key, and its secret, for verifying a request signed with it."""

    actor: Actor
    secret_access_key: str


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A verified caller: who, and by which of their keys (a request is limited by that key's rate; a web
    session ends when that key is revoked or its user deactivated)."""

    actor: Actor
    access_key_id: str


@dataclass(frozen=True, slots=True)
class SignInAttempt:
    """A person's attempt to sign in: the name they give, the secret they type and where they are."""

    user_name: str
    secret: str = field(repr=False)
    address: str
    interface: str = "web"


class SecretBox:
    """Encrypts and decrypts key secrets with the data directory's key (created on first use)."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    @classmethod
    def open(cls, keys_dir: Path) -> SecretBox:
        try:
            return cls(random_key_file(keys_dir / ENCRYPTION_KEY_FILE, 32))
        except ValueError as error:
            raise WatchkeeperError(str(error)) from None

    def seal(self, access_key_id: str, secret: str) -> tuple[bytes, bytes]:
        nonce = secrets.token_bytes(12)
        return nonce, self._aead.encrypt(nonce, secret.encode("ascii"), access_key_id.encode("ascii"))

    def unseal(self, access_key_id: str, nonce: bytes, ciphertext: bytes) -> str:
        try:
            return self._aead.decrypt(nonce, ciphertext, access_key_id.encode("ascii")).decode("ascii")
        except InvalidTag:
            raise AuthenticationError(f"access key {access_key_id}: its stored secret cannot be decrypted") from None


def issue_access_key(gov: Governance, actor: Actor, user_name: str, description: str, reason: str) -> IssuedKey:
    """Issue a new key pair to an active user; audited (the secret never enters the log). The first
    administrator issuing a key retires the file their first key was delivered in."""
    actor.require(Permission.MANAGE_USERS)
    access_key_id = ACCESS_KEY_PREFIX + "".join(secrets.choice(_ID_ALPHABET) for _ in range(_ID_RANDOM_CHARACTERS))
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    nonce, ciphertext = _secret_box(gov).seal(access_key_id, secret)
    with transaction(gov.sessions) as session:
        user = session.scalar(select(User).where(User.name == user_name, User.active.is_(True)))
        if user is None:
            raise AuthenticationError(f"no active user called {user_name!r} to issue a key to")
        session.add(
            AccessKey(
                access_key_id=access_key_id,
                user_id=user.id,
                secret_nonce=nonce,
                secret_ciphertext=ciphertext,
                description=description,
                issued_by=actor.name,
                issued_at=gov.clock.now(),
            )
        )
        issued = KeyIssued(user=user_name, key=access_key_id, description=description)
        gov.audit.append(session, actor, issued, reason)
    retire_first_key_file(gov, actor)
    return IssuedKey(access_key_id, secret, user_name)


def write_first_key_file(gov: Governance, issued: IssuedKey) -> Path:
    """Deliver the first administrator's key in a file readable by the server's owner only."""
    path = gov.settings.keys_dir / FIRST_KEY_FILE
    write_private_file(
        path,
        (
            f"user: {issued.user}\naccess_key_id: {issued.access_key_id}\n"
            f"secret_access_key: {issued.secret_access_key}\nbearer_token: {issued.bearer_token}\n"
        ).encode(),
    )
    return path


def first_key_file(gov: Governance) -> Path | None:
    """The file of the first administrator's key, while it has not been retired."""
    path = gov.settings.keys_dir / FIRST_KEY_FILE
    return path if path.is_file() else None


def retire_first_key_file(gov: Governance, actor: Actor) -> None:
    """Delete the first key's file once the first administrator has shown they hold a key (by signing
    in, or by issuing another key): a secret should lie on disk no longer than it takes to collect it.
    The key itself stays valid; revoke it to end it."""
    path = first_key_file(gov)
    if actor.name == FIRST_ADMINISTRATOR and path is not None:
        path.unlink(missing_ok=True)
        logger.info("deleted %s: the first administrator has collected their key", path)


def revoke_access_key(gov: Governance, actor: Actor, access_key_id: str, reason: str) -> AccessKeyRecord:
    """Revoke a key for good: requests signed with it are refused from now on; audited."""
    actor.require(Permission.MANAGE_USERS)
    with transaction(gov.sessions) as session:
        key = session.scalar(select(AccessKey).where(AccessKey.access_key_id == access_key_id))
        if key is None:
            raise AuthenticationError(f"no access key {access_key_id!r}")
        if key.revoked_at is None:
            key.revoked_at = gov.clock.now()
            gov.audit.append(session, actor, KeyRevoked(user=key.user.name, key=access_key_id), reason)
        return _record(key)


def list_access_keys(gov: Governance, actor: Actor, user_name: str | None = None) -> list[AccessKeyRecord]:
    actor.require(Permission.MANAGE_USERS)
    with gov.sessions() as session:
        query = select(AccessKey).join(User).order_by(AccessKey.id)
        if user_name is not None:
            query = query.where(User.name == user_name)
        return [_record(key) for key in session.scalars(query)]


def key_holder(gov: Governance, access_key_id: str) -> KeyHolder:
    """The active user holding a current (unrevoked) key, and the key's secret; AuthenticationError otherwise.

    The message is the same whether the key is unknown, revoked or its user deactivated, so a caller
    cannot probe which keys exist.
    """
    with gov.sessions() as session:
        row = session.execute(
            select(AccessKey, User)
            .join(User, AccessKey.user_id == User.id)
            .where(AccessKey.access_key_id == access_key_id, AccessKey.revoked_at.is_(None), User.active.is_(True))
        ).first()
    if row is None:
        raise AuthenticationError("the access key is not valid")
    key, user = row
    secret = _secret_box(gov).unseal(access_key_id, key.secret_nonce, key.secret_ciphertext)
    return KeyHolder(Actor(user.name, user.role), secret)


def authenticate_bearer(gov: Governance, token: str) -> SignedIn:
    """The holder of a bearer token ``<access key id>.<secret>`` and its key, compared in constant time."""
    access_key_id, _, presented = token.strip().partition(".")
    if not access_key_id or not presented:
        raise AuthenticationError("the bearer token must be '<access key id>.<secret access key>'")
    holder = key_holder(gov, access_key_id)
    if not hmac.compare_digest(holder.secret_access_key.encode(), presented.encode()):
        raise AuthenticationError("the access key is not valid")
    return SignedIn(holder.actor, access_key_id)


def sign_in(gov: Governance, throttle: SignInThrottle, attempt: SignInAttempt) -> SignedIn:
    """A person signing in with their user name and the secret of one of their current access keys: the
    same credential a program uses, so there is one thing to issue, revoke and audit. Refused unchecked
    (:class:`RateLimitedError`) while ``throttle`` holds the name or the address back after failures.
    Audited either way: a failure records the name given, the address and why, never the secret, so an
    auditor sees guessing; the refusal says the same whichever part was wrong. The first administrator
    signing in retires the file their first key was delivered in."""
    throttle.admit(attempt.user_name, attempt.address)
    signed_in, failure = _matching_key(gov, attempt)
    if signed_in is None:
        failed = SessionSignInFailed(
            interface=attempt.interface,
            user=attempt.user_name,
            address=attempt.address,
            failure=failure,
            refused_while_waiting=throttle.take_refusals(attempt.address),
        )
        with transaction(gov.sessions) as session:
            gov.audit.append(session, SYSTEM_ACTOR, failed, "")
        raise AuthenticationError("the user name or the secret access key is not valid")
    throttle.succeeded(attempt.user_name, attempt.address)
    user, key = signed_in.actor.name, signed_in.access_key_id
    _audit_session(
        gov, signed_in, SessionSignIn(user=user, key=key, interface=attempt.interface, address=attempt.address)
    )
    retire_first_key_file(gov, signed_in.actor)
    return signed_in


def _matching_key(gov: Governance, attempt: SignInAttempt) -> tuple[SignedIn | None, str]:
    """The first current key of the named active user whose secret is the one given, else None and why
    (for the audit log only: ``no_active_user``, ``no_current_key`` or ``wrong_secret``)."""
    with gov.sessions() as session:
        user = session.scalar(select(User).where(User.name == attempt.user_name, User.active.is_(True)))
        if user is None:
            return None, "no_active_user"
        keys = session.scalars(
            select(AccessKey).where(AccessKey.user_id == user.id, AccessKey.revoked_at.is_(None)).order_by(AccessKey.id)
        ).all()
        actor = Actor(user.name, user.role)
    if not keys:
        return None, "no_current_key"
    box = _secret_box(gov)
    for key in keys:
        secret = box.unseal(key.access_key_id, key.secret_nonce, key.secret_ciphertext)
        if hmac.compare_digest(secret.encode(), attempt.secret.encode()):
            return SignedIn(actor, key.access_key_id), ""
    return None, "wrong_secret"


def sign_out(gov: Governance, signed_in: SignedIn) -> None:
    """Record that a web session ended at its user's request."""
    _audit_session(
        gov, signed_in, SessionSignOut(user=signed_in.actor.name, key=signed_in.access_key_id, interface="web")
    )


def _audit_session(gov: Governance, signed_in: SignedIn, event: AuditEvent) -> None:
    with transaction(gov.sessions) as session:
        gov.audit.append(session, signed_in.actor, event, "")


def _secret_box(gov: Governance) -> SecretBox:
    return _opened_box(gov.settings.keys_dir)


@functools.cache
def _opened_box(keys_dir: Path) -> SecretBox:
    """The key is read once per data directory, not on every authenticated request."""
    return SecretBox.open(keys_dir)


def _record(key: AccessKey) -> AccessKeyRecord:
    return record_from_row(AccessKeyRecord, key, user=key.user.name)
