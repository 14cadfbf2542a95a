"""`audit checkpoint` hands a witness the newest signed head; `audit verify --witness` holds the log to it,
even after the database and the checkpoints file beside it were both cut back."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from tests.governed_cli import run
from watchkeeper.cli import app
from watchkeeper.governance.audit.heads_file import HEADS_FILE
from watchkeeper.governance.audit.merkle import CompactRange
from watchkeeper.governance.audit.store import VERIFIER_KEY_FILE


def make_log(env: dict[str, str]) -> None:
    assert run(env, "user", "add", "ada", "--role", "admin", "--reason", "first")[0] == 0
    assert run(env, "user", "add", "aud", "--role", "auditor", "--reason", "staff", "--user", "ada")[0] == 0
    for name in ("one", "two", "three"):
        assert run(env, "gallery", "create", name, "--reason", "cases", "--user", "ada")[0] == 0


def test_a_witness_head_catches_a_rollback_of_database_and_file(data_env: dict[str, str], tmp_path: Path) -> None:
    make_log(data_env)
    code, head = run(data_env, "audit", "checkpoint", "--user", "aud")
    assert code == 0
    assert head["checkpoint"]["size"] == 6
    assert head["checkpoint"]["origin"] == "watchkeeper.local/audit"
    printed = CliRunner().invoke(app, ["audit", "checkpoint", "--user", "aud"], env=data_env)
    assert printed.exit_code == 0
    assert printed.stdout == head["signed"]  # the text itself, to append to the witness's file
    witness = tmp_path / "witness-heads.txt"
    witness.write_text(head["signed"] + "\n")

    code, verified = run(data_env, "audit", "verify", "--user", "aud", "--witness", witness)
    assert (code, verified["verification"]["findings"], verified["verification"]["heads_checked"]) == (0, [], 7)

    # Someone with the data directory removes the newest three entries, their checkpoints, and the heads file.
    data_dir = Path(data_env["WATCHKEEPER_DATA_DIR"])
    cut_short(data_dir, 3)
    (data_dir / "keys" / HEADS_FILE).unlink()

    code, _ = run(data_env, "audit", "verify", "--user", "aud")
    assert code == 0, "without a head kept elsewhere, a consistent prefix is all there is to check"
    code, witnessed = run(data_env, "audit", "verify", "--user", "aud", "--witness", witness)
    assert code == 1
    kinds = {finding["kind"] for finding in witnessed["verification"]["findings"]}
    assert kinds == {"log_shrank", "checkpoint_rolled_back"}
    shrank = next(f for f in witnessed["verification"]["findings"] if f["kind"] == "log_shrank")
    assert (shrank["source"], shrank["head"]) == ("witness", 0)
    assert shrank["message"].startswith("witness head #0 signs 6 entries, but the stored log has only 3")


def test_a_witness_file_that_is_not_heads_is_reported(data_env: dict[str, str], tmp_path: Path) -> None:
    make_log(data_env)
    witness = tmp_path / "witness-heads.txt"
    witness.write_text("watchkeeper.local/audit\n6\nnot base64\n\n— watchkeeper-audit AAAA\n")
    code, report = run(data_env, "audit", "verify", "--user", "aud", "--witness", witness)
    assert code == 1
    assert [f["kind"] for f in report["verification"]["findings"]] == ["head_invalid"]


def watchkeeper_process(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The installed command in its own process, with no data directory it could read."""
    installed = Path(sys.executable).parent / "watchkeeper"
    env = {key: value for key, value in os.environ.items() if key != "WATCHKEEPER_DATA_DIR"}
    return subprocess.run(
        [str(installed), *(str(a) for a in args)], capture_output=True, text=True, check=False, env=env, timeout=120
    )


