"""Each role is refused, by the core itself, what it may not do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from watchkeeper.governance import galleries, policy, retention, search, users
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import PERMISSIONS, Actor, Permission, PermissionDeniedError, Role, UnknownUserError


def test_auditor_can_change_nothing(gov: Governance, people: dict[Role, Actor]) -> None:
    auditor = people[Role.AUDITOR]
    galleries.create_gallery(gov, people[Role.ADMIN], "g", "", "setup")
    refused: list[Callable[[], object]] = [
        lambda: galleries.create_gallery(gov, auditor, "h", "", "try"),
        lambda: galleries.delete_gallery(gov, auditor, "g", "try"),
        lambda: galleries.remove_subject(gov, auditor, "g", "x", "try"),
        lambda: users.add_user(gov, auditor, "eve", Role.ADMIN, "try"),
        lambda: retention.enforce_retention(gov, auditor, policy.RetentionPolicy()),
        lambda: search.run_search(gov, auditor, search.SearchRequest("g", "p.jpg", b"x", "C", "r")),
    ]
    for attempt in refused:
        with pytest.raises(PermissionDeniedError, match=r"'aud' \(auditor\) may not"):
            attempt()
    assert gov.audit.verify(auditor).ok


def test_analyst_and_operator_limits(gov: Governance, people: dict[Role, Actor]) -> None:
    with pytest.raises(PermissionDeniedError, match="may not manage galleries"):
        galleries.create_gallery(gov, people[Role.ANALYST], "g", "", "try")
    with pytest.raises(PermissionDeniedError, match="may not remove subjects"):
        galleries.remove_subject(gov, people[Role.ANALYST], "g", "x", "try")
    with pytest.raises(PermissionDeniedError, match="may not search"):
        search.run_search(gov, people[Role.OPERATOR], search.SearchRequest("g", "p.jpg", b"x", "C", "r"))
    with pytest.raises(PermissionDeniedError, match="may not read audit"):
        gov.audit.verify(people[Role.ADMIN])


def test_enrolment_refused_before_any_image_is_read(
    gov: Governance, people: dict[Role, Actor], clock: FixedClock, faces_dir: Path
) -> None:
    galleries.create_gallery(gov, people[Role.ADMIN], "g", "", "setup")
    details = galleries.SubjectDetails("s", SubjectCategory.MISSING_OR_VULNERABLE, "r", "s", clock.now() + timedelta(1))
    with pytest.raises(PermissionDeniedError):
        galleries.enrol_subject(gov, people[Role.AUDITOR], "g", details, [galleries.EnrolmentImage("x.jpg", b"")])


def test_only_separation_of_duties_grants_audit() -> None:
    assert [r for r in Role if Permission.READ_AUDIT in PERMISSIONS[r]] == [Role.AUDITOR]


def test_first_user_bootstraps_once(gov: Governance) -> None:
    with pytest.raises(ValueError, match="first user must be an administrator"):
        users.add_user(gov, None, "olu", Role.OPERATOR, "first")
    users.add_user(gov, None, "ada", Role.ADMIN, "first")
    with pytest.raises(UnknownUserError, match="users already exist"):
        users.add_user(gov, None, "mallory", Role.ADMIN, "second bootstrap")
    with pytest.raises(UnknownUserError, match="no active user called 'nobody'"):
        users.resolve_actor(gov, "nobody")
    assert users.resolve_actor(gov, "ada") == Actor("ada", Role.ADMIN)
