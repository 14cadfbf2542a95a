"""``watchkeeper deploy ...`` and ``watchkeeper alert ...``: live recognition under an authorisation."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Self

import typer
from rich.live import Live
from rich.table import Table

from watchkeeper.cli import output
from watchkeeper.cli.governance_commands import Purpose, Reason, User
from watchkeeper.cli.governed import governed, read_probe
from watchkeeper.cli.options import JsonOutput, MatchThreshold
from watchkeeper.errors import InvalidArgumentError
from watchkeeper.face import DEFAULT_MATCH_THRESHOLD, VIDEO_OPTIONS, DetectorKind
from watchkeeper.governance import deployments, users
from watchkeeper.governance.deployments import CHECKPOINT_EVERY, RunCounts
from watchkeeper.governance.footage import FootageRequest
from watchkeeper.governance.search import SearchPurpose
from watchkeeper.live.footage import search_footage
from watchkeeper.live.pipeline import (
    DEFAULT_DETECT_EVERY,
    DEFAULT_FOLLOW_EVERY,
    DEFAULT_FULL_SEARCH_EVERY,
    PipelineOptions,
)
from watchkeeper.live.runner import LiveAlert, RunProgress, RunSummary, run_deployment
from watchkeeper.types import FrameRegion
from watchkeeper.video.sources import VideoSource

deploy_app = typer.Typer(help="Live deployments: authorise, run on a source, end.", no_args_is_help=True)
alert_app = typer.Typer(help="Alerts raised by deployments: list, confirm or reject.", no_args_is_help=True)


@deploy_app.command("authorise")
def deploy_authorise(
    name: Annotated[str, typer.Argument(help="Deployment name.")],
    gallery: Annotated[str, typer.Option("--gallery", help="Gallery whose current subjects form the watchlist.")],
    purpose: Annotated[str, typer.Option("--purpose", help="Why the deployment is necessary.")],
    location: Annotated[str, typer.Option("--location", help="Where it runs.")],
    camera: Annotated[list[str], typer.Option("--camera", help="An authorised camera name (repeat for several).")],
    officer: Annotated[str, typer.Option("--officer", help="The authorising officer.")],
    starts: Annotated[
        datetime, typer.Option("--starts", formats=["%Y-%m-%dT%H:%M%z"], help="e.g. 2026-05-01T09:00+0100")
    ],
    ends: Annotated[datetime, typer.Option("--ends", formats=["%Y-%m-%dT%H:%M%z"], help="e.g. 2026-05-01T18:00+0100")],
    user: User,
    mode: Annotated[deployments.DeploymentMode, typer.Option("--mode", help="static or portable.")] = (
        deployments.DeploymentMode.STATIC
    ),
    operational: Annotated[bool, typer.Option("--operational/--trial", help="Operational use or a trial.")] = False,
    threshold: MatchThreshold = DEFAULT_MATCH_THRESHOLD,
    minimum_face_px: Annotated[
        int | None,
        typer.Option(
            "--minimum-face-px",
            min=1,
            help="Smallest face matched, as inter-ocular pixels; smaller faces are counted as too small "
            "(`calibrate --minimum-face-tar` can set it from an evaluation instead).",
        ),
    ] = None,
    zone: Annotated[
        list[str] | None,
        typer.Option(
            "--zone",
            help="CAMERA=LEFT,TOP,RIGHT,BOTTOM: the part of that camera's picture searched, as fractions of its "
            "width and height (repeat per camera; a camera without one is searched whole).",
        ),
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """Authorise a deployment; its watchlist is frozen from the gallery now."""
    try:
        zones = dict(parse_zone(text) for text in zone or ())
    except ValueError as error:
        output.fail(InvalidArgumentError(str(error)), as_json)
    with governed(as_json) as gov:
        spec = deployments.DeploymentSpec(
            name=name,
            purpose=purpose,
            location=location,
            cameras=tuple(camera),
            mode=mode,
            trial=not operational,
            gallery=gallery,
            authorising_officer=officer,
            starts_at=starts,
            ends_at=ends,
            threshold=threshold,
            minimum_face_px=minimum_face_px,
            recognition_zones=zones,
        )
        deployment_id = deployments.authorise_deployment(gov, users.resolve_actor(gov, user), spec)
    output.emit(as_json, {"deployment": {"id": deployment_id, "name": name}}, f"authorised deployment {name}")


def parse_zone(text: str) -> tuple[str, FrameRegion]:
    """``CAMERA=LEFT,TOP,RIGHT,BOTTOM`` as the camera's name and region; ``ValueError`` saying what is wrong.
    The camera is everything before the last ``=``, so its name may hold one."""
    camera, equals, edges = text.rpartition("=")
    parts = edges.split(",")
    if not equals or not camera.strip() or len(parts) != 4:
        raise ValueError(f"--zone {text!r}: give CAMERA=LEFT,TOP,RIGHT,BOTTOM, e.g. gate=0,0.3,1,1")
    try:
        left, top, right, bottom = (float(part) for part in parts)
    except ValueError:
        raise ValueError(f"--zone {text!r}: the four edges must be numbers from 0 to 1") from None
    return camera, FrameRegion(left=left, top=top, right=right, bottom=bottom)


@deploy_app.command("run")
def deploy_run(
    name: Annotated[str, typer.Argument(help="An authorised deployment.")],
    source: Annotated[str, typer.Argument(help="Video file, rtsp:// or http(s):// URL, or camera device.")],
    camera: Annotated[str, typer.Option("--camera", help="Which authorised camera this source is.")],
    user: User,
    detector: Annotated[
        DetectorKind,
        typer.Option("--detector", help="cnn finds turned faces; hog is cheaper; centerface finds small faces."),
    ] = VIDEO_OPTIONS.detector,
    detect_every: Annotated[
        int, typer.Option("--detect-every", min=1, help="Search the whole frame on every n-th frame.")
    ] = DEFAULT_DETECT_EVERY,
    follow_every: Annotated[
        int, typer.Option("--follow-every", min=1, help="Look again around followed faces every n-th frame.")
    ] = DEFAULT_FOLLOW_EVERY,
    full_search_every: Annotated[
        int,
        typer.Option(
            "--full-search-every", min=1, help="Every n-th search covers the whole picture, the others what changed."
        ),
    ] = DEFAULT_FULL_SEARCH_EVERY,
    detection_side: Annotated[
        int | None,
        typer.Option(
            "--detection-side",
            min=64,
            help="Longest side seen by detection (default: the detector's own, 640 for dlib's, 1920 for centerface).",
        ),
    ] = None,
    checkpoint_seconds: Annotated[
        float,
        typer.Option(
            "--checkpoint-seconds", min=0.1, help="How often the run's counts are saved (a killed run ends there)."
        ),
    ] = CHECKPOINT_EVERY.total_seconds(),
    as_json: JsonOutput = False,
) -> None:
    """Run a deployment on a source, printing alerts as they are raised (one JSON line each with --json)
    under a live display of frames, speed, dropped frames, tracks and alerts. Runs left open by a process
    that died are closed on record first (at their last checkpoint)."""
    with governed(as_json, replace(VIDEO_OPTIONS, detector=detector)) as gov:
        actor = users.resolve_actor(gov, user)
        deployments.close_silent_runs(gov)
        checkpoint_every = timedelta(seconds=checkpoint_seconds)
        options = PipelineOptions(
            detect_every=detect_every,
            follow_every=follow_every,
            detection_max_side=detection_side,
            full_search_every=full_search_every,
        )
        with VideoSource(source, name=camera) as video:
            if as_json:
                summary = run_deployment(
                    gov,
                    actor,
                    name,
                    camera,
                    video.frames(),
                    options,
                    _print_alert_json,
                    source_stats=lambda: video.stats,
                    checkpoint_every=checkpoint_every,
                )
            else:
                with RunDisplay(name, camera, video) as display:
                    summary = run_deployment(
                        gov, actor, name, camera, video.frames(), options, display.alert, display.frame,
                        lambda: video.stats, checkpoint_every,
                    )  # fmt: skip
    counts = summary.counts
    message = (
        f"{name} on {camera}: {len(summary.alerts)} alerts; {summary.frames_seen} frames, {counts.frames_processed} "
        f"processed, {counts.faces_seen} faces seen ({counts.faces_too_small} too small to match) in "
        f"{counts.tracks} tracks (counts only are kept)"
    )
    output.emit(as_json, {"summary": _summary_document(summary)}, message)


def _summary_document(summary: RunSummary) -> dict[str, Any]:
    """The ``--json`` summary of a run, in the shape docs/cli.md documents: the pipeline's counts, with the
    frames it was handed (the source's dropped and corrupt frames are on the deployment's record)."""
    counts = summary.counts
    return {
        "deployment": summary.deployment,
        "camera": summary.camera,
        "alerts": [asdict(alert) for alert in summary.alerts],
        "counts": {
            "frames_seen": summary.frames_seen,
            "frames_processed": counts.frames_processed,
            "faces_seen": counts.faces_seen,
            "faces_too_small": counts.faces_too_small,
            "tracks": counts.tracks,
        },
        "window_closed": summary.window_closed,
    }


def _print_alert_json(alert: LiveAlert) -> None:
    output.print_json({"alert": asdict(alert)})


class RunDisplay:
    """The operator's view of a running deployment: each alert printed as it is raised, above a status line
    (frames, speed, dropped and corrupt frames, tracks, alerts) that rich redraws a few times a second.

    The pipeline only hands over counts after each frame; drawing happens on rich's refresh thread, so a
    slow terminal never slows recognition.
    """

    _SPEED_WINDOW_SECONDS = 2.0

    def __init__(self, name: str, camera: str, video: VideoSource) -> None:
        self._title = f"{name} on {camera}"
        self._video = video
        self._progress = RunProgress(counts=RunCounts(), frames_seen=0, open_tracks=0, alerts=0)
        self._recent: deque[tuple[float, int]] = deque()
        self._live = Live(console=output.stdout, refresh_per_second=4, get_renderable=self._render)

    def __enter__(self) -> Self:
        self._live.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._live.stop()

    def frame(self, progress: RunProgress) -> None:
        self._progress = progress
        now = time.monotonic()
        self._recent.append((now, progress.frames_seen))
        while now - self._recent[0][0] > self._SPEED_WINDOW_SECONDS:
            self._recent.popleft()

    def alert(self, alert: LiveAlert) -> None:
        self._live.console.print(
            f"[bold yellow]ALERT {alert.alert_id}[/] {alert.camera} t={alert.stream_seconds:.1f}s "
            f"possible match: {alert.subject_reference} ({alert.category}), distance {alert.distance:.3f}; "
            "for an operator to confirm or reject",
            highlight=False,
        )

    def _fps(self) -> float:
        if len(self._recent) < 2:
            return 0.0
        (start, first), (end, last) = self._recent[0], self._recent[-1]
        return (last - first) / (end - start) if end > start else 0.0

    def _render(self) -> Table:
        """The status table, borderless: borders and edge padding would take 28 of a standard terminal's 80
        columns, leaving less than the nine headings need, and rich would cut a heading to fit."""
        progress, stats = self._progress, self._video.stats
        table = Table(
            "frames", "processed", "fps", "dropped", "corrupt", "faces", "tracks", "open", "alerts",
            title=f"{self._title}: {self._video.state.value}", title_justify="left", box=None, pad_edge=False,
        )  # fmt: skip
        table.add_row(
            str(progress.frames_seen), str(progress.counts.frames_processed), f"{self._fps():.1f}",
            str(stats.frames_dropped), str(stats.corrupt_skipped), str(progress.counts.faces_seen),
            str(progress.counts.tracks), str(progress.open_tracks), str(progress.alerts),
        )  # fmt: skip
        return table


@deploy_app.command("show")
def deploy_show(name: str, user: User, as_json: JsonOutput = False) -> None:
    """A deployment's record: the authorisation, its status, and the counts of all its runs."""
    with governed(as_json) as gov:
        record = deployments.describe_deployment(gov, users.resolve_actor(gov, user), name)
    if as_json:
        output.print_json({"deployment": output.plain(asdict(record))})
        return
    table = Table(show_header=False, box=None)
    counts = record.counts
    rows = {
        "deployment": f"{record.name} ({record.status.value}, {'trial' if record.trial else 'operational'})",
        "purpose": record.purpose,
        "location": f"{record.location}; cameras {', '.join(record.cameras)} ({record.mode.value})",
        "authorised": f"by {record.authorising_officer} (recorded by {record.authorised_by}) "
        f"at {record.authorised_at:%Y-%m-%d %H:%M}",
        "window": f"{record.starts_at:%Y-%m-%d %H:%M} to {record.ends_at:%Y-%m-%d %H:%M} UTC"
        + (f", ended {record.ended_at:%Y-%m-%d %H:%M}" if record.ended_at else ""),
        "watchlist": f"gallery {record.gallery}, threshold {record.threshold}",
        "recognises": (
            f"faces of {record.minimum_face_px} inter-ocular px and more"
            if record.minimum_face_px is not None
            else "every face found"
        )
        + "".join(
            f"; {camera} only in [{z.left:g}, {z.top:g}, {z.right:g}, {z.bottom:g}]"
            for camera, z in sorted(record.recognition_zones.items())
        ),
        "frames": f"{counts.frames_processed} processed, {counts.frames_dropped} dropped, "
        f"{counts.corrupt_skipped} corrupt skipped",
        "faces": f"{counts.faces_seen} seen ({counts.faces_too_small} too small) in {counts.tracks} tracks; "
        f"{record.alerts} alerts",
    }
    for key, value in rows.items():
        table.add_row(key, value)
    output.stdout.print(table, highlight=False)


