"""Users' roles and what each may do, enforced by the governance services themselves.

Every service method names the permission it needs and checks the acting user before touching data, so
no adapter (command line, server, web page) can forget to: refusal is a property of the core.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from watchkeeper.errors import ErrorKind, WatchkeeperError


class Role(StrEnum):
    ADMIN = "admin"
    """Manages users, galleries and configuration; may do what the other roles do except audit."""
    OPERATOR = "operator"
    """Runs live deployments and adjudicates their alerts; manages watchlist subjects."""
    ANALYST = "analyst"
    """Runs retrospective searches for cases; enrols subjects into galleries."""
    AUDITOR = "auditor"
    """Reads and verifies the audit log and the records; changes nothing and searches nothing."""
    DISCLOSURE = "disclosure"
    """Keeps the technology register and the Freedom of Information log and produces transparency reports:
    sees counts and records, never faces; enrols, searches and deploys nothing."""


class Permission(StrEnum):
    MANAGE_USERS = "manage_users"
    MANAGE_GALLERIES = "manage_galleries"
    ENROL = "enrol"
    REMOVE_SUBJECTS = "remove_subjects"
    VIEW_SUBJECTS = "view_subjects"
    SEARCH = "search"
    ENFORCE_RETENTION = "enforce_retention"
    READ_AUDIT = "read_audit"
    AUTHORISE_DEPLOYMENTS = "authorise_deployments"
    RUN_DEPLOYMENTS = "run_deployments"
    ADJUDICATE_ALERTS = "adjudicate_alerts"
    VIEW_DEPLOYMENTS = "view_deployments"
    VIEW_FACE_IMAGES = "view_face_images"
    """See enrolled images of faces (a gallery's subjects, search candidates): not the auditor, who checks
    the records about them."""
    MANAGE_REGISTER = "manage_register"
    HANDLE_FOI_REQUESTS = "handle_foi_requests"
    PRODUCE_REPORTS = "produce_reports"


PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(
        {
            Permission.MANAGE_USERS,
            Permission.MANAGE_GALLERIES,
            Permission.ENROL,
            Permission.REMOVE_SUBJECTS,
            Permission.VIEW_SUBJECTS,
            Permission.SEARCH,
            Permission.ENFORCE_RETENTION,
            Permission.AUTHORISE_DEPLOYMENTS,
            Permission.RUN_DEPLOYMENTS,
            Permission.VIEW_DEPLOYMENTS,
            Permission.VIEW_FACE_IMAGES,
            Permission.MANAGE_REGISTER,
            Permission.HANDLE_FOI_REQUESTS,
            Permission.PRODUCE_REPORTS,
        }
    ),
    Role.OPERATOR: frozenset(
        {
            Permission.ENROL,
            Permission.REMOVE_SUBJECTS,
            Permission.VIEW_SUBJECTS,
            Permission.RUN_DEPLOYMENTS,
            Permission.ADJUDICATE_ALERTS,
            Permission.VIEW_DEPLOYMENTS,
            Permission.VIEW_FACE_IMAGES,
        }
    ),
    Role.ANALYST: frozenset(
        {Permission.ENROL, Permission.VIEW_SUBJECTS, Permission.SEARCH, Permission.VIEW_FACE_IMAGES}
    ),
    Role.AUDITOR: frozenset(
        {Permission.READ_AUDIT, Permission.VIEW_SUBJECTS, Permission.VIEW_DEPLOYMENTS, Permission.PRODUCE_REPORTS}
    ),
    Role.DISCLOSURE: frozenset(
        {Permission.MANAGE_REGISTER, Permission.HANDLE_FOI_REQUESTS, Permission.PRODUCE_REPORTS}
    ),
}
"""Separation of duties: the auditor, who checks the log, can change nothing it records; reports (counts
drawn from the records) are open to the auditor and the disclosure officer who answers the public."""


class PermissionDeniedError(WatchkeeperError):
    """The acting user's role does not allow the action."""

    code = "permission_denied"
    kind = ErrorKind.REFUSED


class UnknownUserError(WatchkeeperError):
    """No active user of that name."""

    code = "unknown_user"
    kind = ErrorKind.REFUSED


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: a registered, active user and their role."""

    name: str
    role: Role

    def may(self, permission: Permission) -> bool:
        """Whether this actor's role grants ``permission``: for what is shown differently, not refused."""
        return permission in PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        """Raise :class:`PermissionDeniedError` unless this actor's role grants ``permission``."""
        if not self.may(permission):
            raise PermissionDeniedError(
                f"user {self.name!r} ({self.role.value}) may not {permission.value.replace('_', ' ')}"
            )


SYSTEM_ACTOR = Actor(name="system", role=Role.ADMIN)
"""The actor of what Watchkeeper does by itself: bootstrapping the first administrator, recording the
configuration in force at start."""
