"""New alerts as server-sent events, for the REST API's stream and the web pages' alike.

Alerts may be raised by this server or by another process running a deployment on the same database, so
the database is the one place to look: the feed polls it for alerts after the last one sent. Each event's
id is the alert's, so a client that reconnects with ``Last-Event-ID`` misses nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from watchkeeper.governance import deployments
from watchkeeper.governance.context import Governance
from watchkeeper.governance.deployments import AlertRecord
from watchkeeper.governance.roles import Actor

POLL_SECONDS = 0.5
KEEPALIVE_SECONDS = 15.0
VALIDITY_CHECK_POLLS = 10
BATCH = 50


async def alert_events(
    request: Request,
    gov: Governance,
    actor: Actor,
    after_id: int,
    render: Callable[[AlertRecord], str],
    deployment: str | None = None,
    still_valid: Callable[[], Awaitable[bool]] | None = None,
) -> AsyncIterator[str]:
    """``alert`` events (data from ``render``) for each alert after ``after_id`` until the client goes away,
    or until ``still_valid`` (checked every few polls) says the caller's session has ended, when a
    ``signed-out`` event is sent last."""
    last = after_id
    quiet = 0.0
    polls = 0
    yield "retry: 2000\n\n"
    while not await request.is_disconnected():
        polls += 1
        if still_valid is not None and polls % VALIDITY_CHECK_POLLS == 0 and not await still_valid():
            yield "event: signed-out\ndata: {}\n\n"
            return
        fresh = await run_in_threadpool(deployments.list_alerts, gov, actor, deployment, last, BATCH)
        for alert in fresh:
            last = alert.id
            yield f"id: {alert.id}\nevent: alert\ndata: {render(alert)}\n\n"
        quiet = 0.0 if fresh else quiet + POLL_SECONDS
        if quiet >= KEEPALIVE_SECONDS:
            quiet = 0.0
            yield ": keepalive\n\n"
        await asyncio.sleep(POLL_SECONDS)
