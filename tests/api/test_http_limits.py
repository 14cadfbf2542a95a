"""The server's limits: configuration validated at start, requests per second per address, then per verified key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.serving import running_server
from watchkeeper.config import ConfigError, Settings
from watchkeeper.errors import RateLimitedError
from watchkeeper.face import FaceEngine
from watchkeeper.governance.roles import Role
from watchkeeper.server.config import ServerConfig, read_server_config
from watchkeeper.server.limits import RateLimits, RequestCharge, TokenBuckets


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_the_burst_then_the_rate() -> None:
    clock = FakeClock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a") == pytest.approx(0.5)
    assert buckets.take("b") == 0.0, "each caller has a bucket of their own"
    clock.now = 0.5
    assert buckets.take("a") == 0.0
    assert buckets.take("a") > 0.0


def test_too_many_requests_per_key_are_refused_with_retry_after(
    tmp_path: Path, settings: Settings, engine: FaceEngine
) -> None:
    config = ServerConfig(requests_per_second=0.5, burst=3)
    with running_server(tmp_path, settings, engine, config) as server:
        with server.client(Role.AUDITOR) as auditor:
            statuses = [auditor.get("/api/v1/me").status_code for _ in range(5)]
            refused = auditor.get("/api/v1/me")
        with server.client(Role.ANALYST) as analyst:
            other_key = analyst.get("/api/v1/me").status_code
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1
    assert other_key == 200


def test_server_section_is_read_and_validated(tmp_path: Path) -> None:
    path = tmp_path / "watchkeeper.toml"
    assert read_server_config(path, {}) == ServerConfig()
    path.write_text("[server]\nport = 9000\nrequests_per_second = 5\n[retention]\nalerts = 10\n")
    assert read_server_config(path, {}).port == 9000
    assert read_server_config(path, {"WATCHKEEPER_PORT": "9100"}).port == 9100
    path.write_text("[server]\nport = 70000\nmax_request_bytes = 1\nsurprise = true\n")
    with pytest.raises(ConfigError) as raised:
        read_server_config(path, {})
    message = str(raised.value)
    assert "port" in message
    assert "max_request_bytes" in message
    assert "surprise" in message
    path.write_text(f'[server]\nvideo_directories = ["{tmp_path}"]\n')
    assert read_server_config(path, {}).video_directories == (tmp_path,)
    path.write_text(f'[server]\nvideo_directories = ["{tmp_path / "absent"}"]\n')
    with pytest.raises(ConfigError, match="video_directories"):
        read_server_config(path, {})
    path.write_text("[server\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_server_config(path, {})
    with pytest.raises(ConfigError, match="WATCHKEEPER_PORT"):
        read_server_config(tmp_path / "absent.toml", {"WATCHKEEPER_PORT": "eighty"})


def test_a_request_is_charged_to_its_address_until_its_key_is_verified() -> None:
    limits = RateLimits(1.0, TokenBuckets(1.0, 2, FakeClock()), TokenBuckets(1.0, 1, FakeClock()))
    assert limits.addresses.take("192.0.2.7") == 0.0
    charge = RequestCharge(limits, "192.0.2.7")
    charge.key_verified("WKIAABC")
    charge.key_verified("WKIAABC")  # verified again (a page re-checking its session): charged once
    assert limits.addresses.take("192.0.2.7") == 0.0, "the address got its token back"
    assert limits.addresses.take("192.0.2.7") == 0.0
    assert limits.addresses.take("192.0.2.7") > 0.0
    assert limits.addresses.take("198.51.100.1") == 0.0
    with pytest.raises(RateLimitedError, match="for this access key") as refused:
        RequestCharge(limits, "198.51.100.1").key_verified("WKIAABC")
    assert refused.value.retry_after == pytest.approx(1.0)
    assert limits.addresses.take("198.51.100.1") == 0.0, "a request refused for its key costs its address nothing"
