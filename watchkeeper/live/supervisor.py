"""Live deployments run by a long-lived process (the server): one thread per camera run, stopped on request
or when the process shuts down, each always ending on record through :func:`run_deployment`.

Each run also keeps, for the operator's live view, its latest picture as the pipeline saw it: one small
JPEG in memory, replaced at most every :data:`PICTURE_EVERY_SECONDS` and dropped when the run ends. It is
never written anywhere, and only those who run cameras may see it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from watchkeeper.errors import AlreadyExistsError, NotFoundError, WatchkeeperError
from watchkeeper.face import DetectorKind, FaceEngine
from watchkeeper.governance import deployments
from watchkeeper.governance.cameras import without_credentials
from watchkeeper.governance.context import Governance
from watchkeeper.governance.deployments import DeploymentStatus
from watchkeeper.governance.roles import SYSTEM_ACTOR, Actor, Permission
from watchkeeper.live.pipeline import FrameView, PipelineOptions
from watchkeeper.live.runner import LiveAlert, run_deployment
from watchkeeper.live.view import draw_view
from watchkeeper.video.source_policy import check_requested_source
from watchkeeper.video.sources import IllegalTransitionError, VideoSource

logger = logging.getLogger(__name__)

PICTURE_EVERY_SECONDS = 0.5
"""Often enough for an operator to follow people in view; drawing and encoding then cost a few frames'
worth of work a second, and the frames between are not drawn at all."""
PICTURE_STALE_SECONDS = 5.0
"""A picture this old is not shown: the camera has gone silent (reconnecting), and a frozen picture would
look like a quiet scene."""


class RunState(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    """The source ended (a file) or the authorised window closed."""
    STOPPED = "stopped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RunStatus:
    deployment: str
    camera: str
    source: str
    started_by: str
    started_at: datetime
    state: RunState
    alerts: int
    frames_read: int
    frames_dropped: int
    error: str | None
    detector: DetectorKind


@dataclass(frozen=True, slots=True)
class LivePicture:
    """A running camera's latest picture for the operator: a JPEG of the frame ``frame_index`` as drawn by
    :func:`~watchkeeper.live.view.draw_view`."""

    jpeg: bytes
    frame_index: int
    drawn_at: float
    """:func:`time.monotonic` when it was drawn."""


@dataclass
class _Run:
    deployment: str
    camera: str
    source: VideoSource
    started_by: str
    started_at: datetime
    engine: FaceEngine
    thread: threading.Thread | None = None
    state: RunState = RunState.RUNNING
    alerts: int = 0
    error: str | None = None
    stop_requested: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    picture: LivePicture | None = None
    """Replaced whole by the run's thread, read by others: a reader sees one picture or the next."""
    next_picture_at: float = 0.0
    """When (:func:`time.monotonic`) the next frame is drawn: frames before then are not."""

    def show(self, view: FrameView) -> None:
        """Keep ``view`` drawn as the latest picture, when one is due. The time is checked before anything
        is drawn, so the frames between pictures cost nothing; a picture that cannot be drawn is logged and
        skipped, never the end of the run (recognition matters more than the view of it)."""
        now = time.monotonic()
        if now < self.next_picture_at:
            return
        self.next_picture_at = now + PICTURE_EVERY_SECONDS
        try:
            self.picture = LivePicture(draw_view(view), view.frame_index, now)
        except Exception:
            logger.exception("could not draw the live view of %s on %s", self.deployment, self.camera)

    def status(self, shown_to: Actor) -> RunStatus:
        """The run as ``shown_to`` may see it: its source in full to those who run cameras (who may start
        it again), without credentials to anyone else (an auditor reads runs, never a camera's password)."""
        stats = self.source.stats
        location = self.source.location
        return RunStatus(
            self.deployment,
            self.camera,
            location if shown_to.may(Permission.RUN_DEPLOYMENTS) else without_credentials(location),
            self.started_by,
            self.started_at,
            self.state,
            self.alerts,
            stats.frames_read,
            stats.frames_dropped,
            self.error,
            self.engine.options.detector,
        )


