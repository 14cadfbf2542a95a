"""Signing in to the web interface with a user name and an access key's secret."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from watchkeeper.governance import credentials
from watchkeeper.governance.context import Governance
from watchkeeper.governance.credentials import AuthenticationError
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.governance.schema import User


def test_the_secret_of_a_current_key_of_that_user_signs_in(gov: Governance, people: dict[Role, Actor]) -> None:
    admin = people[Role.ADMIN]
    old = credentials.issue_access_key(gov, admin, "olu", "laptop", "new starter")
    new = credentials.issue_access_key(gov, admin, "olu", "control room", "second desk")
    other = credentials.issue_access_key(gov, admin, "ann", "laptop", "new starter")
    signed_in = credentials.sign_in(gov, "olu", new.secret_access_key)
    assert signed_in == credentials.SignedIn(people[Role.OPERATOR], new.access_key_id)
    assert credentials.sign_in(gov, "olu", old.secret_access_key).access_key_id == old.access_key_id
    refused = [
        ("olu", other.secret_access_key),  # another user's secret
        ("olu", new.access_key_id),  # the public half
        ("olu", new.bearer_token),
        ("nobody", new.secret_access_key),
        ("olu", ""),
    ]
    for name, secret in refused:
        with pytest.raises(AuthenticationError, match="the user name or the secret access key is not valid"):
            credentials.sign_in(gov, name, secret)
    credentials.revoke_access_key(gov, admin, new.access_key_id, "desk removed")
    with pytest.raises(AuthenticationError):
        credentials.sign_in(gov, "olu", new.secret_access_key)
    credentials.sign_out(gov, signed_in)
    recorded = actions(gov, people[Role.AUDITOR])[-4:]
    assert recorded == ["session.sign_in", "session.sign_in", "key.revoke", "session.sign_out"]
    assert gov.audit.verify(people[Role.AUDITOR]).ok


def test_a_deactivated_user_cannot_sign_in(gov: Governance, people: dict[Role, Actor]) -> None:
    issued = credentials.issue_access_key(gov, people[Role.ADMIN], "ann", "", "new starter")
    with gov.sessions.begin() as session:
        session.scalars(select(User).where(User.name == "ann")).one().active = False
    with pytest.raises(AuthenticationError):
        credentials.sign_in(gov, "ann", issued.secret_access_key)


def actions(gov: Governance, auditor: Actor) -> list[str]:
    return [entry.action for _, entry in gov.audit.entries(auditor, 0, gov.audit.size()) if entry is not None]
