"""Changing a user's role and deactivating them: audited, refused to anyone but an administrator, never
leaving the system without an active administrator, and taking effect on the user's keys at once."""

from __future__ import annotations

import pytest

from watchkeeper.errors import InvalidArgumentError, NotFoundError
from watchkeeper.governance import audit_access, credentials, users
from watchkeeper.governance.audit.events import UserDeactivated, UserRoleChanged, read_entry
from watchkeeper.governance.context import Governance
from watchkeeper.governance.credentials import AuthenticationError
from watchkeeper.governance.roles import Actor, PermissionDeniedError, Role


def last_event(gov: Governance, auditor: Actor) -> tuple[str, str, object]:
    """The newest audit entry: who acted, why, and the act."""
    entry = audit_access.entries(gov, auditor, gov.audit.size() - 1, 1)[0][1]
    assert entry is not None
    return entry.actor, entry.reason, read_entry(entry).event


def test_a_role_change_is_audited_with_the_previous_role_and_acts_at_once(
    gov: Governance, people: dict[Role, Actor]
) -> None:
    admin = people[Role.ADMIN]
    issued = credentials.issue_access_key(gov, admin, "ann", "laptop", "new starter")
    record = users.change_role(gov, admin, "ann", Role.OPERATOR, "moved to the control room")
    assert (record.name, record.role, record.active) == ("ann", Role.OPERATOR, True)
    assert credentials.authenticate_bearer(gov, issued.bearer_token).actor == Actor("ann", Role.OPERATOR)
    assert last_event(gov, people[Role.AUDITOR]) == (
        "ada",
        "moved to the control room",
        UserRoleChanged(user="ann", role="operator", previous_role="analyst"),
    )


def test_a_deactivated_user_is_kept_on_record_and_their_keys_refused(
    gov: Governance, people: dict[Role, Actor]
) -> None:
    admin = people[Role.ADMIN]
    issued = credentials.issue_access_key(gov, admin, "olu", "laptop", "new starter")
    record = users.deactivate_user(gov, admin, "olu", "left the force")
    assert (record.name, record.active) == ("olu", False)
    assert "olu" in {user.name for user in users.list_users(gov, admin) if not user.active}
    with pytest.raises(AuthenticationError):
        credentials.authenticate_bearer(gov, issued.bearer_token)
    assert last_event(gov, people[Role.AUDITOR]) == (
        "ada",
        "left the force",
        UserDeactivated(user="olu", role="operator"),
    )


def test_the_last_active_administrator_is_neither_demoted_nor_deactivated(
    gov: Governance, people: dict[Role, Actor]
) -> None:
    admin = people[Role.ADMIN]
    size = gov.audit.size()
    with pytest.raises(InvalidArgumentError, match="'ada' is the only active administrator"):
        users.change_role(gov, admin, "ada", Role.AUDITOR, "try")
    with pytest.raises(InvalidArgumentError, match="'ada' is the only active administrator"):
        users.deactivate_user(gov, admin, "ada", "try")
    users.add_user(gov, admin, "bea", Role.ADMIN, "second administrator")
    users.deactivate_user(gov, admin, "ada", "handed over to bea")
    assert gov.audit.size() == size + 2
    with pytest.raises(InvalidArgumentError, match="'bea' is the only active administrator"):
        users.change_role(gov, Actor("bea", Role.ADMIN), "bea", Role.ANALYST, "try")


def test_changes_that_make_no_sense_are_refused_and_record_nothing(gov: Governance, people: dict[Role, Actor]) -> None:
    admin = people[Role.ADMIN]
    users.deactivate_user(gov, admin, "olu", "left the force")
    size = gov.audit.size()
    with pytest.raises(InvalidArgumentError, match="'ann' already has the role analyst"):
        users.change_role(gov, admin, "ann", Role.ANALYST, "try")
    with pytest.raises(InvalidArgumentError, match="'olu' is deactivated"):
        users.change_role(gov, admin, "olu", Role.ANALYST, "try")
    with pytest.raises(InvalidArgumentError, match="'olu' is deactivated"):
        users.deactivate_user(gov, admin, "olu", "again")
    with pytest.raises(NotFoundError, match="no user called 'nobody'"):
        users.deactivate_user(gov, admin, "nobody", "try")
    for role in (Role.OPERATOR, Role.ANALYST, Role.AUDITOR):
        with pytest.raises(PermissionDeniedError, match="may not manage users"):
            users.change_role(gov, people[role], "ann", Role.ADMIN, "try")
        with pytest.raises(PermissionDeniedError, match="may not manage users"):
            users.deactivate_user(gov, people[role], "ada", "try")
    assert gov.audit.size() == size
