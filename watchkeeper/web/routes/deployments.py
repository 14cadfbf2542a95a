"""Deployments: authorising them, starting and stopping their camera runs, ending them; their counts."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from watchkeeper.face import DEFAULT_MATCH_THRESHOLD, MAX_MATCH_THRESHOLD
from watchkeeper.governance import deployments, galleries
from watchkeeper.governance.deployments import DeploymentMode, DeploymentSpec
from watchkeeper.governance.roles import Permission
from watchkeeper.live.supervisor import RunState
from watchkeeper.web.pages import FormSession, Session, Web, WebRoute, allowed, done, form_time, render, time_from_form

router = APIRouter(route_class=WebRoute, include_in_schema=False)

DEFAULT_WINDOW = timedelta(hours=8)
"""The window a new authorisation's form suggests (a shift); the authorising officer sets the real one."""
Text = Annotated[str, Form(min_length=1, max_length=2000)]


@router.get("/deployments")
def deployments_page(request: Request, session: Session, web: Web) -> Response:
    actor = session.signed_in.actor
    gov = web.server.gov
    records = deployments.list_deployments(gov, actor)
    now = gov.clock.now()
    return render(
        request,
        session,
        "deployments.html",
        deployments=records,
        history={record.name: deployments.camera_runs(gov, actor, record.name) for record in records},
        runs=web.server.live.runs(actor),
        galleries=galleries.list_galleries(gov, actor) if allowed(actor, Permission.AUTHORISE_DEPLOYMENTS) else [],
        modes=list(DeploymentMode),
        default_start=form_time(now),
        default_end=form_time(now + DEFAULT_WINDOW),
        default_threshold=DEFAULT_MATCH_THRESHOLD,
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
) -> Response:
    run = web.server.live.start(session.signed_in.actor, name, camera, source.strip())
    return done(session, "/deployments", f"Deployment {run.deployment} running on camera {run.camera}.")


@router.post("/deployments/{name}/runs/{camera}/stop")
async def stop_run(name: str, camera: str, session: FormSession, web: Web) -> Response:
    run = await run_in_threadpool(web.server.live.stop, session.signed_in.actor, name, camera)
    return done(session, "/deployments", f"Camera {run.camera} of {run.deployment} stopped ({run.state.value}).")


@router.post("/deployments/{name}/end")
async def end(name: str, session: FormSession, web: Web, reason: Text) -> Response:
    """Running cameras are stopped (their counts recorded) before the watchlist snapshot is deleted."""
    actor = session.signed_in.actor
    for run in web.server.live.runs(actor):
        if run.deployment == name and run.state is RunState.RUNNING:
            await run_in_threadpool(web.server.live.stop, actor, name, run.camera)
    deployments.end_deployment(web.server.gov, actor, name, reason.strip())
    return done(session, "/deployments", f"Deployment {name} ended; its watchlist snapshot was deleted.")
