"""Alerts: listed, streamed as they are raised (server-sent events), looked at and adjudicated."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from watchkeeper.api.auth import CurrentActor, State
from watchkeeper.governance import deployments
from watchkeeper.governance.deployments import AlertOutcome, AlertRecord
from watchkeeper.governance.roles import Permission
from watchkeeper.serialise import plain
from watchkeeper.server.alert_feed import alert_events
from watchkeeper.server.inputs import RecordNumber

router = APIRouter(tags=["alerts"])

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
"""Face images are never cached by a browser or a proxy."""


class Adjudication(BaseModel):
    outcome: AlertOutcome = Field(description="confirmed or rejected")
    reason: str = Field(min_length=1, max_length=2000)
    action_taken: str = Field(default="", max_length=2000)


@router.get("/alerts")
def list_alerts(
    actor: CurrentActor,
    state: State,
    deployment: str | None = None,
    after_id: Annotated[RecordNumber, Query()] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AlertRecord]:
    return deployments.list_alerts(state.gov, actor, deployment, after_id, limit)


@router.get(
    "/alerts/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "One `alert` event per new alert."}},
)
async def stream_alerts(
    request: Request,
    actor: CurrentActor,
    state: State,
    deployment: str | None = None,
    after_id: Annotated[RecordNumber, Query()] = 0,
    last_event_id: Annotated[RecordNumber | None, Header()] = None,
) -> StreamingResponse:
    """Server-sent events: each new alert as an ``alert`` event whose id is the alert's; a client that
    reconnects with ``Last-Event-ID`` misses nothing."""
    actor.require(Permission.ADJUDICATE_ALERTS)

    def as_json(alert: AlertRecord) -> str:
        return json.dumps(plain(asdict(alert)))

    events = alert_events(request, state.gov, actor, last_event_id or after_id, as_json, deployment)
    return StreamingResponse(events, media_type="text/event-stream", headers=NO_STORE)


@router.get(
    "/alerts/{alert_id}/crop",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}}, "description": "The live face that raised the alert."}},
)
def alert_crop(alert_id: RecordNumber, actor: CurrentActor, state: State) -> Response:
    return Response(deployments.alert_crop(state.gov, actor, alert_id), media_type="image/jpeg", headers=NO_STORE)


@router.post("/alerts/{alert_id}/adjudication")
def adjudicate(alert_id: RecordNumber, body: Adjudication, actor: CurrentActor, state: State) -> AlertRecord:
    return deployments.adjudicate_alert(state.gov, actor, alert_id, body.outcome, body.reason, body.action_taken)
