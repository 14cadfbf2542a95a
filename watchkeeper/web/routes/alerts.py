"""Live alerts: the latest on the page, new ones pushed as they are raised, each adjudicated in place."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Form, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from watchkeeper.governance import deployments
from watchkeeper.governance.deployments import AlertOutcome, AlertRecord
from watchkeeper.governance.roles import Permission
from watchkeeper.web.images import image_response
from watchkeeper.web.pages import (
    SECURITY_HEADERS,
    FormSession,
    Session,
    SignInRequiredError,
    Web,
    WebRoute,
    current_session,
    done,
    render,
    wants_json,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)

SHOWN_ON_OPENING = 12
"""The latest alerts the page opens with (two face images each: a page loads them all at once, within the
server's per-client request rate)."""
POLL_SECONDS = 0.5
"""How often the stream looks for new alerts in the database, where every process running a deployment
writes them."""
KEEPALIVE_SECONDS = 15.0
SESSION_CHECK_POLLS = 10
"""Every this many polls the stream checks its session still holds (and keeps it from going idle)."""


@router.get("/alerts")
def alerts_page(request: Request, session: Session, web: Web) -> Response:
    actor = session.signed_in.actor
    actor.require(Permission.ADJUDICATE_ALERTS)
    latest = deployments.list_alerts(web.server.gov, actor, limit=SHOWN_ON_OPENING, newest_first=True)
    return render(
        request,
        session,
        "alerts.html",
        alerts=latest,
        last_id=latest[0].id if latest else 0,
        outcomes=_outcomes(),
    )


@router.get("/alerts/stream")
async def alert_stream(
    request: Request,
    session: Session,
    web: Web,
    after: Annotated[int, Query(ge=0)] = 0,
    last_event_id: Annotated[int | None, Header(ge=0)] = None,
) -> Response:
    """Server-sent events: each new alert as an ``alert`` event carrying its card, rendered as on the page.
    The stream ends when the session does (signed out, expired, key revoked)."""
    actor = session.signed_in.actor
    actor.require(Permission.ADJUDICATE_ALERTS)
    card = web.templates.get_template("_alert.html")

    async def events() -> AsyncIterator[str]:
        last = last_event_id if last_event_id is not None else after
        quiet = 0.0
        polls = 0
        yield "retry: 2000\n\n"
        while not await request.is_disconnected():
            polls += 1
            if polls % SESSION_CHECK_POLLS == 0:
                try:
                    await run_in_threadpool(current_session, request)
                except SignInRequiredError:
                    yield "event: signed-out\ndata: {}\n\n"
                    return
            fresh = await run_in_threadpool(deployments.list_alerts, web.server.gov, actor, None, last, 20)
            for alert in fresh:
                last = alert.id
                html = card.render(alert=alert, outcomes=_outcomes(), csrf_token=web.sessions.csrf_token(session.id))
                yield f"id: {alert.id}\nevent: alert\ndata: {json.dumps({'id': alert.id, 'html': html})}\n\n"
            quiet = 0.0 if fresh else quiet + POLL_SECONDS
            if quiet >= KEEPALIVE_SECONDS:
                quiet = 0.0
                yield ": keepalive\n\n"
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(events(), media_type="text/event-stream", headers=SECURITY_HEADERS)


@router.get("/alerts/{alert_id}/crop")
def alert_crop(alert_id: int, session: Session, web: Web) -> Response:
    return image_response(deployments.alert_crop(web.server.gov, session.signed_in.actor, alert_id))


@router.get("/alerts/{alert_id}/watchlist-image")
def alert_watchlist_image(alert_id: int, session: Session, web: Web) -> Response:
    return image_response(deployments.watchlist_image(web.server.gov, session.signed_in.actor, alert_id))


@router.post("/alerts/{alert_id}/adjudication")
def adjudicate(
    request: Request,
    alert_id: int,
    session: FormSession,
    web: Web,
    outcome: Annotated[AlertOutcome, Form()],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
    action_taken: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    alert = deployments.adjudicate_alert(
        web.server.gov, session.signed_in.actor, alert_id, outcome, reason.strip(), action_taken.strip()
    )
    if wants_json(request):
        html = web.templates.get_template("_alert.html").render(alert=alert, outcomes=_outcomes(), csrf_token="")
        return JSONResponse({"id": alert.id, "outcome": alert.outcome.value, "html": html})
    return done(session, "/alerts", _adjudicated(alert))


def _outcomes() -> list[AlertOutcome]:
    return [AlertOutcome.CONFIRMED, AlertOutcome.REJECTED]


def _adjudicated(alert: AlertRecord) -> str:
    return f"Alert {alert.id} ({alert.subject_reference}) {alert.outcome.value} by {alert.adjudicated_by}."
