"""A deployment run by the server on the real clip: alerts pushed to a waiting client as they are raised,
looked at, adjudicated; counts on the record; the watchlist snapshot deleted when it ends."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.api.serving import RunningServer
from tests.api.test_http_galleries_and_search import enrol
from watchkeeper.governance.roles import Role

CLIP = "examples/short_hamilton_clip.mp4"
IN_CLIP = {"lin_manuel_miranda": "examples/lin-manuel-miranda.png", "alex_lacamoire": "examples/alex-lacamoire.png"}


def read_alerts(lines: Any, wanted: int, deadline: float) -> list[dict[str, Any]]:
    """Alert events from a server-sent event stream until ``wanted`` arrived or the deadline passed."""
    alerts: list[dict[str, Any]] = []
    event: dict[str, str] = {}
    for line in lines:
        if line.startswith(("id:", "event:", "data:")):
            field, _, value = line.partition(":")
            event[field] = value.strip()
        elif not line and event:
            if event.get("event") == "alert":
                alert = json.loads(event["data"])
                assert int(event["id"]) == alert["id"]
                alerts.append(alert)
            event = {}
        if len(alerts) >= wanted or time.monotonic() > deadline:
            break
    return alerts


@pytest.mark.slow
def test_server_runs_a_deployment_and_pushes_its_alerts(server: RunningServer, faces_dir: Path) -> None:
    now = datetime.now(UTC)
    with server.client(Role.ADMIN) as admin:
        assert admin.post("/api/v1/galleries", json={"name": "hamilton", "reason": "watchlist"}).status_code == 201
        for reference, image in IN_CLIP.items():
            assert enrol(admin, "hamilton", reference, faces_dir / image).status_code == 201
        authorised = admin.post(
            "/api/v1/deployments",
            json={
                "name": "matinee",
                "purpose": "find missing people at the venue",
                "location": "theatre foyer",
                "cameras": ["foyer"],
                "mode": "static",
                "trial": True,
                "gallery": "hamilton",
                "authorising_officer": "Supt. A. Example",
                "starts_at": (now - timedelta(minutes=1)).isoformat(),
                "ends_at": (now + timedelta(hours=1)).isoformat(),
            },
        )
        assert authorised.status_code == 201, authorised.text
        assert authorised.json()["status"] == "authorised"
        assert authorised.json()["watchlist_entries"] == 2

    with server.client(Role.OPERATOR) as operator, operator.stream("GET", "/api/v1/alerts/stream") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["cache-control"] == "no-store"
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")
        started = operator.post(
            "/api/v1/deployments/matinee/runs", json={"camera": "foyer", "source": str(faces_dir / CLIP)}
        )
        assert started.status_code == 201, started.text
        assert started.json()["state"] == "running"
        pushed = read_alerts(lines, wanted=2, deadline=time.monotonic() + 300)

    assert {a["subject_reference"] for a in pushed} == set(IN_CLIP)
    assert all(a["deployment"] == "matinee" and a["camera"] == "foyer" for a in pushed)
    with server.client(Role.OPERATOR) as operator:
        deadline = time.monotonic() + 300
        while (run := operator.get("/api/v1/runs").json()[0])["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert run["state"] == "finished", run
        assert run["frames_read"] == 275
        crop = operator.get(f"/api/v1/alerts/{pushed[0]['id']}/crop")
        assert crop.headers["content-type"] == "image/jpeg"
        assert crop.headers["cache-control"] == "no-store"
        assert crop.content[:2] == b"\xff\xd8"
        decided = operator.post(
            f"/api/v1/alerts/{pushed[0]['id']}/adjudication",
            json={"outcome": "confirmed", "reason": "matches the photo", "action_taken": "spoke to them"},
        )
        assert decided.json()["outcome"] == "confirmed"
        assert decided.json()["adjudicated_by"] == "olu"
        again = operator.post(
            f"/api/v1/alerts/{pushed[0]['id']}/adjudication", json={"outcome": "rejected", "reason": "changed mind"}
        )
        assert again.status_code == 409
        record = operator.get("/api/v1/deployments/matinee").json()
        assert record["counts"]["tracks"] >= 2
        assert record["alerts"] == len(pushed)
        ended = operator.post("/api/v1/deployments/matinee/end", json={"reason": "performance over"})
        assert ended.json()["status"] == "ended"
        assert ended.json()["watchlist_entries"] == 0
        refused = operator.post("/api/v1/deployments/matinee/runs", json={"camera": "foyer", "source": "x"})
        assert refused.status_code == 409
