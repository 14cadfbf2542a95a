"""`deploy run` as an operator sees it (alerts above a live status) and `deploy show`'s record, end to end."""

from __future__ import annotations

import io
import json
import re
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from watchkeeper.cli import app, output
from watchkeeper.cli.deployment_commands import RunDisplay, parse_zone
from watchkeeper.config import Settings
from watchkeeper.governance.deployments import RunCounts
from watchkeeper.live.runner import RunProgress
from watchkeeper.types import FrameRegion
from watchkeeper.video.sources import VideoSource

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
    for column in STATUS_HEADINGS:
        assert column in printed  # the live status table, drawn at least once when the run ends
    assert "foyer on foyer: 1 alerts; 275 frames" in printed

    record = json.loads(invoke(env, "deploy", "show", "foyer", "--user", "olu", "--json"))["deployment"]
    assert (record["name"], record["status"], record["cameras"], record["alerts"]) == (
        "foyer", "authorised", ["foyer"], 1,
    )  # fmt: skip
    counts = record["counts"]
    assert set(counts) == {
        "frames_processed", "faces_seen", "faces_too_small", "tracks", "frames_dropped", "corrupt_skipped"
    }  # fmt: skip
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
        "faces_too_small": 0,
        "tracks": counts["tracks"],
    }  # the same clip counts the same again
    assert (summary["alerts"], summary["window_closed"]) == ([alerts[0]["alert"]], False)


STATUS_HEADINGS = ["frames", "processed", "fps", "dropped", "corrupt", "faces", "tracks", "open", "alerts"]


@pytest.mark.parametrize(
    ("frames_seen", "frames_per_second"),
    [(275, 85), (275, 105), (2_160_000, 250)],  # the clip below and above 100 fps; a day at 25 fps, replayed fast
)
def test_the_live_status_keeps_every_heading_whole_at_80_columns(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, frames_seen: int, frames_per_second: int
) -> None:
    """The status table fits a standard terminal whatever the widths of its numbers: a bordered table of
    nine columns needed 81 columns for its headings alone, so rich cut "processed" always and "corrupt"
    too once the speed reached three digits."""
    printed = io.StringIO()
    monkeypatch.setattr(output, "stdout", Console(file=printed, width=80))
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    counts = RunCounts(frames_processed=frames_seen // 2, faces_seen=frames_seen // 3, tracks=frames_seen // 100)
    with RunDisplay("foyer", "foyer", VideoSource(tmp_path / "clip.mp4")) as display:
        for second, seen in enumerate((frames_seen - frames_per_second, frames_seen)):
            clock[0] = 1000.0 + second
            display.frame(RunProgress(counts=counts, frames_seen=seen, open_tracks=12, alerts=123))
    lines = printed.getvalue().splitlines()
    heading_at = next(at for at, line in enumerate(lines) if "frames" in line)
    assert re.findall(r"\w+…?", lines[heading_at]) == STATUS_HEADINGS, printed.getvalue()
    values = [cell for line in lines[heading_at + 1 :] for cell in re.findall(r"[\d.]+…?", line)]
    assert values[:3] == [str(frames_seen), str(counts.frames_processed), f"{frames_per_second:.1f}"]
    assert all(len(line) <= 80 for line in lines)


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


def test_zones_are_read_as_a_camera_and_four_fractions() -> None:
    assert parse_zone("Gate 3, north=0,0.25,1,1") == ("Gate 3, north", FrameRegion(left=0, top=0.25, right=1, bottom=1))
    assert parse_zone("a=b=0.1,0.1,0.9,0.9")[0] == "a=b"  # the camera is everything before the last "="


@pytest.mark.parametrize(
    ("zone", "says"),
    [("gate", "give CAMERA="), ("gate=0,0,1", "give CAMERA="), ("gate=a,0,1,1", "numbers"), ("gate=0,0,2,1", "0 <=")],
)
def test_a_bad_zone_is_refused_before_anything_is_stored(tmp_path: Path, zone: str, says: str) -> None:
    env = {"WATCHKEEPER_DATA_DIR": str(tmp_path / "data")}
    starts, ends = (f"{datetime.now(UTC) + timedelta(hours=h):%Y-%m-%dT%H:%M%z}" for h in (0, 1))
    result = runner.invoke(
        app,
        [
            "deploy", "authorise", "d", "--gallery", "g", "--purpose", "p", "--location", "l", "--camera", "gate",
            "--officer", "o", "--starts", starts, "--ends", ends, "--user", "ada", "--zone", zone, "--json",
        ],
        env=env,
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "invalid_input"
    assert says in error["reason"]
    assert not (tmp_path / "data").exists()
