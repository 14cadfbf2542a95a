"""`audit checkpoint` hands a witness the newest signed head; `audit verify --witness` holds the log to it,
even after the database and the checkpoints file beside it were both cut back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from governed_cli import run
from typer.testing import CliRunner

from watchkeeper.cli import app
from watchkeeper.governance.audit.heads_file import HEADS_FILE


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
    with sqlite3.connect(data_dir / "watchkeeper.db") as database:
        database.execute("DELETE FROM audit_entries WHERE sequence >= 3")
        database.execute("DELETE FROM audit_checkpoints WHERE size > 3")
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
