"""Refusals over HTTP: each role refused what it may not do, each kind of bad input a clear 4xx, and in
every case nothing stored changes (the audit log's size and the galleries stay as they were)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.api.serving import RunningServer
from tests.api.test_http_galleries_and_search import enrol, post_probe, search
from watchkeeper.governance.roles import Role

WINDOW = {"starts_at": "2026-01-01T00:00:00Z", "ends_at": "2099-01-01T00:00:00Z"}
DEPLOYMENT = {
    "name": "refused",
    "purpose": "p",
    "location": "l",
    "cameras": ["gate"],
    "mode": "static",
    "trial": True,
    "gallery": "watch",
    "authorising_officer": "Supt. X",
    **WINDOW,
}


@pytest.fixture(scope="module")
def prepared(server: RunningServer, faces_dir: Path) -> RunningServer:
    with server.client(Role.ADMIN) as admin:
        assert admin.post("/api/v1/galleries", json={"name": "watch", "reason": "r"}).status_code == 201
        assert enrol(admin, "watch", "obama", faces_dir / "tests/test_images/obama.jpg").status_code == 201
    return server


@pytest.fixture
def unchanged(prepared: RunningServer) -> Iterator[None]:
    """Asserts, after the test, that neither the audit log nor any gallery changed."""

    def snapshot() -> tuple[int, Any]:
        with prepared.client(Role.ADMIN) as admin:
            return prepared.gov.audit.size(), admin.get("/api/v1/galleries").json()

    before = snapshot()
    yield
    assert snapshot() == before


def refusal(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return str(error["message"])


ROLE_REFUSALS = [
    (Role.ANALYST, "post", "/api/v1/galleries", {"json": {"name": "x", "reason": "r"}}),
    (Role.OPERATOR, "post", "/api/v1/galleries", {"json": {"name": "x", "reason": "r"}}),
    (Role.AUDITOR, "post", "/api/v1/galleries", {"json": {"name": "x", "reason": "r"}}),
    (Role.ANALYST, "delete", "/api/v1/galleries/watch/subjects/obama", {"params": {"reason": "r"}}),
    (Role.AUDITOR, "delete", "/api/v1/galleries/watch", {"params": {"reason": "r"}}),
    (Role.OPERATOR, "post", "/api/v1/deployments", {"json": DEPLOYMENT}),
    (Role.ANALYST, "get", "/api/v1/deployments", {}),
    (Role.ANALYST, "get", "/api/v1/alerts", {}),
    (Role.AUDITOR, "post", "/api/v1/alerts/1/adjudication", {"json": {"outcome": "confirmed", "reason": "r"}}),
    (Role.ANALYST, "post", "/api/v1/deployments/refused/runs", {"json": {"camera": "gate", "source": "x.mp4"}}),
    (Role.ANALYST, "get", "/api/v1/audit/entries", {}),
    (Role.ADMIN, "get", "/api/v1/audit/verification", {}),
    (Role.OPERATOR, "get", "/api/v1/users", {}),
    (Role.AUDITOR, "post", "/api/v1/users", {"json": {"name": "x", "role": "admin", "reason": "r"}}),
    (Role.ANALYST, "post", "/api/v1/users/ann/keys", {"json": {"reason": "r"}}),
    (Role.AUDITOR, "post", "/api/v1/retention/enforcement", {}),
]


@pytest.mark.parametrize(("role", "method", "path", "arguments"), ROLE_REFUSALS)
def test_each_role_is_refused_what_it_may_not_do(
    prepared: RunningServer, unchanged: None, role: Role, method: str, path: str, arguments: dict[str, Any]
) -> None:
    with prepared.client(role) as client:
        response = client.request(method.upper(), path, **arguments)
    assert f"({role.value}) may not" in refusal(response, 403, "permission_denied")


def test_auditor_cannot_search(prepared: RunningServer, unchanged: None, faces_dir: Path) -> None:
    with prepared.client(Role.AUDITOR) as auditor:
        response = search(auditor, "watch", faces_dir / "tests/test_images/obama2.jpg")
    refusal(response, 403, "permission_denied")


def test_corrupt_image_is_refused(prepared: RunningServer, unchanged: None) -> None:
    with prepared.client(Role.ANALYST) as analyst:
        response = post_probe(analyst, "watch", "broken.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", "image/jpeg")
    assert "broken.jpg" in refusal(response, 400, "image_unreadable")


def test_image_without_a_face_is_refused(prepared: RunningServer, unchanged: None, faces_dir: Path) -> None:
    dogs = next(faces_dir.rglob("dogs.jpg"))
    with prepared.client(Role.ANALYST) as analyst:
        response = search(analyst, "watch", dogs)
    assert "no face" in refusal(response, 422, "face_selection")


def test_enrolment_of_an_image_without_a_face_stores_nothing(
    prepared: RunningServer, unchanged: None, faces_dir: Path
) -> None:
    with prepared.client(Role.ANALYST) as analyst:
        response = enrol(analyst, "watch", "nobody", next(faces_dir.rglob("dogs.jpg")))
    assert response.status_code == 201
    outcome = response.json()
    assert outcome["enrolled"] == 0
    assert "no face" in outcome["skipped"][0]


def test_unsupported_image_format_is_refused(prepared: RunningServer, unchanged: None) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "grey").save(buffer, format="GIF")
    gif = buffer.getvalue()
    with prepared.client(Role.ANALYST) as analyst:
        response = post_probe(analyst, "watch", "face.gif", gif, "image/gif")
    refusal(response, 415, "unsupported_image_format")


def test_oversized_body_is_refused_before_it_is_read(prepared: RunningServer, unchanged: None) -> None:
    with prepared.client(Role.ANALYST) as analyst:
        response = post_probe(analyst, "watch", "huge.jpg", b"\0" * (21 * 1024 * 1024), "image/jpeg")
    assert "limit" in refusal(response, 413, "request_too_large")


def test_oversized_body_without_a_declared_length_is_refused(prepared: RunningServer, unchanged: None) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(22):
            yield b"\0" * (1024 * 1024)

    with prepared.client(Role.ADMIN) as admin:
        response = admin.post("/api/v1/galleries", content=chunks(), headers={"Content-Type": "application/json"})
    refusal(response, 413, "request_too_large")


@pytest.mark.parametrize(
    ("method", "path", "arguments"),
    [
        ("get", "/api/v1/galleries/nowhere/subjects", {}),
        ("delete", "/api/v1/galleries/watch/subjects/nobody", {"params": {"reason": "r"}}),
        ("get", "/api/v1/deployments/nowhere", {}),
        ("post", "/api/v1/alerts/999999/adjudication", {"json": {"outcome": "rejected", "reason": "r"}}),
        ("get", "/api/v1/alerts/999999/crop", {}),
    ],
)
def test_unknown_ids_are_not_found(
    prepared: RunningServer, unchanged: None, method: str, path: str, arguments: dict[str, Any]
) -> None:
    role = Role.OPERATOR if "alerts" in path or "deployments" in path else Role.ADMIN
    with prepared.client(role) as client:
        response = client.request(method.upper(), path, **arguments)
    refusal(response, 404, "not_found")


def test_unknown_gallery_search_is_not_found(prepared: RunningServer, unchanged: None, faces_dir: Path) -> None:
    with prepared.client(Role.ANALYST) as analyst:
        response = search(analyst, "nowhere", faces_dir / "tests/test_images/obama2.jpg")
    assert "nowhere" in refusal(response, 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"name": "x"}', b'{"name": "", "reason": "r"}', b'["a list"]', b'{"name": 5, "reason": "r"}'],
)
def test_malformed_json_is_refused(prepared: RunningServer, unchanged: None, body: bytes) -> None:
    with prepared.client(Role.ADMIN) as admin:
        response = admin.post("/api/v1/galleries", content=body, headers={"Content-Type": "application/json"})
    refusal(response, 422, "invalid_request")


def test_existing_gallery_is_a_conflict(prepared: RunningServer, unchanged: None) -> None:
    with prepared.client(Role.ADMIN) as admin:
        response = admin.post("/api/v1/galleries", json={"name": "watch", "reason": "again"})
    refusal(response, 409, "already_exists")


def test_search_without_a_case_is_refused(prepared: RunningServer, unchanged: None, faces_dir: Path) -> None:
    with prepared.client(Role.ANALYST) as analyst:
        response = search(analyst, "watch", faces_dir / "tests/test_images/obama2.jpg", case_reference="")
    refusal(response, 422, "invalid_request")


def test_expiry_in_the_past_is_refused(prepared: RunningServer, unchanged: None, faces_dir: Path) -> None:
    image = faces_dir / "tests/test_images/biden.jpg"
    with prepared.client(Role.ADMIN) as admin:
        response = admin.post(
            "/api/v1/galleries/watch/subjects",
            data={
                "reference": "biden",
                "category": "suspected_offence",
                "reason": "r",
                "source": "s",
                "expires_at": "2001-01-01T00:00:00Z",
            },
            files=[("images", (image.name, image.read_bytes(), "image/jpeg"))],
        )
    assert "has passed" in refusal(response, 409, "gallery_error")
