"""Deployments: authorising them, starting and stopping their camera runs, ending them; their counts; and
for those who run cameras, each running camera's live view."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from watchkeeper.errors import NotFoundError
from watchkeeper.face import DEFAULT_MATCH_THRESHOLD, MAX_MATCH_THRESHOLD, DetectorKind
from watchkeeper.governance import deployments, galleries
from watchkeeper.governance.deployments import DeploymentMode, DeploymentSpec
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.live.supervisor import LiveSupervisor, RunState
from watchkeeper.live.view import SIGNED_OUT, STOPPED, WAITING, notice_picture
from watchkeeper.web.pages import (
    SECURITY_HEADERS,
    FormSession,
    Session,
    Text,
    Web,
    WebRoute,
    allowed,
    done,
    form_time,
    render,
    still_signed_in,
    time_from_form,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)

DEFAULT_WINDOW = timedelta(hours=8)
"""The window a new authorisation's form suggests (a shift); the authorising officer sets the real one."""

LIVE_VIEW_BOUNDARY = "watchkeeper-live-view"
LIVE_VIEW_POLL_SECONDS = 0.5
"""The runs draw a picture at most twice a second; looking more often would only find the same one."""
SIGN_IN_CHECK_POLLS = 10
"""A live view checks its session every few seconds, so one signed out stops seeing the camera."""


@router.get("/deployments")
def deployments_page(request: Request, session: Session, web: Web) -> Response:
    actor = session.signed_in.actor
    gov = web.server.gov
    records = deployments.list_deployments(gov, actor)
    now = gov.clock.now()
    runs = web.server.live.runs(actor)
    may_watch = allowed(actor, Permission.RUN_DEPLOYMENTS)  # who runs cameras sees what they see; no one else
    return render(
        request,
        session,
        "deployments.html",
        deployments=records,
        history={record.name: deployments.camera_runs(gov, actor, record.name) for record in records},
        runs=runs,
        live_views=[run for run in runs if may_watch and run.state is RunState.RUNNING],
        galleries=galleries.list_galleries(gov, actor) if allowed(actor, Permission.AUTHORISE_DEPLOYMENTS) else [],
        modes=list(DeploymentMode),
        default_start=form_time(now),
        default_end=form_time(now + DEFAULT_WINDOW),
        default_threshold=DEFAULT_MATCH_THRESHOLD,
        video_detector=gov.video_engine.options.detector.value,
    )


@router.post("/deployments")
def authorise(
    session: FormSession,
    web: Web,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    purpose: Text,
    location: Annotated[str, Form(min_length=1, max_length=500)],
    cameras: Annotated[str, Form(min_length=1, max_length=2000)],
    mode: Annotated[DeploymentMode, Form()],
    gallery: Annotated[str, Form(min_length=1, max_length=100)],
    authorising_officer: Annotated[str, Form(min_length=1, max_length=200)],
    starts_at: Annotated[str, Form(min_length=1, max_length=40)],
    ends_at: Annotated[str, Form(min_length=1, max_length=40)],
    threshold: Annotated[float, Form(gt=0.0, le=MAX_MATCH_THRESHOLD)] = DEFAULT_MATCH_THRESHOLD,
    trial: Annotated[bool, Form()] = False,
) -> Response:
    spec = DeploymentSpec(
        name=name.strip(),
        purpose=purpose.strip(),
        location=location.strip(),
        cameras=cameras_from_form(cameras),
        mode=mode,
        trial=trial,
        gallery=gallery,
        authorising_officer=authorising_officer.strip(),
        starts_at=time_from_form(starts_at, "start"),
        ends_at=time_from_form(ends_at, "end"),
        threshold=threshold,
    )
    deployments.authorise_deployment(web.server.gov, session.signed_in.actor, spec)
    return done(session, "/deployments", f"Deployment {spec.name} authorised on the watchlist of {spec.gallery}.")


