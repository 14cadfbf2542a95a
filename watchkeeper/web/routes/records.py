"""The records that answer for the system's use: the audit log with its verification, and retention."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from watchkeeper.governance import audit_access, retention
from watchkeeper.governance.policy import POLICY_KINDS
from watchkeeper.server.inputs import RecordNumber
from watchkeeper.web.pages import FormSession, Session, Web, WebRoute, done, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

ENTRIES_PER_PAGE = 50


@router.get("/audit")
async def audit_page(
    request: Request, session: Session, web: Web, before: Annotated[RecordNumber | None, Query(ge=1)] = None
) -> Response:
    """The whole log verified against its signed checkpoints, then a page of entries, newest first."""
    gov = web.server.gov
    actor = session.signed_in.actor
    report = await run_in_threadpool(audit_access.verify, gov, actor)
    end = min(before, report.size) if before is not None else report.size
    start = max(0, end - ENTRIES_PER_PAGE)
    rows = await run_in_threadpool(audit_access.entries, gov, actor, start, end - start)
    entries = [
        (sequence, entry, json.dumps(dict(entry.details), sort_keys=True) if entry and entry.details else "")
        for sequence, entry in reversed(rows)
    ]
    return render(
        request,
        session,
        "audit.html",
        report=report,
        root_hash=report.root_hash.hex(),
        entries=entries,
        older=start if start > 0 else None,
        newer=min(end + ENTRIES_PER_PAGE, report.size) if end < report.size else None,
    )


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
