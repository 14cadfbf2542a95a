"""Who is calling: every API route but the health check names its caller by an access key.

``Authorization: Bearer <access key id>.<secret access key>``; the key is issued to a registered user by an
administrator (``watchkeeper key issue``). The resolved :class:`Actor` is what the governance core checks
permissions against, so the API never decides on its own what a role may do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from watchkeeper.governance.credentials import AuthenticationError, authenticate_bearer
from watchkeeper.governance.roles import Actor
from watchkeeper.server.limits import request_charge
from watchkeeper.server.state import ServerState, server_state

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="AccessKey",
    description="An access key as `<access key id>.<secret access key>` (issued by `watchkeeper key issue`).",
)


def current_actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    """The holder of the request's verified bearer token; the request is charged to that key from here on."""
    if credentials is None:
        raise AuthenticationError("this request needs 'Authorization: Bearer <access key id>.<secret access key>'")
    verified = authenticate_bearer(server_state(request).gov, credentials.credentials)
    request_charge(request.scope).key_verified(verified.access_key_id)
    return verified.actor


CurrentActor = Annotated[Actor, Depends(current_actor)]
State = Annotated[ServerState, Depends(server_state)]