@deploy_app.command("runs")
def deploy_runs(name: str, user: User, as_json: JsonOutput = False) -> None:
    """Every camera run of a deployment on record, oldest first: when, how long, with what counts, and
    whether it was stopped or closed after its process died."""
    with governed(as_json) as gov:
        runs = deployments.camera_runs(gov, users.resolve_actor(gov, user), name)
    if as_json:
        output.print_json({"runs": [output.plain(asdict(run)) for run in runs]})
        return
    table = Table("camera", "started (UTC)", "stopped (UTC)", "frames", "faces", "tracks", "dropped")
    for run in runs:
        stopped = f"{run.stopped_at:%Y-%m-%d %H:%M:%S}" if run.stopped_at else "running"
        if run.interrupted:
            stopped += " (interrupted: last checkpoint)"
        counts = run.counts
        table.add_row(
            run.camera, f"{run.started_at:%Y-%m-%d %H:%M:%S}", stopped, str(counts.frames_processed),
            str(counts.faces_seen), str(counts.tracks), str(counts.frames_dropped),
        )  # fmt: skip
    output.stdout.print(table, highlight=False)


@deploy_app.command("end")
def deploy_end(name: str, reason: Reason, user: User, as_json: JsonOutput = False) -> None:
    """End a deployment for good; its watchlist snapshot is deleted."""
    with governed(as_json) as gov:
        deployments.end_deployment(gov, users.resolve_actor(gov, user), name, reason)
    output.emit(as_json, {"deployment": name, "ended": True}, f"ended deployment {name}")


