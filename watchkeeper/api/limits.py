"""Limits every request meets before any handler runs: body size and requests per second per key.

Kept as plain ASGI middleware so they apply alike to the REST API and the Rekognition-compatible
endpoint, and so an oversized body is refused from its declared length, or as soon as the streamed bytes
pass the limit, without being read into memory first.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from watchkeeper.api.config import ServerConfig
from watchkeeper.api.errors import RequestTooLargeError
from watchkeeper.web.sessions import COOKIE_NAME

Rejection = Callable[[Scope, int, str, str, dict[str, str]], Response]
"""Builds the refusal in the shape the client speaks (REST JSON or AWS JSON): scope, status, code, message,
extra headers."""

_MAX_TRACKED_CALLERS = 10_000


class TokenBuckets:
    """A token bucket per caller: ``rate`` requests per second sustained, ``burst`` at once."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, caller: str) -> float:
        """Take one token for ``caller``: 0.0 if allowed, else the seconds until a token is available."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(caller, (self._burst, now))
            tokens = min(self._burst, tokens + (now - last) * self._rate)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self._rate
            self._buckets[caller] = (tokens - 1.0 if wait == 0.0 else tokens, now)
            while len(self._buckets) > _MAX_TRACKED_CALLERS:
                self._buckets.popitem(last=False)
        return wait


def caller_of(headers: Headers, scope: Scope) -> str:
    """The access key id a request claims (bearer token or SigV4 credential), else its web session, else the
    client address. Claimed, not verified: limiting happens before authentication so floods cost nothing
    to refuse (and a made-up session only ever limits itself)."""
    authorization = headers.get("authorization", "")
    session = cookie_parser(headers.get("cookie", "")).get(COOKIE_NAME)
    if session:
        return "session:" + session
    if authorization.startswith("Bearer "):
        return "key:" + authorization[len("Bearer ") :].partition(".")[0]
    if "Credential=" in authorization:
        return "key:" + authorization.split("Credential=", 1)[1].partition("/")[0]
    client = scope.get("client")
    return "address:" + (client[0] if client else "unknown")


class LimitsMiddleware:
    def __init__(
        self, app: ASGIApp, config: ServerConfig, reject: Rejection, large_upload_paths: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.config = config
        self.reject = reject
        self.large_upload_paths = large_upload_paths
        self.buckets = TokenBuckets(config.requests_per_second, config.burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        wait = self.buckets.take(caller_of(headers, scope))
        if wait > 0:
            message = f"more than {self.config.requests_per_second:g} requests per second for this key; retry later"
            retry = {"Retry-After": str(max(1, math.ceil(wait)))}
            await self.reject(scope, 429, "rate_limited", message, retry)(scope, receive, send)
            return
        limit = (
            self.config.max_footage_bytes if scope["path"] in self.large_upload_paths else self.config.max_request_bytes
        )
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            message = f"the request body is {int(declared)} bytes; the limit is {limit}"
            await self.reject(scope, 413, "request_too_large", message, {})(scope, receive, send)
            return
        await self.app(scope, _counting(receive, limit), send)


def _counting(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises :class:`RequestTooLargeError` once more than ``limit`` body bytes arrive
    (a body sent without a declared length); the handler's error mapping turns it into a 413."""
    received = 0

    async def wrapped() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise RequestTooLargeError("request body", f"more than {limit} bytes; the limit is {limit}")
        return message

    return wrapped
