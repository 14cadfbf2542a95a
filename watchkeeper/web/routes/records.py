"""The records that answer for the system's use: the audit log with its verification, and retention."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from watchkeeper.errors import InputError
from watchkeeper.governance import audit_access, retention
from watchkeeper.governance.audit.selection import EntryFilter
from watchkeeper.governance.policy import POLICY_KINDS
from watchkeeper.server.inputs import RecordNumber
from watchkeeper.web.audit_details import ACTIONS, described
from watchkeeper.web.pages import FormSession, Session, Web, WebRoute, done, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

ENTRIES_PER_PAGE = 50


Filter = Annotated[str, Query(max_length=500)]


@router.get("/audit")
async def audit_page(
    request: Request,
    session: Session,
    web: Web,
    before: Annotated[RecordNumber | None, Query(ge=1)] = None,
    action: Filter = "",
    actor: Filter = "",
    target: Filter = "",
    first_day: Annotated[str, Query(alias="from", max_length=10)] = "",
    last_day: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    """The log verified from the last verified signed head on (:class:`LogVerifier`), then a page of the
    entries the filters choose, newest first, each with its details as labelled fields."""
    chosen = {"action": action, "actor": actor, "target": target, "from": first_day, "to": last_day}
    criteria = EntryFilter(
        action=action.strip() or None,
        actor=actor.strip() or None,
        target=target.strip() or None,
        first_day=_day(first_day, "from"),
        last_day=_day(last_day, "to"),
    )
    reader = session.signed_in.actor
    check = await run_in_threadpool(web.audit.check, reader)
    page = await run_in_threadpool(audit_access.page, web.server.gov, reader, criteria, before, ENTRIES_PER_PAGE)
    kept = {name: value for name, value in chosen.items() if value}
    return render(
        request,
        session,
        "audit.html",
        check=check,
        entries=[(sequence, entry, described(entry) if entry else None) for sequence, entry in page.entries],
        actions=ACTIONS,
        chosen=chosen,
        filtered=bool(kept),
        older=_page_link(kept, page.older),
        newer=_page_link(kept, page.newer),
    )


def _day(value: str, field: str) -> date | None:
    """A date field's value (``YYYY-MM-DD``; empty for none)."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InputError(field, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _page_link(filters: dict[str, str], before: int | None) -> str | None:
    """The address of the page of entries below ``before``, with the same filters."""
    return None if before is None else "/audit?" + urlencode({**filters, "before": before})


@router.post("/audit/verification")
async def verify_whole_log(session: FormSession, web: Web) -> Response:
    """Every entry re-hashed: what finds an entry altered in the database after it was first verified."""
    check = await run_in_threadpool(web.audit.check_whole_log, session.signed_in.actor)
    report = check.report
    if report.ok:
        return done(session, "/audit", f"The whole log was verified: all {report.size} entries re-hashed.")
    errors = sum(finding.is_error for finding in report.findings)
    found = f"{errors} {'problem' if errors == 1 else 'problems'} found"
    return done(session, "/audit", f"The whole log failed verification: {found}.", is_error=True)


@router.get("/retention")
def retention_page(request: Request, session: Session, web: Web) -> Response:
    """Any signed-in person may see how long each kind of data is kept; the periods are set in the
    configuration file, and a changed configuration is recorded in the audit log when the server starts."""
    policy = web.server.gov.policy
    periods = [(kind.replace("_", " "), getattr(policy, kind)) for kind in POLICY_KINDS]
    return render(
        request,
        session,
        "retention.html",
        periods=periods,
        config_file=web.server.gov.settings.effective_config_file.name,
    )


@router.post("/retention/enforcement")
async def enforce(session: FormSession, web: Web) -> Response:
    gov = web.server.gov
    report = await run_in_threadpool(retention.enforce_retention, gov, session.signed_in.actor, gov.policy)
    summary = ", ".join(f"{value} {name.replace('_', ' ')}" for name, value in asdict(report).items())
    return done(session, "/retention", f"Retention enforced: {summary}.")