class LiveSupervisor:
    """Starts, lists and stops the camera runs of authorised deployments in this process."""

    def __init__(self, gov: Governance, video_directories: Sequence[Path] = ()) -> None:
        """``gov``: the governance core, whose video engine the runs use; ``video_directories``: where the
        video files that a request may name as a source are."""
        self._gov = gov
        self._video_directories = tuple(video_directories)
        self._runs: dict[tuple[str, str], _Run] = {}
        self._engines: dict[DetectorKind, FaceEngine] = {gov.video_engine.options.detector: gov.video_engine}
        self._lock = threading.Lock()

    def start(
        self,
        actor: Actor,
        deployment: str,
        camera: str,
        location: str,
        options: PipelineOptions | None = None,
        detector: DetectorKind | None = None,
    ) -> RunStatus:
        """Start watching ``location`` as ``camera`` of ``deployment``, as a request asks. The permission,
        authorisation, window and camera are checked now, then whether a request may name that source
        (:func:`~watchkeeper.video.source_policy.check_requested_source`), so a refusal is the caller's answer
        rather than a failed thread."""
        self._check_runnable(actor, deployment, camera)
        check_requested_source(location, self._video_directories)
        return self._launch(actor, deployment, camera, location, options, detector)

    def _engine(self, detector: DetectorKind | None) -> FaceEngine:
        """The video engine with ``detector`` (``None``: the governance core's own), made once and shared by
        the runs that choose it: a wide camera runs CenterFace while the others keep the default."""
        video = self._gov.video_engine
        if detector is None:
            return video
        with self._lock:
            if detector not in self._engines:
                self._engines[detector] = FaceEngine(replace(video.options, detector=detector), video.settings)
            return self._engines[detector]

    def _check_runnable(self, actor: Actor, deployment: str, camera: str) -> None:
        actor.require(Permission.RUN_DEPLOYMENTS)
        record = deployments.describe_deployment(self._gov, actor, deployment)
        deployments.check_runnable(record, camera, self._gov.clock.now())

    def _launch(
        self,
        actor: Actor,
        deployment: str,
        camera: str,
        location: str,
        options: PipelineOptions | None,
        detector: DetectorKind | None,
    ) -> RunStatus:
        key = (deployment, camera)
        engine = self._engine(detector)
        with self._lock:
            current = self._runs.get(key)
            if current is not None and current.state is RunState.RUNNING:
                raise AlreadyExistsError(f"{deployment!r} is already running on camera {camera!r}")
            source = VideoSource(location, name=camera)
            run = _Run(deployment, camera, source, actor.name, self._gov.clock.now(), engine)
            run.thread = threading.Thread(
                target=self._watch, args=(run, actor, options), name=f"deployment {deployment}/{camera}", daemon=True
            )
            self._runs[key] = run
        run.thread.start()
        return run.status(actor)

    def start_due_runs(self) -> list[RunStatus]:
        """Start, as the system, each configured camera of each deployment inside its authorised window that
        has no run yet. A failed run is started again; one whose source ended or that an operator stopped is
        not (stopping is a decision on record)."""
        now = self._gov.clock.now()
        started = []
        for record in deployments.list_deployments(self._gov, SYSTEM_ACTOR):
            if record.status is DeploymentStatus.ENDED or not record.starts_at <= now < record.ends_at:
                continue
            for camera in record.cameras:
                source = self._gov.cameras.get(camera)
                with self._lock:
                    current = self._runs.get((record.name, camera))
                if source is None or (current is not None and current.state is not RunState.FAILED):
                    continue
                try:  # a configured camera's source is the administrator's, on record: no request names it
                    self._check_runnable(SYSTEM_ACTOR, record.name, camera)
                    detector = self._gov.camera_detectors.get(camera)
                    started.append(self._launch(SYSTEM_ACTOR, record.name, camera, source, None, detector))
                except WatchkeeperError as error:  # started meanwhile by an operator, or just ended
                    logger.info("not starting %s on %s: %s", record.name, camera, error)
        return started

    def stop(self, actor: Actor, deployment: str, camera: str) -> RunStatus:
        """Stop a camera's run and wait until its counts are on record."""
        actor.require(Permission.RUN_DEPLOYMENTS)
        with self._lock:
            run = self._runs.get((deployment, camera))
        if run is None:
            raise NotFoundError(f"{deployment!r} has no run on camera {camera!r} in this server")
        run.stop_requested = True
        run.source.stop()
        run.done.wait()
        return run.status(actor)

    def picture(self, actor: Actor, deployment: str, camera: str) -> LivePicture | None:
        """The latest picture of a camera's run, for the operator's live view; None before the run has drawn
        its first, while its camera sends nothing (:data:`PICTURE_STALE_SECONDS`), and from the moment it
        stops running: a camera shows nothing stale. Only those who run cameras see what they see."""
        run = self._run_to_view(actor, deployment, camera)
        picture = run.picture
        if picture is None or run.state is not RunState.RUNNING:
            return None
        return picture if time.monotonic() - picture.drawn_at <= PICTURE_STALE_SECONDS else None

    def is_running(self, actor: Actor, deployment: str, camera: str) -> bool:
        """Whether the camera's run is running still: how a live view knows to wait for a picture or end."""
        return self._run_to_view(actor, deployment, camera).state is RunState.RUNNING

    def _run_to_view(self, actor: Actor, deployment: str, camera: str) -> _Run:
        actor.require(Permission.RUN_DEPLOYMENTS)
        with self._lock:
            run = self._runs.get((deployment, camera))
        if run is None:
            raise NotFoundError(f"{deployment!r} has no run on camera {camera!r} in this server")
        return run

    def runs(self, actor: Actor) -> list[RunStatus]:
        actor.require(Permission.VIEW_DEPLOYMENTS)
        with self._lock:
            return [run.status(actor) for run in self._runs.values()]

    def shutdown(self) -> None:
        """Stop every run (the server is stopping); each records its counts before this returns."""
        with self._lock:
            running = [run for run in self._runs.values() if run.state is RunState.RUNNING]
        for run in running:
            run.stop_requested = True
            run.source.stop()
        for run in running:
            run.done.wait()

    def _watch(self, run: _Run, actor: Actor, options: PipelineOptions | None) -> None:
        def count(_alert: LiveAlert) -> None:
            run.alerts += 1

        try:
            with run.source:
                run_deployment(
                    self._gov,
                    actor,
                    run.deployment,
                    run.camera,
                    run.source.frames(),
                    options,
                    on_alert=count,
                    on_view=run.show,
                    engine=run.engine,
                )
            run.state = RunState.STOPPED if run.stop_requested else RunState.FINISHED
        except Exception as error:  # a run must never take the server down; its failure is reported instead
            if run.stop_requested and isinstance(error, IllegalTransitionError):
                run.state = RunState.STOPPED  # stopped as it was launched: its source stopped before it opened
            else:
                run.state = RunState.FAILED
                run.error = str(error)
        finally:
            run.picture = None
            run.done.set()
