"""The main job, run the way the README runs it: the installed command in its own process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path


def watchkeeper_command() -> str:
    installed = Path(sys.executable).parent / "watchkeeper"
    return str(installed) if installed.exists() else shutil.which("watchkeeper") or "watchkeeper"


def test_demo_over_the_shared_images(faces_dir: Path) -> None:
    result = subprocess.run(
        [watchkeeper_command(), "demo", str(faces_dir), "--json"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["errors"] == []
    assert all(i["found_faces"] == i["expected_faces"] for i in document["images"])
    verification = document["verification"]
    assert verification["same_identity_pairs"] + verification["different_identity_pairs"] == 253
    assert verification["false_matches"] == verification["false_non_matches"] == 0
    proposals = {(c["source"], c["face"]): c["candidate"] for c in document["group_candidates"]}
    assert proposals[("examples/two_people.jpg", 0)] == "obama"
    assert proposals[("examples/two_people.jpg", 1)] == "biden"
    assert proposals[("examples/knn_examples/test/obama_and_biden.jpg", 2)] is None  # the child is nobody we know


def test_demo_names_a_missing_folder(tmp_path: Path) -> None:
    result = subprocess.run([watchkeeper_command(), "demo", str(tmp_path)], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "labels.csv: no such file" in result.stderr
