"""Mounting the web interface on the server's application."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from watchkeeper.governance.audit_verification import LogVerifier
from watchkeeper.governance.sign_in_throttle import SignInThrottle
from watchkeeper.server.state import ServerState
from watchkeeper.web.pages import WebState, create_templates
from watchkeeper.web.routes import (
    administration,
    alerts,
    api_docs,
    deployments,
    foi,
    galleries,
    records,
    register,
    reports,
    search,
    signing,
)
from watchkeeper.web.sessions import SessionStore

STATIC_DIR = Path(__file__).parent / "static"


def install_web(app: FastAPI, state: ServerState) -> None:
    """Add the pages and their static files (styles, scripts: all shipped in the package, nothing fetched
    from elsewhere) to ``app``."""
    app.state.watchkeeper_web = WebState(
        state,
        SessionStore.open(state.gov.settings.keys_dir),
        create_templates(),
        SignInThrottle(state.gov.clock),
        LogVerifier(state.gov),
    )
    for module in (
        signing,
        alerts,
        deployments,
        galleries,
        search,
        records,
        register,
        foi,
        reports,
        administration,
        api_docs,
    ):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
