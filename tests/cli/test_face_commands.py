from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from watchkeeper.cli import app

runner = CliRunner()


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def run_json(*args: str | Path) -> tuple[int, dict[str, Any]]:
    code, stdout, _ = run(*args, "--json")
    return code, json.loads(stdout)


def test_detect_json_shape(faces_dir: Path) -> None:
    code, document = run_json("detect", faces_dir / "tests/test_images/obama.jpg")
    assert code == 0
    assert document["version"] == 1
    assert document["errors"] == []
    (image,) = document["images"]
    assert (image["width"], image["height"]) == (910, 1137)
    (face,) = image["faces"]
    assert face["index"] == 0
    assert face["box"] == {"left": 349, "top": 142, "right": 617, "bottom": 409}
    assert face["landmarks"]["nose_base"] == [496.0, 295.0]
    assert set(face["quality"]) == {
        "box_width",
        "box_height",
        "inter_ocular_px",
        "sharpness",
        "brightness",
        "frontalness",
        "roll_degrees",
    }


def test_detect_reports_bad_files_and_keeps_going(faces_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    code, document = run_json("detect", broken, faces_dir / "examples/two_people.jpg", tmp_path / "missing.png")
    assert code == 1
    assert [len(i["faces"]) for i in document["images"]] == [2]
    assert [(e["source"], e["code"]) for e in document["errors"]] == [
        (str(broken), "image_unreadable"),
        (str(tmp_path / "missing.png"), "image_unreadable"),
    ]


def test_detect_prints_a_readable_table(faces_dir: Path) -> None:
    code, stdout, _ = run("detect", faces_dir / "examples/two_people.jpg")
    assert code == 0
    assert "2 faces" in stdout
    assert "sharpness" in stdout


def test_bad_input_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    text = tmp_path / "statement.png"
    text.write_text("not an image")
    code, _, stderr = run("detect", text)
    assert code == 1
    assert "statement.png: not an image" in stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    ("other", "same"),
    [
        ("tests/test_images/obama.jpg", True),
        ("tests/test_images/obama2.jpg", True),
        ("tests/test_images/obama_partial_face2.jpg", True),
        ("tests/test_images/32bit.png", True),
        ("tests/test_images/biden.jpg", False),
    ],
)
def test_compare_the_large_obama3_with_each_test_image(faces_dir: Path, other: str, same: bool) -> None:
    # The peer's command line recognises obama3.jpg (2333 x 1434) as Obama against this folder.
    code, document = run_json("compare", faces_dir / "tests/test_images/obama3.jpg", faces_dir / other)
    assert code == 0
    assert document["same_person"] is same
    assert document["threshold"] == 0.6
    assert (document["distance"] <= 0.6) is same
    assert document["similarity"] == pytest.approx(max(0.0, 1 - document["distance"] / 1.2), abs=1e-5)
    assert document["first"]["face"]["index"] == 0


def test_compare_human_output(faces_dir: Path) -> None:
    code, stdout, _ = run("compare", faces_dir / "examples/obama.jpg", faces_dir / "examples/biden.jpg")
    assert code == 0
    assert "different people" in stdout


def test_compare_needs_a_choice_when_an_image_has_several_faces(faces_dir: Path) -> None:
    group = faces_dir / "examples/two_people.jpg"
    code, _, stderr = run("compare", group, faces_dir / "examples/biden.jpg")
    assert code == 1
    assert "2 faces found; choose one with --face-a" in stderr

    code, document = run_json("compare", group, faces_dir / "examples/biden.jpg", "--face-a", "1")
    assert code == 0
    assert document["same_person"] is True  # the face on the right is Biden's

    code, document = run_json("compare", faces_dir / "examples/biden.jpg", group, "--face-b", "7")
    assert code == 1
    assert document["error"]["code"] == "face_selection"
    assert "--face-b 7 does not exist" in document["error"]["reason"]


def test_compare_with_no_face_fails_clearly(faces_dir: Path) -> None:
    code, document = run_json("compare", faces_dir / "dlib/examples/faces/dogs.jpg", faces_dir / "examples/biden.jpg")
    assert code == 1
    assert document["error"] == {
        "source": str(faces_dir / "dlib/examples/faces/dogs.jpg"),
        "code": "face_selection",
        "reason": "no face found",
    }


def test_compare_threshold_option_changes_the_verdict(faces_dir: Path) -> None:
    args = ("compare", faces_dir / "examples/obama.jpg", faces_dir / "examples/obama-240p.jpg")
    code, loose = run_json(*args)
    assert code == 0
    assert loose["same_person"]
    code, strict = run_json(*args, "--threshold", str(loose["distance"] / 2))
    assert code == 0
    assert not strict["same_person"]


def test_invalid_setting_stops_before_any_work(faces_dir: Path) -> None:
    image = faces_dir / "examples/obama.jpg"
    result = runner.invoke(app, ["compare", str(image), str(image)], env={"WATCHKEEPER_NETWORK_BACKEND": "gpu"})
    assert result.exit_code == 3
    assert "WATCHKEEPER_NETWORK_BACKEND='gpu' is not one of: onnx, dlib" in result.stderr
    result = runner.invoke(app, ["detect", str(image), "--json"], env={"WATCHKEEPER_THREADS": "-2"})
    assert result.exit_code == 3
    assert json.loads(result.stdout)["error"]["code"] == "invalid_configuration"


def test_reference_backend_gives_the_same_verdict(faces_dir: Path) -> None:
    args = ["compare", str(faces_dir / "examples/obama.jpg"), str(faces_dir / "examples/obama2.jpg"), "--json"]
    default = json.loads(runner.invoke(app, args).stdout)
    reference = json.loads(runner.invoke(app, args, env={"WATCHKEEPER_NETWORK_BACKEND": "dlib"}).stdout)
    assert reference["same_person"] == default["same_person"]
    assert reference["distance"] == pytest.approx(default["distance"], abs=1e-4)


def test_usage_errors_exit_2() -> None:
    assert run("compare", "only-one.jpg")[0] == 2
    assert run("detect", "x.jpg", "--detector", "sonar")[0] == 2


def test_help_and_version() -> None:
    code, stdout, _ = run("--help")
    assert code == 0
    for command in ("detect", "compare", "demo"):
        assert command in stdout
    code, stdout, _ = run("compare", "--help")
    assert "--face-a" in stdout
    assert "--threshold" in stdout
    assert run("--version")[1].startswith("watchkeeper ")
