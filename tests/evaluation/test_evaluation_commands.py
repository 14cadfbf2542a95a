"""``watchkeeper evaluate`` and ``watchkeeper calibrate`` end to end, as a user would type them."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.evaluation.labelled_sets import JOHNS
from tests.governed_cli import run
from watchkeeper.config import Settings
from watchkeeper.governance import deployments, users
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.events import DeploymentCalibrated, read_entry
from watchkeeper.governance.context import Governance
from watchkeeper.governance.schema import AuditEntryRow

pytestmark = pytest.mark.slow  # runs the engine over 54 photos


@pytest.fixture(scope="module")
def johns_report(faces_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """One evaluation of the five Johns (a folder per identity), written to a report folder."""
    folder = tmp_path_factory.mktemp("report")
    code, document = run({}, "evaluate", faces_dir / JOHNS, "--output", folder, "--bootstrap", "200")
    assert code == 0
    return folder, document


def test_evaluate_writes_the_report_and_prints_its_summary(johns_report: tuple[Path, dict[str, Any]]) -> None:
    folder, document = johns_report
    evaluation = document["evaluation"]
    assert set(evaluation) == {
        "dataset", "configuration", "intervals", "verification", "identification", "subgroups", "face_sizes",
        "techniques",
    }  # fmt: skip
    assert evaluation["dataset"]["identities"] == 5
    assert evaluation["configuration"]["mirror_averaged"] is False
    verification = evaluation["verification"]
    assert verification["genuine_pairs"] + verification["impostor_pairs"] == 54 * 53 // 2
    assert [p["supported"] for p in verification["operating_points"]] == [True, True, False]
    assert verification["false_match"]["interval"]["method"] == "wilson"
    assert verification["decidability_interval"]["method"] == "identity_bootstrap"
    assert {t["technique"] for t in evaluation["techniques"]} == {"mirror_averaging", "mean_template", "quality_gating"}
    face_sizes = evaluation["face_sizes"]
    assert [b["label"] for b in face_sizes] == ["<10", "10-15", "15-20", "20-30", "30-45", ">=45"]
    for bucket in face_sizes:
        assert set(bucket) == {
            "label", "floor", "ceiling", "genuine_pairs", "impostor_pairs", "true_accept_rate_at_far_0_01",
            "at_far_0_01", "true_accept_rate_at_threshold", "false_non_match", "false_match",
        }  # fmt: skip
        assert set(bucket["false_match"]) == {"errors", "trials", "rate", "interval"}
        assert bucket["at_far_0_01"]["target"] == 0.01
    assert sum(b["genuine_pairs"] for b in face_sizes) == verification["genuine_pairs"]
    assert sum(b["impostor_pairs"] for b in face_sizes) == verification["impostor_pairs"]
    report = document["report"]
    assert Path(report["json"]) == folder / "report.json"
    for name in ("det", "scores"):
        assert Path(report["plots"][name]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = Path(report["markdown"]).read_text()
    assert "| FNMR at FMR = 0.0001 | not supported |" in markdown
    assert "## Verification by face size" in markdown
    # No pair of these photos has a face with eyes under 10 px apart: the bucket says so, with no figure.
    assert "| <10 | 0 | 0 | no impostor pairs | n/a | no impostor pairs |" in markdown
    full = json.loads(Path(report["json"]).read_text())
    assert len(full["scores"]["verification"]["negative"]) == verification["impostor_pairs"]


def test_bad_labels_exit_1(tmp_path: Path) -> None:
    (tmp_path / "labels.csv").write_text("file\nx.jpg\n")
    code, document = run({}, "evaluate", tmp_path, "--output", tmp_path / "out")
    assert code == 1
    assert document["error"]["code"] == "invalid_input"


def authorise(env: dict[str, str], faces_dir: Path) -> None:
    assert run(env, "user", "add", "ada", "--role", "admin", "--reason", "first")[0] == 0
    assert run(env, "user", "add", "olu", "--role", "operator", "--reason", "staff", "--user", "ada")[0] == 0
    assert run(env, "gallery", "create", "missing", "--reason", "welfare", "--user", "ada")[0] == 0
    code, _ = run(
        env, "enrol", "missing", faces_dir / "examples/knn_examples/train", "--category", "missing_or_vulnerable",
        "--reason", "reported missing", "--source", "family", "--expires", "2099-01-01", "--user", "ada",
    )  # fmt: skip
    assert code == 0
    now = datetime.now(UTC)
    code, _ = run(
        env, "deploy", "authorise", "foyer", "--gallery", "missing", "--purpose", "find missing people",
        "--location", "foyer", "--camera", "foyer", "--officer", "Supt. A. Example",
        "--starts", f"{now - timedelta(hours=1):%Y-%m-%dT%H:%M%z}",
        "--ends", f"{now + timedelta(hours=2):%Y-%m-%dT%H:%M%z}",
        "--user", "ada",
    )  # fmt: skip
    assert code == 0


def test_calibrate_sets_the_threshold_and_audits_the_evidence(
    data_env: dict[str, str], faces_dir: Path, settings: Settings, johns_report: tuple[Path, dict[str, Any]]
) -> None:
    authorise(data_env, faces_dir)
    report = johns_report[1]["report"]
    args = ("calibrate", report["json"], "--deployment", "foyer", "--reason", "trial evaluation")

    code, refused = run(data_env, *args, "--false-alerts-per-1000", "1", "--user", "ada")
    assert code == 1
    assert refused["error"]["code"] == "calibration_unsupported"  # 5 subjects at 1/1000 need ~5000 impostor pairs

    code, refused = run(data_env, *args, "--false-alerts-per-1000", "10", "--user", "olu")
    assert (code, refused["error"]["code"]) == (1, "permission_denied")

    code, document = run(data_env, *args, "--false-alerts-per-1000", "10", "--user", "ada")
    assert code == 0
    calibration = document["calibration"]
    assert calibration["watchlist_subjects"] == 5
    assert calibration["previous_threshold"] == 0.6
    assert calibration["report_sha256"] == report["sha256"]
    assert calibration["required_false_match_rate"] == pytest.approx(1 - 0.99 ** (1 / 5))
    assert calibration["observed_false_match_rate"] <= calibration["required_false_match_rate"]
    assert calibration["expected_false_alerts_per_thousand"] <= 10

    gov = Governance.open(replace(settings, data_dir=Path(data_env["WATCHKEEPER_DATA_DIR"])))
    try:
        with gov.sessions() as session:
            rows = session.query(AuditEntryRow).order_by(AuditEntryRow.sequence).all()
            canonical = rows[-1].canonical
            assert canonical is not None
            entry = AuditEntry.from_canonical_bytes(canonical)
        assert entry.action == "deployment.calibrate"
        assert entry.details["threshold"] == calibration["threshold"]
        evidence = entry.details["evidence"]
        assert isinstance(evidence, dict)
        assert evidence["report_sha256"] == report["sha256"]
        assert evidence["evaluation_summary"]["dataset"]["identities"] == 5  # type: ignore[index,call-overload]
        operator = users.resolve_actor(gov, "olu")
        run_ = deployments.begin_deployment(gov, operator, "foyer", "foyer")
        assert run_.threshold == calibration["threshold"]
        admin = users.resolve_actor(gov, "ada")
        with pytest.raises(deployments.DeploymentError, match="before it first runs"):
            deployments.calibrate_deployment(gov, admin, "foyer", threshold=0.5, reason="again", evidence={})
    finally:
        gov.close()


def test_an_lfw_pairs_file_chooses_the_pairs(faces_dir: Path, tmp_path: Path) -> None:
    for name in ("John_Salley", "John_Simm"):
        (tmp_path / "lfw" / name).mkdir(parents=True)
        for number, photo in enumerate(sorted((faces_dir / JOHNS / name).iterdir())[:2], start=1):
            (tmp_path / "lfw" / name / f"{name}_{number:04d}.jpg").symlink_to(photo)
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("1\t2\nJohn_Salley\t1\t2\nJohn_Salley\t1\tJohn_Simm\t2\nJohn_Simm\t1\t9\n")
    code, document = run(
        {}, "evaluate", tmp_path / "lfw", "--pairs", pairs, "--output", tmp_path / "out", "--bootstrap", "0"
    )
    assert code == 0
    verification = document["evaluation"]["verification"]
    assert verification["pairs_source"] == "pairs_file"
    assert (verification["genuine_pairs"], verification["impostor_pairs"]) == (1, 1)
    assert verification["unusable_listed_pairs"] == 1  # image 9 does not exist


def test_calibrate_sets_the_minimum_face_size_from_the_reports_accuracy_by_size(
    data_env: dict[str, str], faces_dir: Path, settings: Settings, johns_report: tuple[Path, dict[str, Any]]
) -> None:
    authorise(data_env, faces_dir)
    document = johns_report[1]
    buckets = document["evaluation"]["face_sizes"]
    measured = [b for b in buckets if b.get("true_accept_rate_at_threshold") is not None]
    assert measured, "the shared photos give genuine pairs in at least one face size"
    target = min(b["true_accept_rate_at_threshold"] for b in measured)
    expected = min(b["floor"] for b in measured) or None  # every measured bucket meets the lowest rate
    args = ("calibrate", document["report"]["json"], "--deployment", "foyer", "--reason", "trial evaluation")
    code, calibrated = run(
        data_env, *args, "--false-alerts-per-1000", "10", "--minimum-face-tar", str(target), "--user", "ada"
    )
    assert code == 0
    minimum = calibrated["calibration"]["minimum_face_size"]
    assert minimum["minimum_face_px"] == expected
    assert minimum["target_true_accept_rate"] == target
    code, shown = run(data_env, "deploy", "show", "foyer", "--user", "ada")
    assert shown["deployment"]["minimum_face_px"] == expected
    gov = Governance.open(replace(settings, data_dir=Path(data_env["WATCHKEEPER_DATA_DIR"])))
    try:
        events = [read_entry(entry).event for _, entry in gov.audit.entries(0, 1000) if entry is not None]
    finally:
        gov.close()
    (calibration,) = [event for event in events if isinstance(event, DeploymentCalibrated)]
    assert (calibration.minimum_face_px, calibration.previous_minimum_face_px) == (expected, None)
    assert calibration.evidence["minimum_face_size"] == minimum
