"""Running an authorised deployment on a stream of frames: alerts written, counts recorded, nothing else.

The run begins through the governance layer (which checks the authorisation, window and camera), stops
when the frames end or the authorised window closes, and always ends on record, with the counts, even if
the source fails midway. Meanwhile a heartbeat thread saves the counts every minute, whether frames come
or the source is silent, so a process killed midway leaves a run that is closed on record at its last
checkpoint (:func:`~watchkeeper.governance.deployments.close_silent_runs`). The run handle that beginning
returns writes the run's alerts, checkpoints and stop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from watchkeeper.face import FaceEngine
from watchkeeper.governance import deployments
from watchkeeper.governance.context import Governance
from watchkeeper.governance.deployments import CHECKPOINT_EVERY, DeploymentRun, RunCounts
from watchkeeper.governance.roles import Actor
from watchkeeper.live.pipeline import FrameView, LivePipeline, Match, PipelineOptions, RecognitionTerms
from watchkeeper.video.frames import Frame
from watchkeeper.video.sources import SourceStats

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LiveAlert:
    """An alert as it is raised: enough for an operator's display; the crop stays in the database."""

    alert_id: int
    deployment: str
    camera: str
    track_id: int
    stream_seconds: float
    subject_reference: str
    category: str
    distance: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RunProgress:
    """Where a run stands after a frame, for an operator's display: its counts so far, as they will be
    recorded, and what only the running pipeline knows; nothing about any face."""

    counts: RunCounts
    frames_seen: int
    open_tracks: int
    alerts: int


@dataclass(frozen=True, slots=True)
class RunSummary:
    deployment: str
    camera: str
    alerts: tuple[LiveAlert, ...]
    counts: RunCounts
    """As recorded at the run's stop: the pipeline's and the source's."""
    frames_seen: int
    window_closed: bool
    """True when the run stopped because the authorised window ended, not because the frames did."""


def run_deployment(
    gov: Governance,
    actor: Actor,
    name: str,
    camera: str,
    frames: Iterable[Frame],
    options: PipelineOptions | None = None,
    on_alert: Callable[[LiveAlert], None] | None = None,
    on_frame: Callable[[RunProgress], None] | None = None,
    source_stats: Callable[[], SourceStats] | None = None,
    checkpoint_every: timedelta = CHECKPOINT_EVERY,
    on_view: Callable[[FrameView], None] | None = None,
    engine: FaceEngine | None = None,
) -> RunSummary:
    """Run deployment ``name`` on ``camera``'s ``frames`` until they end or the window closes; when the
    window has closed, the deployment is ended (its watchlist snapshot deleted).

    ``on_alert`` hears of each alert as it is raised and ``on_frame`` of the counts after every frame;
    ``source_stats`` gives the source's counters, whose dropped and corrupt frames go on the record;
    ``checkpoint_every`` is how often the counts are saved while running; ``on_view`` is shown every frame
    as the pipeline sees it (the operator's live view), and must not keep the frame; ``engine`` replaces the
    governance core's video engine (a run choosing another detector, as a wide camera runs CenterFace)."""
    run = deployments.begin_deployment(gov, actor, name, camera)
    terms = RecognitionTerms(minimum_face_px=run.minimum_face_px, zone=run.recognition_zone)
    pipeline = LivePipeline(engine or gov.video_engine, run.watchlist.targets, run.threshold, options, terms)
    raised: list[LiveAlert] = []
    window_closed = False

    def counts_so_far() -> RunCounts:
        stats = source_stats() if source_stats is not None else SourceStats()
        return pipeline.counts + RunCounts(frames_dropped=stats.frames_dropped, corrupt_skipped=stats.corrupt_skipped)

    def publish(matches: list[Match]) -> None:
        for match in matches:
            alert = _raise(run, match)
            raised.append(alert)
            if on_alert is not None:
                on_alert(alert)

    heartbeat = _Heartbeat(checkpoint_every, lambda: run.checkpoint(counts_so_far()))
    try:
        with heartbeat:
            for frame in frames:
                if gov.clock.now() >= run.ends_at:
                    window_closed = True
                    break
                publish(pipeline.process(frame))
                if on_view is not None:
                    on_view(pipeline.view(frame))
                if on_frame is not None:
                    on_frame(
                        RunProgress(
                            counts=counts_so_far(),
                            frames_seen=pipeline.frames_seen,
                            open_tracks=pipeline.open_tracks,
                            alerts=len(raised),
                        )
                    )
            publish(pipeline.finish())
    finally:
        final_counts = counts_so_far()
        run.stop(final_counts)
    if window_closed:
        deployments.end_deployment(gov, actor, name, "authorised window ended")
    return RunSummary(name, camera, tuple(raised), final_counts, pipeline.frames_seen, window_closed)


class _Heartbeat:
    """Calls ``save`` every ``interval`` on its own thread while the block runs: the frame loop can wait a
    long time on a silent source (reconnecting), and a run that is alive must not look dead. A failed save
    is logged and tried again at the next beat."""

    def __init__(self, interval: timedelta, save: Callable[[], None]) -> None:
        self._interval = interval.total_seconds()
        self._save = save
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="run checkpoints", daemon=True)

    def __enter__(self) -> None:
        self._thread.start()

    def __exit__(self, *exc_info: object) -> None:
        self._stopped.set()
        self._thread.join()

    def _beat(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._save()
            except Exception:  # e.g. the database busy for a moment; the stop records the counts anyway
                logger.exception("saving a run's counts failed")


def _raise(run: DeploymentRun, match: Match) -> LiveAlert:
    alert_id = run.raise_alert(
        track_id=match.track_id,
        stream_seconds=match.stream_seconds,
        crop=match.chip,
        entry_id=match.entry_id,
        distance=match.distance,
    )
    reference, category = run.watchlist.subject(match.entry_id)
    return LiveAlert(
        alert_id, run.name, run.camera, match.track_id, match.stream_seconds, reference, category.value, match.distance
    )
