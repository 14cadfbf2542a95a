"""Live deployments: authorised, run on cameras by this server, ended on record."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from watchkeeper.api.auth import CurrentActor, State
from watchkeeper.api.routes.forms import Reasoned
from watchkeeper.face import DEFAULT_MATCH_THRESHOLD, MAX_MATCH_THRESHOLD, DetectorKind
from watchkeeper.governance import deployments
from watchkeeper.governance.deployments import (
    LARGEST_MINIMUM_FACE_PX,
    CameraRunRecord,
    DeploymentMode,
    DeploymentRecord,
    DeploymentSpec,
)
from watchkeeper.live.pipeline import DEFAULT_DETECT_EVERY, PipelineOptions
from watchkeeper.live.supervisor import RunStatus
from watchkeeper.types import FrameRegion

router = APIRouter(tags=["deployments"])


class NewDeployment(BaseModel):
    """Everything an authorising officer signs off; nothing is left to discretion at run time."""

    # The fields are DeploymentSpec's, by name and type: the body, once validated, is the spec.
    name: str = Field(min_length=1, max_length=100)
    purpose: str = Field(min_length=1, max_length=2000)
    location: str = Field(min_length=1, max_length=500)
    cameras: tuple[str, ...] = Field(min_length=1, max_length=50)
    mode: DeploymentMode
    trial: bool
    gallery: str = Field(min_length=1, max_length=100)
    authorising_officer: str = Field(min_length=1, max_length=200)
    starts_at: datetime
    ends_at: datetime
    threshold: float = Field(default=DEFAULT_MATCH_THRESHOLD, gt=0.0, le=MAX_MATCH_THRESHOLD)
    minimum_face_px: int | None = Field(
        default=None, ge=1, le=LARGEST_MINIMUM_FACE_PX, description="Smallest face matched: inter-ocular pixels."
    )
    recognition_zones: dict[str, FrameRegion] = Field(
        default_factory=dict, max_length=50, description="Per camera, the part of its picture searched (fractions)."
    )


class NewRun(BaseModel):
    camera: str = Field(min_length=1, max_length=200)
    source: str = Field(
        min_length=1, max_length=2000, description="A video file on the server, an rtsp:// or http(s):// URL, a camera."
    )
    detect_every: int = Field(default=DEFAULT_DETECT_EVERY, ge=1, le=100)
    detection_side: int | None = Field(
        default=None, ge=64, le=4096, description="Longest side seen by detection; none takes the detector's own."
    )
    detector: DetectorKind | None = Field(
        default=None,
        description="The server's video detector when absent (cnn); centerface for a camera that sees faces "
        "24-60 px wide in 1080p.",
    )


@router.get("/deployments")
def list_deployments(actor: CurrentActor, state: State) -> list[DeploymentRecord]:
    return deployments.list_deployments(state.gov, actor)


@router.post("/deployments", status_code=status.HTTP_201_CREATED)
def authorise_deployment(body: NewDeployment, actor: CurrentActor, state: State) -> DeploymentRecord:
    deployments.authorise_deployment(state.gov, actor, DeploymentSpec(**dict(body)))
    return deployments.describe_deployment(state.gov, actor, body.name)


@router.get("/deployments/{name}")
def describe_deployment(name: str, actor: CurrentActor, state: State) -> DeploymentRecord:
    return deployments.describe_deployment(state.gov, actor, name)


@router.post("/deployments/{name}/end")
async def end_deployment(name: str, body: Reasoned, actor: CurrentActor, state: State) -> DeploymentRecord:
    """End for good: running cameras are stopped first, then the watchlist snapshot is deleted."""
    for run in state.live.runs(actor):
        if run.deployment == name:
            await run_in_threadpool(state.live.stop, actor, name, run.camera)
    deployments.end_deployment(state.gov, actor, name, body.reason)
    return deployments.describe_deployment(state.gov, actor, name)


@router.get("/deployments/{name}/runs")
def camera_runs(name: str, actor: CurrentActor, state: State) -> list[CameraRunRecord]:
    """Every camera run of the deployment on record, by this server or any other process, oldest first."""
    return deployments.camera_runs(state.gov, actor, name)


@router.get("/runs")
def list_runs(actor: CurrentActor, state: State) -> list[RunStatus]:
    """Camera runs started in this server since it started, running or not."""
    return state.live.runs(actor)


@router.post("/deployments/{name}/runs", status_code=status.HTTP_201_CREATED)
def start_run(name: str, body: NewRun, actor: CurrentActor, state: State) -> RunStatus:
    options = PipelineOptions(detect_every=body.detect_every, detection_max_side=body.detection_side)
    return state.live.start(actor, name, body.camera, body.source, options, body.detector)


@router.post("/deployments/{name}/runs/{camera}/stop")
async def stop_run(name: str, camera: str, actor: CurrentActor, state: State) -> RunStatus:
    return await run_in_threadpool(state.live.stop, actor, name, camera)
