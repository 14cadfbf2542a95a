"""From frames to watchlist matches, holding faces only as long as matching needs them.

Finding faces is most of the cost, so new faces are searched for only every ``detect_every``-th frame, on
a reduced copy; and only every ``full_search_every``-th of those searches covers the whole picture (or the
camera's recognition zone), the others only the parts that changed since the search before
(:mod:`watchkeeper.video.motion`), which on a static camera is a small share of a large frame. In between,
every ``follow_every``-th frame looks again only around the faces already followed (each track's last box,
grown by a margin, at the smallest scale that still finds the face), which costs a fraction of a search.
Faces smaller than the deployment's minimum face size are counted as seen and too small and dropped there:
never tracked, described or matched. Each face found is aligned and measured at full
resolution and handed to the tracker, which keeps only each track's best few chips. A track is matched
against the watchlist once it has enough observations, again whenever a better shot has joined its best
since, and when it ends; a shot is described at most once, so descriptors cost one batch per new best
shot, not one per face per frame. A face that matches nothing leaves nothing behind: its chip is dropped
with its track, no descriptor is kept, and only counts survive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from watchkeeper.face import FaceEngine
from watchkeeper.face.detection import video_detection_side
from watchkeeper.governance.audit.events import RunCounts
from watchkeeper.matching import LabelledIndex
from watchkeeper.types import BoundingBox, Detection, FrameRegion, ImageSize, RGBImage
from watchkeeper.video.frames import Frame
from watchkeeper.video.motion import MotionFinder, merged_regions
from watchkeeper.video.tracking import FaceTracker, Observation, Shot, Track, TrackerOptions

DEFAULT_DETECT_EVERY = 6
DEFAULT_FOLLOW_EVERY = 3
DEFAULT_FULL_SEARCH_EVERY = 8
"""With a search every 6th frame, the whole picture is searched every 48 frames (about 2 s at 25 fps): the
longest a person standing still from the moment they come into view waits to be found."""

FOLLOW_MARGIN = 0.5
"""A followed face is looked for in its last box grown by this many box sides on every side. Faces in
ordinary footage move up to about a sixth of their size per frame, so three frames on they are still in."""

FOLLOW_FACE_SIDE = 100
"""A region is shrunk until its smallest followed face is about this many pixels: the CNN detector's
80 px window still finds the face after it shrinks by a fifth, and larger scales only cost more."""


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """How much work the pipeline does per frame.

    - ``detect_every``: search the whole frame for new faces on every n-th frame only (the search is
      most of the cost). Raising it saves time almost in proportion but finds a face that comes into
      view up to n frames later, and a person in view only briefly may be seen too little to be
      recognised: on the example clip, one person in view for 0.7 s is recognised whatever the starting
      frame at the default, 6, and not always at 15.
    - ``follow_every``: between whole-frame searches, look again around each followed face on every n-th
      frame. These are the observations tracks are built from; raising it saves time but gives each
      track fewer shots to choose from and loses faces that move further than the margin meanwhile.
    - ``detection_max_side``: the whole-frame search sees the frame downscaled to this longer side
      (alignment and descriptors still use the full frame); ``None`` takes the detector's own
      (:data:`~watchkeeper.face.detection.VIDEO_DETECTION_SIDE`: 640 for dlib's, 1920 for CenterFace).
      Lowering it speeds the search roughly with the pixel count but misses small, distant faces (dlib's
      CNN finds faces down to about 80 px in the reduced frame, CenterFace down to about 10).
    - ``evaluate_after``: a track is first matched once it has this many observations (then again each
      time a better shot has joined its best, and when it ends), so an alert does not wait for the person
      to leave; lowering it alerts sooner from fewer shots. ``None`` matches tracks only when they end
      (footage search, where the whole span of each appearance is wanted).
    - ``full_search_every``: every n-th search covers the whole picture (or zone); the searches between
      cover only what changed since the search before. 1 searches the whole picture every time, which
      finds people who stand still sooner at the full cost of each search.
    """

    detect_every: int = DEFAULT_DETECT_EVERY
    follow_every: int = DEFAULT_FOLLOW_EVERY
    detection_max_side: int | None = None
    evaluate_after: int | None = 3
    full_search_every: int = DEFAULT_FULL_SEARCH_EVERY
    tracker: TrackerOptions = field(default_factory=TrackerOptions)

    def __post_init__(self) -> None:
        steps = (self.detect_every, self.follow_every, self.evaluate_after or 1, self.full_search_every)
        if min(steps) < 1 or (self.detection_max_side is not None and self.detection_max_side < 64):
            raise ValueError(
                "detect_every, follow_every, evaluate_after and full_search_every must be 1 or more, "
                "detection_max_side 64 or more"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class RecognitionTerms:
    """What a deployment's authorisation fixes about where and what a camera may recognise.

    ``minimum_face_px``: faces with a smaller inter-ocular distance are counted as seen and too small and
    never matched (the evaluation showed the camera cannot recognise them reliably). ``zone``: only that
    part of the picture is searched, and faces found outside it (by following) are dropped.
    """

    minimum_face_px: int | None = None
    zone: FrameRegion | None = None


class FaceStatus(StrEnum):
    """How a face in the picture stands, for the operator's view."""

    FOLLOWED = "followed"
    MATCHED = "matched"
    """Its track raised an alert."""
    TOO_SMALL = "too_small"
    """Below the minimum face size: seen, not recognised."""


@dataclass(frozen=True, slots=True)
class ViewedFace:
    box: BoundingBox
    status: FaceStatus


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class FrameView:
    """A frame as the pipeline sees it, for the operator: the picture, where it may search (the zone), the
    smallest face it matches and the faces it knows of (boxes and status, nothing else about them).

    ``image`` is the frame itself, not a copy: a viewer draws on a copy of it and keeps nothing."""

    image: RGBImage
    frame_index: int
    zone: BoundingBox | None
    minimum_face_px: int | None
    faces: tuple[ViewedFace, ...]


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
class _TrackProgress:
    """What the pipeline remembers of an open track between evaluations: frame numbers, never a face."""

    described: set[int] = field(default_factory=set)
    """Frames whose shot of this track has been described and matched already."""
    evaluated_at: int = 0
    """The track's observation count at its last evaluation."""
    alerted: set[str] = field(default_factory=set)
    """Watchlist labels this track has already been matched to (one alert per track and person)."""


class LivePipeline:
    """Turns frames into matches against one labelled set of faces (a watchlist, a probe) at one threshold."""

    def __init__(
        self,
        engine: FaceEngine,
        targets: LabelledIndex,
        threshold: float,
        options: PipelineOptions | None = None,
        terms: RecognitionTerms | None = None,
    ) -> None:
        self.engine = engine
        self.targets = targets
        self.threshold = threshold
        self.options = options or PipelineOptions()
        self.terms = terms or RecognitionTerms()
        self.tracker: FaceTracker[RGBImage] = FaceTracker(self.options.tracker)
        self._motion = MotionFinder()
        self._searches = 0
        self._too_small: tuple[BoundingBox, ...] = ()
        self.frames_seen = 0
        """Frames handed to :meth:`process`, searched or not."""
        self.counts = RunCounts()
        """Frames processed, faces seen and tracks begun: what a deployment record may keep about faces
        that matched nothing."""
        self._progress: dict[int, _TrackProgress] = {}
        self._last_search: int | None = None
        self._last_processed = 0

    @property
    def open_tracks(self) -> int:
        """Faces followed right now."""
        return len(self.tracker.open_tracks)

    def process(self, frame: Frame) -> list[Match]:
        """Matches newly found with this frame (usually none)."""
        self.frames_seen += 1
        detections = self._detect(frame)
        if detections is None:
            return []
        observations = self._observe(frame.image, detections)
        update = self.tracker.update(frame.index, frame.timestamp, observations)
        self.counts += RunCounts(tracks=len(update.started))
        due = [t for t in (*update.started, *update.updated) if self._due(t)]
        return self._evaluate(due) + self._end(update.ended)

    def view(self, frame: Frame) -> FrameView:
        """``frame`` as the pipeline sees it now: the faces followed (as last seen), those matched, and the
        faces too small on the last frame searched."""
        height, width = frame.image.shape[:2]
        faces = [
            ViewedFace(track.last_box, FaceStatus.MATCHED if self._alerted(track) else FaceStatus.FOLLOWED)
            for track in self.tracker.open_tracks
            if track.missed_frames == 0
        ]
        faces += [ViewedFace(box, FaceStatus.TOO_SMALL) for box in self._too_small]
        return FrameView(
            image=frame.image,
            frame_index=frame.index,
            zone=self._zone(ImageSize(width, height)),
            minimum_face_px=self.terms.minimum_face_px,
            faces=tuple(faces),
        )

    def _alerted(self, track: Track[RGBImage]) -> bool:
        progress = self._progress.get(track.track_id)
        return progress is not None and bool(progress.alerted)

    def _zone(self, size: ImageSize) -> BoundingBox | None:
        zone = self.terms.zone
        return None if zone is None else zone.in_pixels(size).clipped(size)

    def finish(self) -> list[Match]:
        """End every open track (the stream is over) and match what was not matched yet."""
        return self._end(self.tracker.end_all())

    def _detect(self, frame: Frame) -> list[Detection] | None:
        """Faces found on this frame, or None when the frame is skipped.

        A whole-frame search when one is due; otherwise, when a follow step is due, the followed faces are
        looked for around their last boxes. Steps are measured in frame indices, not frames received, so a
        live source that drops frames keeps the same pace in stream time.
        """
        index, options = frame.index, self.options
        height, width = frame.image.shape[:2]
        size = ImageSize(width, height)
        if self._last_search is None or index - self._last_search >= options.detect_every:
            self._last_search = self._last_processed = index
            return self._inside_zone(self._search(frame.image, size), size)
        tracks = self.tracker.open_tracks
        if not tracks or index - self._last_processed < options.follow_every:
            return None
        self._last_processed = index
        regions = follow_regions([t.last_box for t in tracks], size)
        found = [d for region, scale in regions for d in self.engine.detect_in_region(frame.image, region, scale)]
        return self._inside_zone(found, size)

    def _search(self, image: RGBImage, size: ImageSize) -> list[Detection]:
        """A search for new faces: the whole picture (or zone) on every ``full_search_every``-th search and
        whenever there is no earlier frame to compare with, otherwise only the parts that changed."""
        changed = self._motion.changed_regions(image)
        self._searches += 1
        max_side = self.options.detection_max_side or video_detection_side(self.engine.options.detector)
        zone = self._zone(size)
        if changed is None or (self._searches - 1) % self.options.full_search_every == 0:
            if zone is None:
                return self.engine.detect(image, max_side)
            changed = [zone]
        scale = min(1.0, max_side / max(size.width, size.height))
        regions = changed if zone is None else [r.intersection(zone) for r in changed if r.overlaps(zone)]
        return [d for region in regions for d in self.engine.detect_in_region(image, region, scale)]

    def _inside_zone(self, detections: list[Detection], size: ImageSize) -> list[Detection]:
        """``detections`` whose box centre is inside the zone (a followed face may walk out of it)."""
        zone = self._zone(size)
        if zone is None:
            return detections
        return [d for d in detections if zone.contains_point(*d.box.centre)]

    def _observe(self, image: RGBImage, detections: list[Detection]) -> list[Observation[RGBImage]]:
        """Each face measured (not described: only a track's best shots are), scored as a shot for the
        tracker; a face below the minimum face size is counted and dropped here, chip and all."""
        faces = self.engine.faces(image, detections)
        minimum = self.terms.minimum_face_px
        too_small = [f for f in faces if minimum is not None and f.quality.inter_ocular_px < minimum]
        self._too_small = tuple(f.box for f in too_small)
        self.counts += RunCounts(frames_processed=1, faces_seen=len(faces), faces_too_small=len(too_small))
        return [Observation(f.detection, f.shot_score(), f.chip) for f in faces if f not in too_small]

    def _due(self, track: Track[RGBImage]) -> bool:
        """Whether to match ``track`` now: enough observations since it was last matched, and a new best shot."""
        after = self.options.evaluate_after
        progress = self._progress.setdefault(track.track_id, _TrackProgress())
        if after is None or track.observation_count - progress.evaluated_at < after:
            return False
        return any(shot.frame_index not in progress.described for shot in track.best_shots)

    def _end(self, tracks: Sequence[Track[RGBImage]]) -> list[Match]:
        matches = self._evaluate(list(tracks))
        for track in tracks:
            self._progress.pop(track.track_id, None)
        return matches

    def _evaluate(self, tracks: list[Track[RGBImage]]) -> list[Match]:
        """One descriptor batch for the best shots of ``tracks`` not described before; a match per track and
        subject, once."""
        shots: list[tuple[Track[RGBImage], Shot[RGBImage]]] = []
        for track in tracks:
            progress = self._progress.setdefault(track.track_id, _TrackProgress())
            progress.evaluated_at = track.observation_count
            fresh_shots = [shot for shot in track.best_shots if shot.frame_index not in progress.described]
            progress.described.update(shot.frame_index for shot in fresh_shots)
            shots.extend((track, shot) for shot in fresh_shots)
        if not shots:
            return []
        descriptors = self.engine.describe([shot.payload for _, shot in shots])
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
            label = self.targets.labels[match.entry_id]
            alerted = self._progress[match.track_id].alerted
            if label not in alerted:
                alerted.add(label)
                fresh.append(match)
        del descriptors, nearest  # nothing of the faces outlives the evaluation
        return sorted(fresh, key=lambda m: (m.stream_seconds, m.track_id))


def follow_regions(boxes: Sequence[BoundingBox], size: ImageSize) -> list[tuple[BoundingBox, float]]:
    """Where to look again for followed faces, and at what scale: each box grown by :data:`FOLLOW_MARGIN`
    and cut to the image, overlapping regions merged (so no face is searched twice), each scaled so its
    smallest face is about :data:`FOLLOW_FACE_SIDE` pixels (never enlarged)."""
    grown = [(box.expanded(FOLLOW_MARGIN).clipped(size), max(1, min(box.width, box.height))) for box in boxes]
    regions = merged_regions([region for region, _ in grown])
    return [
        (region, min(1.0, FOLLOW_FACE_SIDE / min(side for part, side in grown if region.contains(part))))
        for region in regions
    ]