def cameras_from_form(text: str) -> tuple[str, ...]:
    """The camera names typed one per line (a name may hold a comma: "Gate 3, north"), blank lines skipped."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


@router.post("/deployments/{name}/runs")
def start_run(
    name: str,
    session: FormSession,
    web: Web,
    camera: Annotated[str, Form(min_length=1, max_length=200)],
    source: Annotated[str, Form(min_length=1, max_length=2000)],
    detector: Annotated[DetectorKind | Literal[""], Form()] = "",
) -> Response:
    chosen = detector or None  # the empty choice: the server's video detector
    run = web.server.live.start(session.signed_in.actor, name, camera, source.strip(), detector=chosen)
    return done(session, "/deployments", f"Deployment {run.deployment} running on camera {run.camera}.")


@router.post("/deployments/{name}/runs/{camera}/stop")
async def stop_run(name: str, camera: str, session: FormSession, web: Web) -> Response:
    run = await run_in_threadpool(web.server.live.stop, session.signed_in.actor, name, camera)
    return done(session, "/deployments", f"Camera {run.camera} of {run.deployment} stopped ({run.state.value}).")


@router.get("/deployments/{name}/cameras/{camera}/live.mjpg")
async def live_view(request: Request, name: str, camera: str, session: Session, web: Web) -> Response:
    """The camera's picture as its run's pipeline sees it, as an MJPEG stream (each new picture replaces
    the last in the page's image) from the run's memory: it ends when the run stops, the session ends or
    the page goes away, and nothing of it is stored on the way."""
    actor = session.signed_in.actor
    live = web.server.live
    if not live.is_running(actor, name, camera):
        raise NotFoundError(f"camera {camera!r} of {name!r} is not running in this server")
    return StreamingResponse(
        _live_pictures(request, live, actor, name, camera),
        media_type=f"multipart/x-mixed-replace; boundary={LIVE_VIEW_BOUNDARY}",
        headers=SECURITY_HEADERS,
    )


_PART = f"--{LIVE_VIEW_BOUNDARY}\r\nContent-Type: image/jpeg\r\n\r\n".encode("ascii")
_NEXT_PART = b"\r\n" + _PART
_LAST_PART = f"\r\n--{LIVE_VIEW_BOUNDARY}--\r\n".encode("ascii")
_WAITING = -1
"""What ``shown`` is while the waiting picture is on screen (frame indices count from 0)."""


async def _live_pictures(
    request: Request, live: LiveSupervisor, actor: Actor, name: str, camera: str
) -> AsyncIterator[bytes]:
    """The ``multipart/x-mixed-replace`` body: each new picture of the run once, and while the run has no
    current picture (its camera connecting or silent) a picture saying so. Each picture is followed at once
    by the next part's boundary and headers, since a browser shows a part only once it has read them, and
    the next picture may be long in coming. The last picture says why the view ended (the run stopped, the
    session ended), so the page is not left showing a frozen frame."""
    yield _PART
    shown: int | None = None
    polls = 0
    while not await request.is_disconnected():
        polls += 1
        if polls % SIGN_IN_CHECK_POLLS == 0 and not await still_signed_in(request):
            yield notice_picture(SIGNED_OUT) + _LAST_PART
            return
        picture = live.picture(actor, name, camera)
        if picture is None:
            if not live.is_running(actor, name, camera):
                yield notice_picture(STOPPED) + _LAST_PART
                return
            if shown != _WAITING:
                shown = _WAITING
                yield notice_picture(WAITING) + _NEXT_PART
        elif picture.frame_index != shown:
            shown = picture.frame_index
            yield picture.jpeg + _NEXT_PART
        await asyncio.sleep(LIVE_VIEW_POLL_SECONDS)


@router.post("/deployments/{name}/end")
async def end(name: str, session: FormSession, web: Web, reason: Text) -> Response:
    """Running cameras are stopped (their counts recorded) before the watchlist snapshot is deleted."""
    actor = session.signed_in.actor
    for run in web.server.live.runs(actor):
        if run.deployment == name and run.state is RunState.RUNNING:
            await run_in_threadpool(web.server.live.stop, actor, name, run.camera)
    deployments.end_deployment(web.server.gov, actor, name, reason.strip())
    return done(session, "/deployments", f"Deployment {name} ended; its watchlist snapshot was deleted.")
