"""Live alerts: the latest on the page, new ones pushed as they are raised, each adjudicated in place."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Header, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from watchkeeper.governance import deployments
from watchkeeper.governance.deployments import AlertOutcome, AlertRecord
from watchkeeper.governance.roles import Permission
from watchkeeper.server.alert_feed import alert_events
from watchkeeper.server.inputs import RecordNumber
from watchkeeper.web.images import image_response
from watchkeeper.web.pages import (
    SECURITY_HEADERS,
    FormSession,
    Session,
    Web,
    WebRoute,
    done,
    render,
    still_signed_in,
    wants_json,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)

SHOWN_ON_OPENING = 12
"""The latest alerts the page opens with (two face images each: a page loads them all at once, within the
server's per-client request rate)."""


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
    after: Annotated[RecordNumber, Query()] = 0,
    last_event_id: Annotated[RecordNumber | None, Header()] = None,
) -> Response:
    """Server-sent events: each new alert as an ``alert`` event carrying its card, rendered as on the page.
    The stream ends when the session does (signed out, expired, key revoked)."""
    actor = session.signed_in.actor
    actor.require(Permission.ADJUDICATE_ALERTS)
    card = web.templates.get_template("_alert.html")

    def as_card(alert: AlertRecord) -> str:
        html = card.render(alert=alert, outcomes=_outcomes(), csrf_token=web.sessions.csrf_token(session.id))
        return json.dumps({"id": alert.id, "html": html})

    async def still_valid() -> bool:
        return await still_signed_in(request)

    events = alert_events(request, web.server.gov, actor, last_event_id or after, as_card, still_valid=still_valid)
    return StreamingResponse(events, media_type="text/event-stream", headers=SECURITY_HEADERS)


@router.get("/alerts/{alert_id}/crop")
def alert_crop(alert_id: RecordNumber, session: Session, web: Web) -> Response:
    return image_response(deployments.alert_crop(web.server.gov, session.signed_in.actor, alert_id))


@router.get("/alerts/{alert_id}/watchlist-image")
def alert_watchlist_image(alert_id: RecordNumber, session: Session, web: Web) -> Response:
    return image_response(deployments.watchlist_image(web.server.gov, session.signed_in.actor, alert_id))


@router.post("/alerts/{alert_id}/adjudication")
def adjudicate(
    request: Request,
    alert_id: RecordNumber,
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