def test_a_witness_checks_the_log_grew_with_the_proof_alone(data_env: dict[str, str], tmp_path: Path) -> None:
    make_log(data_env)
    data_dir = Path(data_env["WATCHKEEPER_DATA_DIR"])
    witness_dir = tmp_path / "witness"
    witness_dir.mkdir()
    kept = witness_dir / "heads.txt"
    kept.write_text(CliRunner().invoke(app, ["audit", "checkpoint", "--user", "aud"], env=data_env).stdout)
    verifier = witness_dir / "verifier.txt"
    shutil.copy(data_dir / "keys" / VERIFIER_KEY_FILE, verifier)
    for name in ("four", "five", "six", "seven"):
        assert run(data_env, "gallery", "create", name, "--reason", "more cases", "--user", "ada")[0] == 0

    code, served = run(data_env, "audit", "checkpoint", "--user", "aud", "--since", kept)
    assert code == 0
    assert (served["consistency"]["old_size"], served["consistency"]["new_size"]) == (6, 10)
    assert served["checkpoint"]["size"] == 10
    assert served["signed"].startswith("watchkeeper.local/audit\n10\n")
    assert all(len(bytes.fromhex(element)) == 32 for element in served["consistency"]["proof"])
    update = witness_dir / "update.json"
    update.write_text(json.dumps(served))
    assert run(data_env, "audit", "checkpoint", "--user", "aud", "--since", "6")[1] == served

    # The witness checks in a process of its own, with the data directory out of reach.
    data_dir.rename(tmp_path / "elsewhere")
    checked = watchkeeper_process("audit", "witness-check", kept, update, "--verifier", verifier, "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout)["witness_check"] == {"consistent": True, "old_size": 6, "new_size": 10}
    (tmp_path / "elsewhere").rename(data_dir)

    # The operator rewrites history after the witness's head and signs the new one with the same key.
    cut_short(data_dir, 3)
    (data_dir / "keys" / HEADS_FILE).unlink()
    rewind_frontier(data_dir, 3)
    for name in ("eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen"):
        assert run(data_env, "gallery", "create", name, "--reason", "another history", "--user", "ada")[0] == 0
    code, forked = run(data_env, "audit", "checkpoint", "--user", "aud", "--since", kept)
    assert code == 0
    assert forked["consistency"]["new_size"] == 10
    update.write_text(json.dumps(forked))
    refused = watchkeeper_process("audit", "witness-check", kept, update, "--verifier", verifier, "--json")
    assert refused.returncode == 1
    error = json.loads(refused.stdout)["error"]
    assert error["code"] == "audit_proof_invalid"
    assert "the log is not the one the witness saw" in error["reason"]
    # Claiming the witness's old root does not help: the proof does not lead to it.
    forked["consistency"]["old_root"] = served["consistency"]["old_root"]
    update.write_text(json.dumps(forked))
    claimed = watchkeeper_process("audit", "witness-check", kept, update, "--verifier", verifier)
    assert claimed.returncode == 1
    assert "the proof leads to old root" in claimed.stderr


def cut_short(data_dir: Path, size: int) -> None:
    """Delete the entries from ``size`` on with their checkpoints and every stored node over them, as one who
    knows the schema would: the stored log is then a consistent prefix of the one that was signed."""
    with sqlite3.connect(data_dir / "watchkeeper.db") as database:
        database.execute("DELETE FROM audit_entries WHERE sequence >= ?", (size,))
        database.execute("DELETE FROM audit_checkpoints WHERE size > ?", (size,))
        database.execute("DELETE FROM audit_nodes WHERE ((position + 1) << level) > ?", (size,))


def rewind_frontier(data_dir: Path, size: int) -> None:
    """Set the log's stored frontier to that of its first ``size`` leaves, as a rewriter would."""
    with sqlite3.connect(data_dir / "watchkeeper.db") as database:
        leaves = [row[0] for row in database.execute("SELECT leaf_hash FROM audit_entries ORDER BY sequence")]
        database.execute(
            "UPDATE audit_state SET size = ?, frontier = ? WHERE id = 1",
            (size, CompactRange.of(leaves[:size]).nodes_bytes()),
        )


def test_a_witness_ahead_of_the_log_is_told_it_was_cut_short(data_env: dict[str, str]) -> None:
    make_log(data_env)
    code, refused = run(data_env, "audit", "checkpoint", "--user", "aud", "--since", "9")
    assert code == 1
    assert refused["error"]["source"] == "since"
    assert "smaller than 9: if a head of size 9 was signed, the log was cut short" in refused["error"]["reason"]
    assert run(data_env, "audit", "checkpoint", "--user", "aud", "--since", "0")[0] == 1
