"""The server's composition root: the REST API, the Rekognition-compatible endpoint, the web pages and the
live runs, wired around one governance core.

:func:`create_app` builds the application; ``watchkeeper serve`` runs it under uvicorn. Starting records the
configuration (the core does), deletes the uploads a killed predecessor left (audited), enforces retention
daily, runs authorised deployments on their configured cameras inside their windows, and stops every live run
cleanly on shutdown. (``watchkeeper serve`` registers the first administrator beforehand, when there are no
users.) The adapters (:mod:`watchkeeper.api`, :mod:`watchkeeper.web`) never import each other: what both
need (state, errors, limits, inputs, the alert feed) is in this package, below them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from watchkeeper import __version__
from watchkeeper.api.app import LARGE_UPLOAD_PATHS, install_api, reject
from watchkeeper.governance.context import Governance
from watchkeeper.governance.deployments import close_silent_runs
from watchkeeper.governance.retention import enforce_retention
from watchkeeper.governance.roles import SYSTEM_ACTOR
from watchkeeper.governance.uploads import sweep_uploads
from watchkeeper.live.supervisor import LiveSupervisor
from watchkeeper.server.config import ServerConfig
from watchkeeper.server.errors import install_error_handlers
from watchkeeper.server.limits import LimitsMiddleware
from watchkeeper.server.state import ServerState
from watchkeeper.web.app import install_web

RETENTION_INTERVAL = timedelta(days=1)
logger = logging.getLogger("watchkeeper.server")


def create_app(gov: Governance, config: ServerConfig) -> FastAPI:
    """The application serving ``gov``; the caller owns ``gov`` (and closes it after the app stops)."""
    state = ServerState(gov, config, LiveSupervisor(gov, config.video_directories))

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
        # The web pages serve /docs from a package's copy of Swagger UI; FastAPI's own pages load it from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.watchkeeper = state
    install_error_handlers(app)
    install_api(app)
    install_web(app, state)

    @app.get("/health", tags=["server"])
    def health() -> dict[str, str]:
        """Liveness, without authentication: says nothing but that the server answers."""
        return {"status": "ok", "version": __version__}

    app.add_middleware(LimitsMiddleware, config=config, reject=reject, large_upload_paths=LARGE_UPLOAD_PATHS)
    return app


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
