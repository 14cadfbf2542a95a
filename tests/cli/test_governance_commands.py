"""The governance commands end to end, as a user would type them, with their --json shapes."""

from __future__ import annotations

from pathlib import Path

from tests.governed_cli import run


def test_custody_workflow(data_env: dict[str, str], faces_dir: Path) -> None:
    assert run(data_env, "user", "add", "ada", "--role", "admin", "--reason", "first")[0] == 0
    for name, role in (("ann", "analyst"), ("aud", "auditor")):
        assert run(data_env, "user", "add", name, "--role", role, "--reason", "staff", "--user", "ada")[0] == 0
    assert run(data_env, "gallery", "create", "custody", "--reason", "custody images", "--user", "ada")[0] == 0
    code, enrolled = run(
        data_env, "enrol", "custody", faces_dir / "examples/knn_examples/train",
        "--category", "suspected_offence", "--reason", "arrested", "--source", "custody suite",
        "--expires", "2099-01-01", "--user", "ada",
    )  # fmt: skip
    assert code == 0
    assert enrolled["faces_enrolled"] == 9

    probe = faces_dir / "examples/knn_examples/test/obama_and_biden.jpg"
    code, found = run(
        data_env, "search", "custody", probe, "--face", "0", "--case", "OP-1", "--reason", "identify", "--user", "ann"
    )
    assert code == 0
    assert found["search"]["case_reference"] == "OP-1"
    first = found["search"]["candidates"][0]
    assert (first["rank"], first["reference"], first["within_threshold"]) == (1, "biden", True)
    assert set(first) == {"rank", "reference", "category", "distance", "similarity", "within_threshold", "face_id"}

    code, refused = run(data_env, "subject", "remove", "custody", "obama", "--reason", "released", "--user", "ann")
    assert code == 1
    assert refused["error"]["code"] == "permission_denied"

    code, ambiguous = run(data_env, "search", "custody", probe, "--case", "OP-1", "--reason", "x", "--user", "ann")
    assert code == 1
    assert ambiguous["error"]["code"] == "face_selection"

    code, verified = run(data_env, "audit", "verify", "--user", "aud", "--entry", "5")
    assert code == 0
    assert verified["verification"]["findings"] == []
    assert verified["inclusion"]["entry"]["action"] == "subject.enrol"
    assert verified["verification"]["size"] == 11

    code, subjects = run(data_env, "subject", "list", "custody", "--user", "aud")
    assert code == 0
    assert len(subjects["subjects"]) == 5


def test_unknown_user_is_refused(data_env: dict[str, str]) -> None:
    code, document = run(data_env, "gallery", "list", "--user", "mallory")
    assert code == 1
    assert document["error"]["code"] == "unknown_user"
