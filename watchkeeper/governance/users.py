"""Registered users: who may act, in which role. Every governance call starts by resolving its actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from watchkeeper.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from watchkeeper.governance import credentials
from watchkeeper.governance.audit.events import UserAdded, UserDeactivated, UserRoleChanged
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.records import record_from_row
from watchkeeper.governance.roles import SYSTEM_ACTOR, Actor, Permission, Role, UnknownUserError
from watchkeeper.governance.schema import User


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRecord:
    name: str
    role: Role
    active: bool
    created_at: datetime


def resolve_actor(gov: Governance, name: str) -> Actor:
    """The active user called ``name`` as an :class:`Actor`; raises :class:`UnknownUserError` otherwise."""
    with gov.sessions() as session:
        user = session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    if user is None:
        raise UnknownUserError(
            f"no active user called {name!r}; an administrator adds users with `watchkeeper user add`"
        )
    return Actor(name=user.name, role=user.role)


def add_user(gov: Governance, actor: Actor | None, name: str, role: Role, reason: str) -> UserRecord:
    """Register a user. Without an ``actor`` this only succeeds while no user exists: the first
    administrator bootstraps the system, and the audit log records that it happened."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidArgumentError(f"a user name must be 1 to 100 characters, got {name!r}")
    with transaction(gov.sessions) as session:
        if actor is None:
            if session.scalar(select(func.count()).select_from(User)):
                raise UnknownUserError("users already exist: name the administrator who adds this one")
            if role is not Role.ADMIN:
                raise InvalidArgumentError("the first user must be an administrator")
            actor = SYSTEM_ACTOR
        else:
            actor.require(Permission.MANAGE_USERS)
        if session.scalar(select(User).where(User.name == name)) is not None:
            raise AlreadyExistsError(f"a user called {name!r} already exists")
        user = User(name=name, role=role, active=True, created_at=gov.clock.now())
        session.add(user)
        gov.audit.append(session, actor, UserAdded(user=name, role=role.value), reason)
    return record_from_row(UserRecord, user)


def list_users(gov: Governance, actor: Actor) -> list[UserRecord]:
    actor.require(Permission.MANAGE_USERS)
    with gov.sessions() as session:
        users = session.scalars(select(User).order_by(User.name)).all()
        return [record_from_row(UserRecord, u) for u in users]


def change_role(gov: Governance, actor: Actor, name: str, role: Role, reason: str) -> UserRecord:
    """Give an active user another role; audited with the role they had. Their keys act in the new role
    from the next request on. Refused when it would leave no active administrator."""
    actor.require(Permission.MANAGE_USERS)
    with transaction(gov.sessions) as session:
        user = _active_user(session, name)
        if user.role is role:
            raise InvalidArgumentError(f"{name!r} already has the role {role.value}")
        _keep_an_administrator(session, user)
        previous, user.role = user.role, role
        gov.audit.append(
            session, actor, UserRoleChanged(user=name, role=role.value, previous_role=previous.value), reason
        )
    return record_from_row(UserRecord, user)


def deactivate_user(gov: Governance, actor: Actor, name: str, reason: str) -> UserRecord:
    """Stop a user acting, for good: their keys are refused and their web sessions end at once; audited.
    The user stays on record, since the audit log names them. Refused for the last active administrator."""
    actor.require(Permission.MANAGE_USERS)
    with transaction(gov.sessions) as session:
        user = _active_user(session, name)
        _keep_an_administrator(session, user)
        user.active = False
        gov.audit.append(session, actor, UserDeactivated(user=name, role=user.role.value), reason)
    return record_from_row(UserRecord, user)


def _active_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFoundError(f"no user called {name!r}")
    if not user.active:
        raise InvalidArgumentError(f"{name!r} is deactivated")
    return user


def _keep_an_administrator(session: Session, user: User) -> None:
    """Refuse taking ``user`` out of the administrators when no other active one would be left to manage
    users (nor to undo the change)."""
    if user.role is not Role.ADMIN:
        return
    others = session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
    )
    if not others:
        raise InvalidArgumentError(f"{user.name!r} is the only active administrator: make another one first")


def bootstrap_first_administrator(gov: Governance) -> Path | None:
    """With no users at all, register the first administrator and deliver their access key in a file
    readable by the owner of the data directory only; returns that file (None when users already exist).
    The file is deleted once that administrator signs in or issues another key."""
    with gov.sessions() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return None
    name = credentials.FIRST_ADMINISTRATOR
    add_user(gov, None, name, Role.ADMIN, "first start of the server")
    issued = credentials.issue_access_key(gov, SYSTEM_ACTOR, name, "first administrator", "first start of the server")
    return credentials.write_first_key_file(gov, issued)
