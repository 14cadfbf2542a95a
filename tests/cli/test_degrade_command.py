"""``watchkeeper degrade``: the copies and the clean-versus-degraded report as documented, bad input refused
in the documented error shape with nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_face_commands import run, run_json

PHOTOS = {
    "examples/knn_examples/train/biden/biden.jpg": "biden",
    "examples/knn_examples/train/biden/biden2.jpg": "biden",
    "examples/knn_examples/train/obama/obama.jpg": "obama",
    "examples/knn_examples/train/obama/obama2.jpg": "obama",
    "examples/knn_examples/train/rose_leslie/img1.jpg": "rose_leslie",
    "examples/knn_examples/train/rose_leslie/img2.jpg": "rose_leslie",
}


@pytest.fixture
def labels(faces_dir: Path, tmp_path: Path) -> Path:
    path = tmp_path / "labels.csv"
    rows = [f"{faces_dir / name},{identity}" for name, identity in PHOTOS.items()]
    path.write_text("file,identity\n" + "\n".join(rows) + "\n")
    return path


def test_degrade_json_shape(labels: Path, tmp_path: Path) -> None:
    output = tmp_path / "copy"
    code, document = run_json("degrade", labels, output, "--face-width", "40", "--seed", "3")
    assert code == 0
    degradation = document["degradation"]
    assert degradation["ranges"]["seed"] == 3
    assert degradation["ranges"]["face_widths"] == [40]
    assert degradation["sets"] == [{"face_width": 40, "folder": str(output / "w40"), "images": 6}]
    assert degradation["skipped"] == []
    verification = document["verification"]
    assert verification["threshold"] == 0.6
    assert set(verification["clean"]) == {
        "faces_labelled",
        "faces_detected",
        "detection_rate",
        "acquired",
        "genuine_pairs",
        "impostor_pairs",
        "true_accept_rate_at_far_0_01",
        "true_accept_rate_at_threshold",
        "false_accept_rate_at_threshold",
    }
    assert verification["clean"]["genuine_pairs"] == 3
    (degraded,) = verification["degraded"]
    assert degraded["face_width"] == 40
    assert degraded["figures"]["faces_labelled"] == 6
    # Each acquired degraded face meets the 5 clean photos of other sources: 1 of its person, 4 of others.
    acquired = degraded["figures"]["acquired"]
    assert acquired >= 4
    assert (degraded["figures"]["genuine_pairs"], degraded["figures"]["impostor_pairs"]) == (acquired, 4 * acquired)
    assert (output / "w40" / "labels.csv").is_file()
    assert (output / "degradation.json").is_file()


def test_degrade_prints_a_summary(labels: Path, tmp_path: Path) -> None:
    code, stdout, _ = run("degrade", labels, tmp_path / "copy", "--face-width", "60", "--detector", "centerface")
    assert code == 0
    assert "clean: 6/6 faces detected" in stdout
    assert "60 px, against clean" in stdout


def test_a_used_output_folder_is_refused(labels: Path, tmp_path: Path) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    code, document = run_json("degrade", labels, used)
    assert code == 1
    assert document["error"] == {
        "source": str(used),
        "code": "invalid_input",
        "reason": "already exists and is not an empty folder; choose a new output folder",
    }
    assert [p.name for p in used.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize(
    ("arguments", "reason"),
    [
        (("--face-width", "4"), "face widths must be given and each at least 8 px"),
        (("--face-width", "28", "--face-width", "28"), "face widths must be distinct"),
        (("--seed", "-2"), "the seed must be 0 or more, got -2"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(
    labels: Path, tmp_path: Path, arguments: tuple[str, ...], reason: str
) -> None:
    code, document = run_json("degrade", labels, tmp_path / "copy", *arguments)
    assert code == 1
    assert document["error"] == {"source": "arguments", "code": "invalid_input", "reason": reason}
    assert not (tmp_path / "copy").exists()


def test_a_missing_labelled_set_is_refused(tmp_path: Path) -> None:
    code, document = run_json("degrade", tmp_path / "nowhere", tmp_path / "copy")
    assert code == 1
    assert document["error"]["code"] == "invalid_input"
    assert document["error"]["reason"] == "no such file or folder"
    assert not (tmp_path / "copy").exists()
