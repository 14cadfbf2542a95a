"""The REST API end to end: a gallery built over HTTP, searched over HTTP, each step on the record."""

from __future__ import annotations

from pathlib import Path

import httpx
from serving import RunningServer

from watchkeeper.governance.roles import Role

EXPIRES = "2099-01-01T00:00:00Z"


def enrol(client: httpx.Client, gallery: str, reference: str, image: Path) -> httpx.Response:
    return client.post(
        f"/api/v1/galleries/{gallery}/subjects",
        data={
            "reference": reference,
            "category": "suspected_offence",
            "reason": "named in case 24/1",
            "source": "custody images",
            "expires_at": EXPIRES,
        },
        files=[("images", (image.name, image.read_bytes(), "image/jpeg"))],
    )


def search(client: httpx.Client, gallery: str, probe: Path, **fields: str) -> httpx.Response:
    return client.post(
        f"/api/v1/galleries/{gallery}/searches",
        data={"case_reference": "CASE-7", "reason": "identify a suspect", **fields},
        files={"probe": (probe.name, probe.read_bytes(), "image/jpeg")},
    )


def test_gallery_built_and_searched_over_http(server: RunningServer, faces_dir: Path) -> None:
    images = faces_dir / "tests" / "test_images"
    with server.client(Role.ADMIN) as admin, server.client(Role.ANALYST) as analyst:
        created = admin.post("/api/v1/galleries", json={"name": "custody", "reason": "custody images"})
        assert created.status_code == 201, created.text
        assert created.json()["name"] == "custody"
        for reference, image in (("obama", "obama.jpg"), ("biden", "biden.jpg")):
            response = enrol(analyst, "custody", reference, images / image)
            assert response.status_code == 201, response.text
            assert response.json() == {"reference": reference, "enrolled": 1, "skipped": []}

        listed = analyst.get("/api/v1/galleries/custody/subjects").json()
        assert [(s["reference"], s["faces"], s["category"]) for s in listed] == [
            ("biden", 1, "suspected_offence"),
            ("obama", 1, "suspected_offence"),
        ]
        found = search(analyst, "custody", images / "obama2.jpg")
        assert found.status_code == 200, found.text
        outcome = found.json()
        assert outcome["case_reference"] == "CASE-7"
        ranked = [(c["reference"], c["within_threshold"]) for c in outcome["candidates"]]
        assert ranked == [("obama", True), ("biden", False)]
        assert 0.0 < outcome["candidates"][0]["distance"] < 0.6

        removed = admin.delete("/api/v1/galleries/custody/subjects/biden", params={"reason": "released"})
        assert removed.json() == {"faces_removed": 1}
        assert [s["reference"] for s in analyst.get("/api/v1/galleries/custody/subjects").json()] == ["obama"]

    with server.client(Role.AUDITOR) as auditor:
        entries = auditor.get("/api/v1/audit/entries", params={"limit": 1000}).json()["entries"]
    actions = [e["entry"]["action"] for e in entries]
    assert actions.count("subject.enrol") == 2
    assert actions[-3:] == ["subject.enrol", "search.run", "subject.remove"]
    searched = next(e["entry"] for e in entries if e["entry"]["action"] == "search.run")
    assert searched["actor"] == "ann"
    assert searched["details"]["case_reference"] == "CASE-7"


def test_health_needs_no_key_and_everything_else_does(server: RunningServer) -> None:
    with server.client() as anonymous:
        assert anonymous.get("/health").json()["status"] == "ok"
        refused = anonymous.get("/api/v1/galleries")
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json()["error"]["code"] == "authentication_failed"


def test_caller_sees_their_role_and_permissions(server: RunningServer) -> None:
    with server.client(Role.AUDITOR) as auditor:
        me = auditor.get("/api/v1/me").json()
    assert me == {
        "name": "aud",
        "role": "auditor",
        "permissions": ["produce_reports", "read_audit", "view_deployments", "view_subjects"],
    }
