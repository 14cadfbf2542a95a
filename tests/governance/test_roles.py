"""Each role is refused, by the core itself, what it may not do."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from watchkeeper.governance import audit_access, galleries, policy, retention, search, users
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
    assert audit_access.verify(gov, auditor).ok


def test_analyst_and_operator_limits(gov: Governance, people: dict[Role, Actor]) -> None:
    with pytest.raises(PermissionDeniedError, match="may not manage galleries"):
        galleries.create_gallery(gov, people[Role.ANALYST], "g", "", "try")
    with pytest.raises(PermissionDeniedError, match="may not remove subjects"):
        galleries.remove_subject(gov, people[Role.ANALYST], "g", "x", "try")
    with pytest.raises(PermissionDeniedError, match="may not search"):
        search.run_search(gov, people[Role.OPERATOR], search.SearchRequest("g", "p.jpg", b"x", "C", "r"))
    with pytest.raises(PermissionDeniedError, match="may not read audit"):
        audit_access.verify(gov, people[Role.ADMIN])


AUDIT_READS: dict[str, Callable[[Governance, Actor], object]] = {
    "verify": audit_access.verify,
    "entries": lambda gov, actor: audit_access.entries(gov, actor, 0, 10),
    "inclusion": lambda gov, actor: audit_access.inclusion(gov, actor, 1),
    "newest_head": audit_access.newest_head,
    "update_since": lambda gov, actor: audit_access.update_since(gov, actor, 1),
}


@pytest.mark.parametrize("read", AUDIT_READS)
def test_only_the_auditor_reads_the_audit_log(gov: Governance, people: dict[Role, Actor], read: str) -> None:
    """Every read of the log checks the role in the governance layer, before the log is touched."""
    disclosure = Actor(
        users.add_user(gov, people[Role.ADMIN], "dee", Role.DISCLOSURE, "staff member").name, Role.DISCLOSURE
    )
    for actor in [*(people[role] for role in (Role.ADMIN, Role.OPERATOR, Role.ANALYST)), disclosure]:
        with pytest.raises(PermissionDeniedError, match=f"{actor.name!r} \\({actor.role.value}\\) may not read audit"):
            AUDIT_READS[read](gov, actor)
    assert AUDIT_READS[read](gov, people[Role.AUDITOR])


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
