"""`deploy run` as an operator sees it (alerts above a live status) and `deploy show`'s record, end to end."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from watchkeeper.cli import app
from watchkeeper.config import Settings

runner = CliRunner()
CLIP = "examples/short_hamilton_clip.mp4"


def invoke(env: dict[str, str], *args: str | Path) -> str:
    result = runner.invoke(app, [str(a) for a in args], env=env)
    assert result.exit_code == 0, f"{args}: exit {result.exit_code}; {result.stdout} {result.exception!r}"
    return result.stdout


def json_documents(printed: str) -> list[Any]:
    """The JSON documents printed one after another (each indented over several lines)."""
    decoder, documents, at = json.JSONDecoder(), [], 0
    while printed[at:].strip():
        document, at = decoder.raw_decode(printed, len(printed) - len(printed[at:].lstrip()))
        documents.append(document)
    return documents


@pytest.mark.slow
def test_a_deployment_run_prints_alerts_live_and_its_record_keeps_the_counts(
    tmp_path: Path, settings: Settings, faces_dir: Path
) -> None:
    data_dir = tmp_path / "data"
    if settings.model_cache_dir.is_dir():
        shutil.copytree(settings.model_cache_dir, data_dir / "models")
    env = {"WATCHKEEPER_DATA_DIR": str(data_dir)}
    watchlist = tmp_path / "watchlist" / "lin"
    watchlist.mkdir(parents=True)
    shutil.copy(faces_dir / "examples/lin-manuel-miranda.png", watchlist)
    invoke(env, "user", "add", "ada", "--role", "admin", "--reason", "first")
    invoke(env, "user", "add", "olu", "--role", "operator", "--reason", "control room", "--user", "ada")
    invoke(env, "gallery", "create", "missing", "--reason", "missing people", "--user", "ada")
    invoke(
        env, "enrol", "missing", watchlist.parent, "--category", "missing_or_vulnerable", "--reason", "reported",
        "--source", "family", "--expires", "2099-01-01", "--user", "ada",
    )  # fmt: skip
    now = datetime.now(UTC)
    starts, ends = (f"{now + timedelta(hours=h):%Y-%m-%dT%H:%M%z}" for h in (-1, 1))
    invoke(
        env, "deploy", "authorise", "foyer", "--gallery", "missing", "--purpose", "find missing people",
        "--location", "theatre foyer", "--camera", "foyer", "--officer", "Supt. A. Example",
        "--starts", starts, "--ends", ends, "--user", "ada",
    )  # fmt: skip

    printed = invoke(env, "deploy", "run", "foyer", faces_dir / CLIP, "--camera", "foyer", "--user", "olu")
    alert_lines = [line for line in printed.splitlines() if line.startswith("ALERT")]
    assert len(alert_lines) == 1
    assert "possible match: lin" in alert_lines[0]
    for column in ("frames", "fps", "dropped", "corrupt", "tracks", "open", "alerts"):
        assert column in printed  # the live status table, drawn at least once when the run ends
    assert "foyer on foyer: 1 alerts; 275 frames" in printed

    record = json.loads(invoke(env, "deploy", "show", "foyer", "--user", "olu", "--json"))["deployment"]
    assert (record["name"], record["status"], record["cameras"], record["alerts"]) == (
        "foyer", "authorised", ["foyer"], 1,
    )  # fmt: skip
    counts = record["counts"]
    assert set(counts) == {"frames_processed", "faces_seen", "tracks", "frames_dropped", "corrupt_skipped"}
    assert counts["frames_processed"] > 0
    assert counts["faces_seen"] > 0
    assert (counts["frames_dropped"], counts["corrupt_skipped"]) == (0, 0)
    assert "0 dropped, 0 corrupt skipped" in invoke(env, "deploy", "show", "foyer", "--user", "olu")

    (run,) = json.loads(invoke(env, "deploy", "runs", "foyer", "--user", "olu", "--json"))["runs"]
    assert set(run) == {"camera", "started_at", "last_checkpoint_at", "stopped_at", "interrupted", "counts"}
    assert (run["camera"], run["interrupted"], run["counts"]) == ("foyer", False, counts)
    assert run["started_at"] <= run["stopped_at"]
    listed = invoke(env, "deploy", "runs", "foyer", "--user", "olu")
    assert "foyer" in listed
    assert str(counts["frames_processed"]) in listed

    as_json = invoke(env, "deploy", "run", "foyer", faces_dir / CLIP, "--camera", "foyer", "--user", "olu", "--json")
    *alerts, summary = json_documents(as_json)
    assert [set(a["alert"]) for a in alerts] == [
        {"alert_id", "deployment", "camera", "track_id", "stream_seconds", "subject_reference", "category", "distance"}
    ]
    summary = summary["summary"]
    assert set(summary) == {"deployment", "camera", "alerts", "counts", "window_closed"}  # as docs/cli.md says
    assert summary["counts"] == {
        "frames_seen": 275,
        "frames_processed": counts["frames_processed"],
        "faces_seen": counts["faces_seen"],
        "tracks": counts["tracks"],
    }  # the same clip counts the same again
    assert (summary["alerts"], summary["window_closed"]) == ([alerts[0]["alert"]], False)


@pytest.mark.parametrize("command", [["deploy", "authorise", "d"], ["footage-search", "clip.mp4", "probe.jpg"]])
@pytest.mark.parametrize(("threshold", "accepted"), [("0", False), ("1.21", False), ("0.005", True), ("1.2", True)])
def test_the_threshold_range_is_the_cores(command: list[str], threshold: str, accepted: bool) -> None:
    """Both commands take a threshold in (0, 1.2], the range the core and the API take: one out of it is a
    usage error naming the range before anything runs; one inside it gets past the option."""
    result = runner.invoke(app, [*command, "--threshold", threshold])
    assert result.exit_code == 2  # refused, or past the option and missing the others
    refused = "Invalid value for '--threshold'" in result.output
    assert refused is not accepted, result.output
    if refused:
        assert "(0, 1.2]" in result.output
