"""Administration: users and their roles, and the access keys people sign in and programs connect with.

Every change is a governance call, which checks the administrator's role and records the change with its
reason. A key's secret is shown on one page, once, right after it is issued: it is never stored in clear,
so it can never be shown again.
"""

from __future__ import annotations

from collections import Counter
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from watchkeeper.governance import credentials, users
from watchkeeper.governance.roles import Permission, Role
from watchkeeper.web.pages import FormSession, Session, Web, WebRoute, done, redirect, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

Text = Annotated[str, Form(min_length=1, max_length=2000)]
UserName = Annotated[str, Form(min_length=1, max_length=100)]
ISSUED_PATH = "/keys/issued"


@router.get("/users")
def users_page(request: Request, session: Session, web: Web) -> Response:
    actor = session.signed_in.actor
    records = users.list_users(web.server.gov, actor)
    keys = credentials.list_access_keys(web.server.gov, actor)
    current = Counter(key.user for key in keys if key.revoked_at is None)
    return render(request, session, "users.html", users=records, roles=list(Role), current_keys=current)


@router.post("/users")
def add_user(session: FormSession, web: Web, name: UserName, role: Annotated[Role, Form()], reason: Text) -> Response:
    record = users.add_user(web.server.gov, session.signed_in.actor, name, role, reason.strip())
    return done(
        session,
        f"/keys?user={quote(record.name, safe='')}#issue",
        f"User {record.name} added as {record.role.value}. Issue them an access key: they sign in with its secret.",
    )


@router.post("/users/{name}/role")
def change_role(name: str, session: FormSession, web: Web, role: Annotated[Role, Form()], reason: Text) -> Response:
    record = users.change_role(web.server.gov, session.signed_in.actor, name, role, reason.strip())
    message = f"{record.name} is now {record.role.value}; they sign in again to act in the new role."
    return done(session, "/users", message)


@router.post("/users/{name}/deactivation")
def deactivate(name: str, session: FormSession, web: Web, reason: Text) -> Response:
    record = users.deactivate_user(web.server.gov, session.signed_in.actor, name, reason.strip())
    return done(session, "/users", f"{record.name} deactivated: their keys are refused and their sessions ended.")


@router.get("/keys")
def keys_page(
    request: Request, session: Session, web: Web, user: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    """Every key (or one user's, to issue them another), newest first, never with its secret."""
    actor = session.signed_in.actor
    keys = credentials.list_access_keys(web.server.gov, actor, user or None)
    holders = [record.name for record in users.list_users(web.server.gov, actor) if record.active]
    return render(request, session, "keys.html", keys=keys[::-1], holders=holders, chosen=user)


@router.post("/keys")
def issue_key(
    session: FormSession,
    web: Web,
    user: UserName,
    reason: Text,
    description: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The new key waits in the session for the page that shows it once (after a redirect, so reloading
    that page never issues another key)."""
    actor = session.signed_in.actor
    session.issued_key = credentials.issue_access_key(web.server.gov, actor, user, description.strip(), reason.strip())
    return redirect(ISSUED_PATH)


@router.get(ISSUED_PATH)
def issued_key_page(request: Request, session: Session) -> Response:
    session.signed_in.actor.require(Permission.MANAGE_USERS)
    issued = session.take_issued_key()
    if issued is None:
        return done(session, "/keys", "A key's secret is shown only once, just after it is issued.", is_error=True)
    return render(request, session, "key_issued.html", issued=issued)


@router.post("/keys/{access_key_id}/revocation")
def revoke_key(access_key_id: str, session: FormSession, web: Web, reason: Text) -> Response:
    record = credentials.revoke_access_key(web.server.gov, session.signed_in.actor, access_key_id, reason.strip())
    return done(session, "/keys", f"Access key {record.access_key_id} of {record.user} revoked.")
