"""Floods meant to lock someone else out: claiming a user's (public) access key id, made-up session cookies,
and guessed secrets at the sign-in form. Each flood comes from its own loopback address (127.0.0.2), the
user it aims at from 127.0.0.1, against a real server with a small rate so a few dozen requests exhaust it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from botocore.config import Config

from tests.api.serving import PEOPLE, RunningServer, running_server
from watchkeeper.config import Settings
from watchkeeper.face import FaceEngine
from watchkeeper.governance.roles import Role
from watchkeeper.server.config import ServerConfig
from watchkeeper.web.sessions import COOKIE_NAME

ATTACKER_ADDRESS = "127.0.0.2"
FLOOD = 60
"""Requests per flood: well past the burst below, a few seconds of loopback traffic."""
LIMITED = ServerConfig(requests_per_second=0.01, burst=5)
"""Five requests at once, then one per 100 s: nothing refills while a test runs."""
SIGV4_CLAIM = (
    "AWS4-HMAC-SHA256 Credential={}/20260101/eu-west-2/rekognition/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


@pytest.fixture
def limited_server(tmp_path: Path, settings: Settings, engine: FaceEngine) -> Iterator[RunningServer]:
    with running_server(tmp_path, settings, engine, LIMITED) as running:
        yield running


def attacker(url: str) -> httpx.Client:
    """A client whose connections come from another loopback address than the user's."""
    transport = httpx.HTTPTransport(local_address=ATTACKER_ADDRESS)
    return httpx.Client(base_url=url, transport=transport, timeout=60.0, follow_redirects=False)


def key_id(server: RunningServer, role: Role) -> str:
    return server.tokens[role].partition(".")[0]


def test_a_flood_claiming_a_users_key_id_does_not_lock_that_user_out(limited_server: RunningServer) -> None:
    """Bearer tokens and SigV4 credentials naming the analyst's key id with a wrong secret are refused and
    limited per address; the analyst's own requests, REST and Rekognition, still pass."""
    claimed = key_id(limited_server, Role.ANALYST)
    with attacker(limited_server.url) as flooding:
        bearer = [
            flooding.get("/api/v1/me", headers={"Authorization": f"Bearer {claimed}.guessed"}).status_code
            for _ in range(FLOOD // 2)
        ]
        signed = [
            flooding.post(
                "/",
                headers={
                    "Authorization": SIGV4_CLAIM.format(claimed),
                    "X-Amz-Target": "RekognitionService.ListCollections",
                    "Content-Type": "application/x-amz-json-1.1",
                },
                content=b"{}",
            ).json()["__type"]
            for _ in range(FLOOD // 2)
        ]
    assert bearer == [401] * 5 + [429] * (FLOOD // 2 - 5), bearer
    assert set(signed) == {"ProvisionedThroughputExceededException"}
    with limited_server.client(Role.ANALYST) as analyst:
        assert analyst.get("/api/v1/me").json()["name"] == PEOPLE[Role.ANALYST]
    rekognition = boto3.client(
        "rekognition",
        endpoint_url=limited_server.url,
        region_name="eu-west-2",
        aws_access_key_id=claimed,
        aws_secret_access_key=limited_server.tokens[Role.ANALYST].partition(".")[2],
        config=Config(retries={"total_max_attempts": 1}),
    )
    assert "CollectionIds" in rekognition.list_collections()


def test_made_up_session_cookies_are_limited_per_address(limited_server: RunningServer) -> None:
    """A new invented cookie on every request used to get a fresh allowance each time; now the address pays."""
    with attacker(limited_server.url) as flooding:
        statuses = [
            flooding.post(
                "/sign-in",
                data={"user": "olu", "secret": "guess", "csrf_token": "x"},
                headers={"Cookie": f"{COOKIE_NAME}={secrets.token_urlsafe(16)}"},
            ).status_code
            for _ in range(FLOOD // 3)
        ]
        pages = [
            flooding.get("/alerts", headers={"Cookie": f"{COOKIE_NAME}={secrets.token_urlsafe(16)}"}).status_code
            for _ in range(FLOOD // 3)
        ]
    assert statuses[:5] == [400] * 5
    assert set(statuses[5:]) == {429}
    assert set(pages) == {429}
    with httpx.Client(base_url=limited_server.url) as visitor:
        assert visitor.get("/sign-in").status_code == 200, "another address is not held back by the flood"


def test_a_forwarded_for_header_from_an_untrusted_client_buys_no_fresh_address(
    limited_server: RunningServer,
) -> None:
    """No client may name its own address unless it is a configured proxy, not even one on the server's own
    loopback address (which uvicorn would trust unless told not to)."""
    with httpx.Client(base_url=limited_server.url) as flooding:
        statuses = [
            flooding.get("/health", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code for n in range(20)
        ]
    assert statuses == [200] * 5 + [429] * 15


def test_guessed_secrets_back_off_are_audited_and_do_not_keep_the_user_out(
    tmp_path: Path, settings: Settings, engine: FaceEngine
) -> None:
    """Failed sign-ins for one name from one address are slowed (429 with Retry-After, the secret not even
    checked), every checked failure is on the audit log without the secret, and the user signing in from
    an address they have signed in from before is not held back by the name's backoff."""
    with running_server(tmp_path, settings, engine) as server:
        secret = server.tokens[Role.OPERATOR].partition(".")[2]
        with httpx.Client(base_url=server.url, follow_redirects=False) as operator:
            assert sign_in(operator, "olu", secret).status_code == 303
        guesses = [f"guess-{n}-{secrets.token_hex(4)}" for n in range(20)]
        with attacker(server.url) as guessing:
            answers = [sign_in(guessing, "olu", guess) for guess in guesses]
        with httpx.Client(base_url=server.url, follow_redirects=False) as operator:
            again = sign_in(operator, "olu", secret)
        with server.client(Role.AUDITOR) as auditor:
            log = auditor.get("/api/v1/audit/entries", params={"start": 0, "limit": 1000}).json()["entries"]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:5] == [401] * 5, statuses
    assert 429 in statuses[5:]
    throttled = next(answer for answer in answers if answer.status_code == 429)
    assert int(throttled.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins" in throttled.text
    assert again.status_code == 303, again.text
    failed = [entry["entry"] for entry in log if entry["entry"]["action"] == "session.sign_in_failed"]
    assert len(failed) == statuses.count(401)
    assert {(e["details"]["user"], e["details"]["address"], e["details"]["reason"]) for e in failed} == {
        ("olu", ATTACKER_ADDRESS, "wrong_secret")
    }
    recorded = str(log)
    assert not any(guess in recorded for guess in guesses), "no guessed secret is written to the log"
    assert secret not in recorded


def sign_in(client: httpx.Client, user: str, secret: str) -> httpx.Response:
    """What the sign-in page's form does: fetch the form (its cookie and CSRF token), then post it."""
    form = client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None, form.text
    return client.post("/sign-in", data={"user": user, "secret": secret, "csrf_token": token.group(1)})
