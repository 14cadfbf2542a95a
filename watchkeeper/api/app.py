"""The server: the REST API (``/api/v1``), the Rekognition-compatible endpoint, and the live runs.

:func:`create_app` builds the application around one governance core; :func:`serve` runs it under
uvicorn. Starting records the configuration (the core does), bootstraps a first administrator's key when
there are no users yet, deletes the uploads a killed predecessor left (audited), enforces retention daily,
runs authorised deployments on their configured cameras inside their windows, and stops every live run
cleanly on shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta
from pathlib import Path

from fastapi import APIRouter, FastAPI
from sqlalchemy import func, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import Scope

from watchkeeper import __version__
from watchkeeper.api.config import ServerConfig
from watchkeeper.api.errors import error_response, install_error_handlers
from watchkeeper.api.limits import LimitsMiddleware
from watchkeeper.api.rekognition import router as rekognition
from watchkeeper.api.rekognition.errors import limit_refusal
from watchkeeper.api.routes import alerts, audit, deployments, footage, galleries, reports, retention, users
from watchkeeper.api.state import ServerState
from watchkeeper.governance import credentials
from watchkeeper.governance.context import Governance
from watchkeeper.governance.deployments import close_silent_runs
from watchkeeper.governance.keyfiles import write_private_file
from watchkeeper.governance.retention import enforce_retention
from watchkeeper.governance.roles import SYSTEM_ACTOR, Role
from watchkeeper.governance.schema import User
from watchkeeper.governance.uploads import sweep_uploads
from watchkeeper.governance.users import add_user
from watchkeeper.live.supervisor import LiveSupervisor, video_engine
from watchkeeper.web.app import install_web

API_PREFIX = "/api/v1"
RETENTION_INTERVAL = timedelta(days=1)
FIRST_ADMINISTRATOR = "admin"
FIRST_KEY_FILE = "first-administrator-key.txt"
logger = logging.getLogger("watchkeeper.server")


def create_app(gov: Governance, config: ServerConfig) -> FastAPI:
    """The application serving ``gov``; the caller owns ``gov`` (and closes it after the app stops)."""
    video_gov = video_engine(gov)
    state = ServerState(gov, video_gov, config, LiveSupervisor(video_gov, config.video_directories))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        swept = await run_in_threadpool(sweep_uploads, gov)
        if swept:
            logger.warning("deleted %d upload(s) left by a server that stopped during a request", swept)
        tasks = [
            asyncio.create_task(_enforce_retention_daily(gov)),
            asyncio.create_task(_supervise_runs(gov, state.live, config.deployment_check_seconds)),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
            await run_in_threadpool(state.live.shutdown)

    app = FastAPI(
        title="Watchkeeper",
        version=__version__,
        summary="Open, accountable facial recognition: every result is for a person to review.",
        lifespan=lifespan,
    )
    app.state.watchkeeper = state
    install_error_handlers(app)
    api = APIRouter(prefix=API_PREFIX)
    for module in (users, galleries, footage, deployments, alerts, audit, retention, reports):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(rekognition.router)
    install_web(app, state)

    @app.get("/health", tags=["server"])
    def health() -> dict[str, str]:
        """Liveness, without authentication: says nothing but that the server answers."""
        return {"status": "ok", "version": __version__}

    app.add_middleware(
        LimitsMiddleware,
        config=config,
        reject=_reject,
        large_upload_paths=(API_PREFIX + "/footage-searches",),
    )
    return app


def _reject(scope: Scope, status: int, code: str, message: str, headers: dict[str, str]) -> Response:
    """A limit's refusal in the shape the client reads: AWS's for the Rekognition protocol, else REST's."""
    if rekognition.is_rekognition_request(Headers(scope=scope)):
        return limit_refusal(code, message, headers)
    return error_response(status, code, message, headers)


async def _enforce_retention_daily(gov: Governance) -> None:
    while True:
        try:
            report = await run_in_threadpool(enforce_retention, gov, SYSTEM_ACTOR, gov.policy)
            logger.info("retention enforced: %s", report)
        except Exception:  # the next day's run tries again; the server keeps serving
            logger.exception("retention enforcement failed")
        await asyncio.sleep(RETENTION_INTERVAL.total_seconds())


async def _supervise_runs(gov: Governance, live: LiveSupervisor, interval: float) -> None:
    """Close on record the runs of processes that died (this server's own, before a restart, too), then
    start the configured cameras that are due."""
    while True:
        try:
            for closed in await run_in_threadpool(close_silent_runs, gov):
                logger.warning("closed the run %s at its last checkpoint: its process had stopped", closed)
            await run_in_threadpool(live.start_due_runs)
        except Exception:  # e.g. the database briefly unavailable: the next check tries again
            logger.exception("supervising the deployment runs failed")
        await asyncio.sleep(interval)


def bootstrap_first_administrator(gov: Governance) -> Path | None:
    """With no users at all, register an administrator and write their access key to a file readable by
    the server's owner only; returns that file (None when users already exist)."""
    with gov.sessions() as session:
        if session.scalar(select(func.count()).select_from(User)):
            return None
    add_user(gov, None, FIRST_ADMINISTRATOR, Role.ADMIN, "first start of the server")
    issued = credentials.issue_access_key(
        gov, SYSTEM_ACTOR, FIRST_ADMINISTRATOR, "first administrator", "first start of the server"
    )
    path = gov.settings.keys_dir / FIRST_KEY_FILE
    write_private_file(
        path,
        (
            f"user: {issued.user}\naccess_key_id: {issued.access_key_id}\n"
            f"secret_access_key: {issued.secret_access_key}\nbearer_token: {issued.bearer_token}\n"
        ).encode(),
    )
    return path
