"""Users and their access keys (administrators), and who the caller is (everyone)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from watchkeeper.api.auth import CurrentActor, State
from watchkeeper.api.routes.forms import Reasoned, ReasonText
from watchkeeper.governance import credentials, users
from watchkeeper.governance.credentials import AccessKeyRecord
from watchkeeper.governance.roles import PERMISSIONS, Permission, Role
from watchkeeper.governance.users import UserRecord

router = APIRouter(tags=["users"])


@dataclass(frozen=True, slots=True)
class Caller:
    name: str
    role: Role
    permissions: tuple[Permission, ...]


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Role
    reason: ReasonText


class NewKey(BaseModel):
    description: str = Field(default="", max_length=500)
    reason: ReasonText


class IssuedKeyOut(BaseModel):
    access_key_id: str
    secret_access_key: str = Field(description="Shown once: Watchkeeper cannot show it again.")
    user: str
    bearer_token: str


@router.get("/me")
def who_am_i(actor: CurrentActor) -> Caller:
    """The caller's user name, role and what that role may do (a client shows only what it may use)."""
    return Caller(actor.name, actor.role, tuple(sorted(PERMISSIONS[actor.role])))


@router.get("/users")
def list_users(actor: CurrentActor, state: State) -> list[UserRecord]:
    return users.list_users(state.gov, actor)


@router.post("/users", status_code=status.HTTP_201_CREATED)
def add_user(body: NewUser, actor: CurrentActor, state: State) -> UserRecord:
    return users.add_user(state.gov, actor, body.name, body.role, body.reason)


@router.post("/users/{name}/keys", status_code=status.HTTP_201_CREATED)
def issue_key(name: str, body: NewKey, actor: CurrentActor, state: State) -> IssuedKeyOut:
    issued = credentials.issue_access_key(state.gov, actor, name, body.description, body.reason)
    return IssuedKeyOut(
        access_key_id=issued.access_key_id,
        secret_access_key=issued.secret_access_key,
        user=issued.user,
        bearer_token=issued.bearer_token,
    )


@router.get("/keys")
def list_keys(actor: CurrentActor, state: State, user: str | None = None) -> list[AccessKeyRecord]:
    return credentials.list_access_keys(state.gov, actor, user)


@router.post("/keys/{access_key_id}/revoke")
def revoke_key(access_key_id: str, body: Reasoned, actor: CurrentActor, state: State) -> AccessKeyRecord:
    return credentials.revoke_access_key(state.gov, actor, access_key_id, body.reason)
