"""Limits every request meets: body size, and requests per second per client address, then per verified key.

Kept as plain ASGI middleware so they apply alike to the REST API, the Rekognition-compatible endpoint and
the web pages, and so an oversized body is refused from its declared length, or as soon as the streamed
bytes pass the limit, without being read into memory first.

Every request is charged to its client address as it arrives, so a flood is refused before anything else
runs, and a made-up key id or cookie buys no allowance of its own. Once the route that authenticates the
request has verified its access key (bearer token, SigV4 signature, or the key behind a web session), the
charge moves from the address to that key. A key's holder is limited by their own use only: requests
that merely claim their key id, and fail to verify, spend the allowance of the address they came from.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from watchkeeper.errors import RateLimitedError
from watchkeeper.server.config import ServerConfig
from watchkeeper.server.errors import RequestTooLargeError, retry_after_header

Rejection = Callable[[Scope, int, str, str, dict[str, str]], Response]
"""Builds the refusal in the shape the client speaks (REST JSON or AWS JSON): scope, status, code, message,
extra headers."""

_MAX_TRACKED_CALLERS = 10_000
_CHARGE = "watchkeeper.charge"
"""Where the middleware leaves each request's :class:`RequestCharge` in its ASGI scope."""


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
            tokens = self._refilled(caller, now)
            wait = 0.0 if tokens >= 1.0 else (1.0 - tokens) / self._rate
            self._buckets[caller] = (tokens - 1.0 if wait == 0.0 else tokens, now)
            while len(self._buckets) > _MAX_TRACKED_CALLERS:
                self._buckets.popitem(last=False)
        return wait

    def give_back(self, caller: str) -> None:
        """Return the token a request took (its charge moved elsewhere)."""
        now = self._clock()
        with self._lock:
            self._buckets[caller] = (min(self._burst, self._refilled(caller, now) + 1.0), now)

    def _refilled(self, caller: str, now: float) -> float:
        """The caller's tokens at ``now``, its bucket taken out to be put back as the most recent."""
        tokens, last = self._buckets.pop(caller, (self._burst, now))
        return min(self._burst, tokens + (now - last) * self._rate)


@dataclass(frozen=True, slots=True)
class RateLimits:
    """The server's allowances: one bucket per client address, one per verified access key."""

    requests_per_second: float
    addresses: TokenBuckets
    keys: TokenBuckets

    @classmethod
    def of(cls, config: ServerConfig) -> RateLimits:
        rate, burst = config.requests_per_second, config.burst
        return cls(rate, TokenBuckets(rate, burst), TokenBuckets(rate, burst))


class RequestCharge:
    """Whose allowance one request spends: its client address, until its access key is verified."""

    def __init__(self, limits: RateLimits, address: str) -> None:
        self._limits = limits
        self.address = address
        self._key: str | None = None

    def key_verified(self, access_key_id: str) -> None:
        """Move the charge from the address to the verified key; :class:`RateLimitedError` when the key has
        spent its allowance. A request verified again (a page that re-checks its session) pays once."""
        if self._key is not None:
            return
        self._key = access_key_id
        self._limits.addresses.give_back(self.address)
        wait = self._limits.keys.take(access_key_id)
        if wait > 0:
            rate = self._limits.requests_per_second
            raise RateLimitedError(f"more than {rate:g} requests per second for this access key; retry later", wait)


def request_charge(scope: Scope) -> RequestCharge:
    """The charge :class:`LimitsMiddleware` took for this request."""
    charge: RequestCharge = scope[_CHARGE]
    return charge


def client_address(scope: Scope) -> str:
    """The address the connection came from (as uvicorn reports it, behind a proxy it trusts)."""
    client = scope.get("client")
    return client[0] if client else "unknown"


class LimitsMiddleware:
    def __init__(
        self, app: ASGIApp, config: ServerConfig, reject: Rejection, large_upload_paths: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.config = config
        self.reject = reject
        self.large_upload_paths = large_upload_paths
        self.limits = RateLimits.of(config)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        address = client_address(scope)
        wait = self.limits.addresses.take(address)
        if wait > 0:
            refusal = RateLimitedError(
                f"more than {self.config.requests_per_second:g} requests per second from this address without "
                "a verified access key; retry later",
                wait,
            )
            await self.reject(scope, 429, refusal.code, str(refusal), retry_after_header(refusal))(scope, receive, send)
            return
        scope = {**scope, _CHARGE: RequestCharge(self.limits, address)}
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