@alert_app.command("list")
def alert_list(
    user: User,
    deployment: Annotated[str | None, typer.Option("--deployment", help="Only this deployment's.")] = None,
    as_json: JsonOutput = False,
) -> None:
    """Alerts with their outcome (pending, confirmed, rejected)."""
    with governed(as_json) as gov:
        records = deployments.list_alerts(gov, users.resolve_actor(gov, user), deployment)
    if as_json:
        output.print_json({"alerts": [output.plain(asdict(r)) for r in records]})
        return
    table = Table("id", "deployment", "camera", "raised", "subject", "distance", "outcome")
    for r in records:
        table.add_row(
            str(r.id), r.deployment, r.camera, f"{r.raised_at:%Y-%m-%d %H:%M:%S}", r.subject_reference,
            f"{r.distance:.3f}", r.outcome.value,
        )  # fmt: skip
    output.stdout.print(table)


@alert_app.command("adjudicate")
def alert_adjudicate(
    alert_id: Annotated[int, typer.Argument(help="The alert.")],
    outcome: Annotated[deployments.AlertOutcome, typer.Option("--outcome", help="confirmed or rejected.")],
    reason: Reason,
    user: User,
    action: Annotated[str, typer.Option("--action", help="What was done (e.g. 'spoke to them', 'none').")] = "none",
    as_json: JsonOutput = False,
) -> None:
    """Confirm or reject an alert, with the reason and the action taken."""
    with governed(as_json) as gov:
        record = deployments.adjudicate_alert(gov, users.resolve_actor(gov, user), alert_id, outcome, reason, action)
    output.emit(as_json, {"alert": output.plain(asdict(record))}, f"alert {alert_id}: {record.outcome.value}")


