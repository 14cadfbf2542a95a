"""Access keys over HTTP (issued, refused when wrong, revoked; the first administrator's key file retired once
used) and the audit log read and proven remotely."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path

import httpx

from tests.api.serving import RunningServer
from tests.serve_process import watchkeeper_serve
from watchkeeper.config import DATA_DIR_VARIABLE
from watchkeeper.governance.audit.checkpoint import Checkpoint, Verifier, open_checkpoint, sign_checkpoint
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.proofs import verify_inclusion
from watchkeeper.governance.audit.store import ORIGIN, VERIFIER_KEY_FILE
from watchkeeper.governance.audit.witness import HeadUpdate, check_update
from watchkeeper.governance.credentials import FIRST_KEY_FILE
from watchkeeper.governance.roles import Role


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_issued_key_works_until_revoked(server: RunningServer) -> None:
    with server.client(Role.ADMIN) as admin:
        issued = admin.post("/api/v1/users/ann/keys", json={"description": "laptop", "reason": "new laptop"})
        assert issued.status_code == 201, issued.text
        key = issued.json()
        assert key["access_key_id"].startswith("WKIA")
        assert key["bearer_token"] == f"{key['access_key_id']}.{key['secret_access_key']}"
        with httpx.Client(base_url=server.url, headers=bearer(key["bearer_token"])) as analyst:
            assert analyst.get("/api/v1/me").json()["name"] == "ann"
            listed = admin.get("/api/v1/keys", params={"user": "ann"}).json()
            assert key["access_key_id"] in [k["access_key_id"] for k in listed]
            assert all("secret" not in field for k in listed for field in k)
            revoked = admin.post(f"/api/v1/keys/{key['access_key_id']}/revoke", json={"reason": "laptop lost"})
            assert revoked.json()["revoked_at"] is not None
            refused = analyst.get("/api/v1/me")
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "the access key is not valid"


def test_wrong_secret_and_malformed_tokens_are_refused(server: RunningServer) -> None:
    key_id = server.tokens[Role.ANALYST].partition(".")[0]
    for token in (f"{key_id}.wrong-secret", "WKIANOSUCHKEY.secret", "no-dot-at-all", f"{key_id}."):
        with httpx.Client(base_url=server.url, headers=bearer(token)) as client:
            response = client.get("/api/v1/me")
        assert response.status_code == 401, token
        assert response.json()["error"]["code"] == "authentication_failed"


def test_audit_log_is_verified_and_each_entry_proven_over_http(server: RunningServer) -> None:
    with server.client(Role.ADMIN) as admin:
        admin.post("/api/v1/galleries", json={"name": "proof", "reason": "to have something to prove"})
    with server.client(Role.AUDITOR) as auditor:
        verification = auditor.get("/api/v1/audit/verification").json()
        page = auditor.get("/api/v1/audit/entries", params={"start": 0, "limit": 1000}).json()
        proofs = [auditor.get(f"/api/v1/audit/entries/{e['sequence']}/proof").json() for e in page["entries"]]
        missing = auditor.get(f"/api/v1/audit/entries/{page['size'] + 5}/proof")
    assert verification["ok"] is True
    assert verification["findings"] == []
    assert verification["size"] == page["size"] == len(page["entries"])
    # What an outside auditor does: the published verifier key, the entry as served, the proof as served.
    verifier = Verifier.from_text((server.gov.settings.keys_dir / VERIFIER_KEY_FILE).read_text().strip())
    for served, proof in zip(page["entries"], proofs, strict=True):
        head = open_checkpoint(proof["checkpoint"], verifier, ORIGIN)
        leaf = base64.b64decode(proof["leaf_hash"])
        fields = served["entry"]
        entry = AuditEntry(**{**fields, "timestamp": datetime.fromisoformat(fields["timestamp"])})
        assert entry.leaf_hash() == leaf
        path = [base64.b64decode(node) for node in proof["proof"]]
        verify_inclusion(leaf, served["sequence"], head.size, path, head.root_hash)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_the_first_administrators_key_file_is_announced_until_they_collect_it(
    tmp_path: Path, data_env: dict[str, str]
) -> None:
    """``watchkeeper serve`` on an empty data directory registers ``admin`` and delivers their key in a file;
    each start says where while the file exists; the administrator issuing another key deletes it."""
    data_dir = Path(data_env[DATA_DIR_VARIABLE])
    key_file = data_dir / "keys" / FIRST_KEY_FILE
    with watchkeeper_serve(data_dir, tmp_path / "first.log"):
        token = dict(line.split(": ", 1) for line in key_file.read_text().splitlines())["bearer_token"]
    first_start = (tmp_path / "first.log").read_text()
    assert f"administrator 'admin' created; their access key is in {key_file}" in first_start
    with (
        watchkeeper_serve(data_dir, tmp_path / "second.log") as (_, url),
        httpx.Client(base_url=url, headers=bearer(token)) as admin,
    ):
        assert admin.get("/api/v1/me").json()["name"] == "admin"
        issued = admin.post("/api/v1/users/admin/keys", json={"description": "laptop", "reason": "my own key"})
        assert issued.status_code == 201, issued.text
        assert not key_file.exists()
        assert admin.get("/api/v1/me").status_code == 200, "the first key itself stays valid until revoked"
    second_start = (tmp_path / "second.log").read_text()
    assert "created" not in second_start
    assert f"their access key is in {key_file}" in second_start
    with watchkeeper_serve(data_dir, tmp_path / "third.log"):
        pass
    assert "access key is in" not in (tmp_path / "third.log").read_text()


def test_a_witness_keeps_the_newest_head_over_http_and_a_rollback_then_fails(server: RunningServer) -> None:
    with server.client(Role.ADMIN) as admin:
        admin.post("/api/v1/galleries", json={"name": "witnessed", "reason": "to have a head to keep"})
    with server.client(Role.AUDITOR) as auditor:
        head = auditor.get("/api/v1/audit/checkpoint").json()
        kept = auditor.post("/api/v1/audit/verification", json={"heads": head["signed"]}).json()
        forged = auditor.post(
            "/api/v1/audit/verification",
            json={"heads": head["signed"].replace(f"\n{head['size']}\n", f"\n{head['size'] - 1}\n")},
        )
    verifier = Verifier.from_text((server.gov.settings.keys_dir / VERIFIER_KEY_FILE).read_text().strip())
    assert open_checkpoint(head["signed"], verifier, ORIGIN).size == head["size"] == kept["size"]
    assert (kept["ok"], kept["findings"]) == (True, [])
    assert kept["heads_checked"] >= 2  # the checkpoints file's, and the witness's
    assert forged.status_code == 200
    assert [finding["kind"] for finding in forged.json()["findings"]] == ["head_invalid"]
    # A head larger than the log (one the witness kept from a longer log) is a log that shrank.
    longer = head_of_a_longer_log(server, head["size"] + 3)
    with server.client(Role.AUDITOR) as auditor:
        shrank = auditor.post("/api/v1/audit/verification", json={"heads": longer}).json()
    assert shrank["ok"] is False
    assert {finding["kind"] for finding in shrank["findings"]} == {"log_shrank", "checkpoint_rolled_back"}


def head_of_a_longer_log(server: RunningServer, size: int) -> str:
    """A head the log's own key signed for a longer log than the one the server holds now."""
    signer = server.gov.audit.signer
    return sign_checkpoint(Checkpoint(ORIGIN, size, bytes(32)), signer)


