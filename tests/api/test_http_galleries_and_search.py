"""The REST API end to end: a gallery built over HTTP, searched over HTTP, each step on the record."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from tests.api.serving import RunningServer
from watchkeeper.config import DATA_DIR_VARIABLE, Settings
from watchkeeper.governance import galleries
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
    return post_probe(client, gallery, probe.name, probe.read_bytes(), "image/jpeg", **fields)


def post_probe(
    client: httpx.Client, gallery: str, filename: str, content: bytes, media_type: str, **fields: str
) -> httpx.Response:
    """A search's upload as a browser sends it: any bytes, under any name and declared type."""
    return client.post(
        f"/api/v1/galleries/{gallery}/searches",
        data={"case_reference": "CASE-7", "reason": "identify a suspect", **fields},
        files={"probe": (filename, content, media_type)},
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


def test_a_gallery_replaced_by_another_process_is_searched_as_it_now_is(
    server: RunningServer, settings: Settings, faces_dir: Path, tmp_path: Path
) -> None:
    """The server has a gallery's index in memory; the command line, in a process of its own on the same
    data directory, deletes the gallery and creates one of the same name with someone else in it. The
    server's next search must see only the new gallery's faces."""
    images = faces_dir / "tests" / "test_images"
    with server.client(Role.ADMIN) as admin, server.client(Role.ANALYST) as analyst:
        assert admin.post("/api/v1/galleries", json={"name": "lineup", "reason": "r"}).status_code == 201
        assert enrol(analyst, "lineup", "obama", images / "obama.jpg").status_code == 201
        first = search(analyst, "lineup", images / "obama2.jpg").json()["candidates"]
        assert [(c["reference"], c["within_threshold"]) for c in first] == [("obama", True)]

        data_dir = server.gov.settings.data_dir
        if settings.model_cache_dir.is_dir() and not (data_dir / "models").exists():
            shutil.copytree(settings.model_cache_dir, data_dir / "models")  # no networks rebuilt
        (tmp_path / "biden").mkdir()
        shutil.copy(images / "biden.jpg", tmp_path / "biden" / "biden.jpg")
        cli(data_dir, "gallery", "delete", "lineup", "--reason", "replaced", "--user", "ada")
        cli(data_dir, "gallery", "create", "lineup", "--reason", "again", "--user", "ada")
        cli(
            data_dir, "enrol", "lineup", str(tmp_path), "--category", "suspected_offence", "--reason", "r",
            "--source", "s", "--expires", "2099-01-01", "--user", "ada",
        )  # fmt: skip

        found = search(analyst, "lineup", images / "obama2.jpg")
    assert found.status_code == 200, found.text
    assert [(c["reference"], c["within_threshold"]) for c in found.json()["candidates"]] == [("biden", False)]


def test_an_enrolment_the_index_cannot_take_is_refused_with_503_and_stores_nothing(
    server: RunningServer, faces_dir: Path
) -> None:
    images = faces_dir / "tests" / "test_images"
    with server.client(Role.ADMIN) as admin, server.client(Role.AUDITOR) as auditor:
        assert admin.post("/api/v1/galleries", json={"name": "full", "reason": "r"}).status_code == 201
        assert enrol(admin, "full", "biden", images / "biden.jpg").status_code == 201
        with server.gov.sessions() as session:
            index_file = server.gov.indexes.path(galleries.find_gallery(session, "full").id)
        index_file.unlink()
        index_file.mkdir()  # neither readable nor replaceable: saving the index fails with a real OSError
        audited = auditor.get("/api/v1/audit/entries", params={"limit": 1000}).json()["entries"]

        refused = enrol(admin, "full", "obama", images / "obama.jpg")

        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "index_unavailable"
        assert set(refused.json()) == {"error"}
        assert [s["reference"] for s in admin.get("/api/v1/galleries/full/subjects").json()] == ["biden"]
        assert auditor.get("/api/v1/audit/entries", params={"limit": 1000}).json()["entries"] == audited
        index_file.rmdir()


def cli(data_dir: Path, *args: str) -> dict[str, object]:
    """Run one command as its own process on ``data_dir``; its ``--json`` document."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "watchkeeper"), *args, "--json"],
        env={**os.environ, DATA_DIR_VARIABLE: str(data_dir)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    document: dict[str, object] = json.loads(done.stdout)
    return document