def footage_search(
    footage: Annotated[str, typer.Argument(help="Recorded video (file or URL).")],
    probe: Annotated[Path, typer.Argument(help="Probe image of the person to find.")],
    case: Annotated[str, typer.Option("--case", help="Case reference the search is for.", show_default=False)],
    reason: Reason,
    user: User,
    face: Annotated[int | None, typer.Option("--face", min=0, help="Face in the probe (see `detect`).")] = None,
    threshold: MatchThreshold = DEFAULT_MATCH_THRESHOLD,
    purpose: Purpose = SearchPurpose.NOT_STATED,
    as_json: JsonOutput = False,
) -> None:
    """Find where in a recorded video the probe person appears: time segments with scores, for review."""
    data = read_probe(probe, as_json)
    with governed(as_json) as gov:
        actor = users.resolve_actor(gov, user)
        request = FootageRequest(
            footage, probe.name, data, case, reason, face_index=face, threshold=threshold, purpose=purpose
        )
        with VideoSource(footage) as video:
            outcome = search_footage(gov, actor, request, video.frames())
    if as_json:
        output.print_json({"footage_search": output.plain(asdict(outcome))})
        return
    table = Table("rank", "from (s)", "to (s)", "distance", "similarity")
    for s in outcome.segments:
        table.add_row(
            str(s.rank), f"{s.start_seconds:.1f}", f"{s.end_seconds:.1f}", f"{s.distance:.3f}", f"{s.similarity:.3f}"
        )
    output.stdout.print(table)
    output.stdout.print(
        f"search {outcome.search_id} for case {outcome.case_reference}: segments for review, not identifications",
        highlight=False,
    )