def test_a_witness_gets_the_consistency_proof_from_its_head_over_http(server: RunningServer) -> None:
    with server.client(Role.ADMIN) as admin:
        admin.post("/api/v1/galleries", json={"name": "before", "reason": "a head to keep"})
    with server.client(Role.AUDITOR) as auditor:
        kept = auditor.get("/api/v1/audit/checkpoint").json()
    with server.client(Role.ADMIN) as admin:
        for name in ("after-1", "after-2", "after-3"):
            admin.post("/api/v1/galleries", json={"name": name, "reason": "the log grows"})
    with server.client(Role.AUDITOR) as auditor:
        served = auditor.get("/api/v1/audit/checkpoint", params={"since": kept["size"]}).json()
        plain_head = auditor.get("/api/v1/audit/checkpoint").json()
        ahead = auditor.get("/api/v1/audit/checkpoint", params={"since": served["size"] + 1})
        empty = auditor.get("/api/v1/audit/checkpoint", params={"since": 0})
    verifier = Verifier.from_text((server.gov.settings.keys_dir / VERIFIER_KEY_FILE).read_text().strip())
    old = open_checkpoint(kept["signed"], verifier, ORIGIN)
    assert check_update(old, HeadUpdate.from_json(served), verifier).size == served["size"] > kept["size"]
    assert served["consistency"]["old_size"] == kept["size"]
    assert plain_head["consistency"] is None
    assert (ahead.status_code, ahead.json()["error"]["code"]) == (400, "invalid_input")
    assert "the log was cut short or rolled back" in ahead.json()["error"]["message"]
    assert empty.status_code == 400
