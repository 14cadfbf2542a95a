"""From frames to watchlist matches, holding faces only as long as matching needs them.

Detection runs on a reduced copy of every ``detect_every``-th frame; each face found is aligned and
measured at full resolution and handed to the tracker, which keeps only each track's best few chips.
A track is matched against the watchlist once it has enough observations, and again when it ends (its
best shots may have improved): one descriptor batch per evaluation, not one per face per frame. A face
that matches nothing leaves nothing behind: its chip is dropped with its track, no descriptor is kept,
and only counts survive.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from watchkeeper.face import FaceEngine, detect_faces
from watchkeeper.face.alignment import align_face
from watchkeeper.face.landmarks import predict_landmarks
from watchkeeper.face.quality import measure_quality
from watchkeeper.matching import LabelledIndex
from watchkeeper.types import ImageSize, RGBImage
from watchkeeper.video.frames import Frame
from watchkeeper.video.tracking import FaceTracker, Observation, Track, TrackerOptions, shot_quality

DEFAULT_DETECT_EVERY = 3
DEFAULT_DETECTION_MAX_SIDE = 640


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """How much work the pipeline does per frame.

    - ``detect_every``: detect on every n-th frame only. Raising it saves time in proportion but sees
      fast-moving faces in fewer frames; the tracker links detections across the skipped frames.
    - ``detection_max_side``: detection sees the frame downscaled to this longer side (alignment and
      descriptors still use the full frame). Lowering it speeds detection roughly with the pixel count but
      misses small, distant faces (the HOG finds faces down to about 40 px in the reduced frame).
    - ``evaluate_after``: a track is first matched once it has this many observations, so an alert does
      not wait for the person to leave; lowering it alerts sooner from fewer shots. ``None`` matches tracks
      only when they end (footage search, where the whole span of each appearance is wanted).
    """

    detect_every: int = DEFAULT_DETECT_EVERY
    detection_max_side: int = DEFAULT_DETECTION_MAX_SIDE
    evaluate_after: int | None = 3
    tracker: TrackerOptions = field(default_factory=TrackerOptions)

    def __post_init__(self) -> None:
        if self.detect_every < 1 or self.detection_max_side < 64 or (self.evaluate_after or 1) < 1:
            raise ValueError("detect_every and evaluate_after must be 1 or more, detection_max_side 64 or more")


@dataclass(frozen=True, slots=True, eq=False)
class Match:
    """A track whose best shot is within the threshold of a watchlist entry: the makings of an alert."""

    track_id: int
    frame_index: int
    stream_seconds: float
    chip: RGBImage
    entry_id: int
    distance: float
    first_seconds: float
    """When the track was first seen (with ``last_seconds``: the span of the track so far)."""
    last_seconds: float


@dataclass(slots=True)
class PipelineCounts:
    """Counts only: what the deployment record may keep about faces that matched nothing."""

    frames_seen: int = 0
    frames_processed: int = 0
    faces_seen: int = 0
    tracks: int = 0


class LivePipeline:
    """Turns frames into matches against one labelled set of faces (a watchlist, a probe) at one threshold."""

    def __init__(
        self, engine: FaceEngine, targets: LabelledIndex, threshold: float, options: PipelineOptions | None = None
    ) -> None:
        self.engine = engine
        self.targets = targets
        self.threshold = threshold
        self.options = options or PipelineOptions()
        self.tracker: FaceTracker[RGBImage] = FaceTracker(self.options.tracker)
        self.counts = PipelineCounts()
        self._evaluated_early: set[int] = set()
        self._alerted: set[tuple[int, str]] = set()

    def process(self, frame: Frame) -> list[Match]:
        """Matches newly found with this frame (usually none)."""
        self.counts.frames_seen += 1
        if frame.index % self.options.detect_every:
            return []
        self.counts.frames_processed += 1
        observations = self._observe(frame.image)
        self.counts.faces_seen += len(observations)
        update = self.tracker.update(frame.index, frame.timestamp, observations)
        self.counts.tracks += len(update.started)
        due = [t for t in (*update.started, *update.updated) if self._due_early(t)]
        return self._evaluate(due) + self._evaluate(list(update.ended))

    def finish(self) -> list[Match]:
        """End every open track (the stream is over) and match the ones not yet matched."""
        return self._evaluate(list(self.tracker.end_all()))

    def _observe(self, image: RGBImage) -> list[Observation[RGBImage]]:
        height, width = image.shape[:2]
        size = ImageSize(width, height)
        observations = []
        for detection in detect_faces(image, self.engine.detector, self.options.detection_max_side):
            landmarks = predict_landmarks(image, detection.box)
            chip = align_face(image, landmarks, detection.box)
            quality = measure_quality(detection.box.clipped(size), landmarks, chip)
            score = shot_quality(quality.inter_ocular_px, quality.sharpness, quality.frontalness, detection.score)
            observations.append(Observation(detection, score, chip))
        return observations

    def _due_early(self, track: Track[RGBImage]) -> bool:
        after = self.options.evaluate_after
        if after is None or track.track_id in self._evaluated_early or track.observation_count < after:
            return False
        self._evaluated_early.add(track.track_id)
        return True

    def _evaluate(self, tracks: list[Track[RGBImage]]) -> list[Match]:
        """One descriptor batch for the best shots of ``tracks``; a match per track and subject, once."""
        shots = [(track, shot) for track in tracks for shot in track.best_shots]
        if not shots:
            return []
        descriptors = self.engine.descriptor_backend.compute([shot.payload for _, shot in shots])
        nearest = self.targets.nearest(descriptors)
        best: dict[int, Match] = {}
        for row, (track, shot) in enumerate(shots):
            entry_id, distance = int(nearest.ids[row, 0]), float(nearest.distances[row, 0])
            if entry_id < 0 or distance > self.threshold:
                continue
            current = best.get(track.track_id)
            if current is None or distance < current.distance:
                best[track.track_id] = Match(
                    track.track_id,
                    shot.frame_index,
                    shot.timestamp,
                    shot.payload,
                    entry_id,
                    distance,
                    track.first_timestamp,
                    track.last_timestamp,
                )
        fresh = []
        for match in best.values():
            key = (match.track_id, self.targets.labels[match.entry_id])
            if key not in self._alerted:
                self._alerted.add(key)
                fresh.append(match)
        del descriptors, nearest  # nothing of the faces outlives the evaluation
        return sorted(fresh, key=lambda m: (m.stream_seconds, m.track_id))
