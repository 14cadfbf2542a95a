"""Following faces across video frames as tracks, and keeping each track's best few shots.

Live recognition cannot afford a descriptor for every face on every frame, and does not need one: the
same person seen on fifty consecutive frames is one identity question, not fifty. :class:`FaceTracker`
links the faces detected on successive processed frames into *tracks* (one per person in view) and keeps
only each track's ``k`` best shots by a caller-supplied quality score; recognition then describes and
matches those few shots. Keeping only the best ``k`` also bounds memory and limits what is held of a
passer-by: a worse shot's payload (a face crop, say) is released as soon as ``k`` better ones exist.

Association is greedy, not optimal: the pair (open track, new detection) with the highest box overlap
(IoU) is linked first, then the next highest among the rest, and so on down to ``min_iou``. Faces that
moved too far for their boxes to overlap (fast motion, or frames skipped between detections) are then
linked by centre distance measured in face sizes. The Hungarian method would find the assignment with the
best total overlap, but faces in one frame rarely compete for the same track, greedy is what most
real-time trackers use, and it needs no solver (scipy is not a dependency). There is no motion model:
a track is matched against its last box, so a detector that skips many frames relies on the
centre-distance fallback.

The tracker knows nothing of images or the face engine: a face arrives as an :class:`Observation` of a
:class:`~watchkeeper.types.Detection`, a quality score and an opaque payload of the caller's choosing
(the engine's ``Face``, an index, a crop), so it can be tested on synthetic boxes and reused with any
detector.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from watchkeeper.types import BoundingBox, Detection

T = TypeVar("T")

DEFAULT_MIN_IOU = 0.3
DEFAULT_MAX_CENTRE_DISTANCE = 1.0
DEFAULT_MAX_SIZE_CHANGE = 1.5
DEFAULT_MAX_MISSED_FRAMES = 5
DEFAULT_BEST_SHOTS_PER_TRACK = 3

_RESOLUTION_SATURATION_PX = 60.0
"""Inter-ocular distance at which more resolution stops helping: dlib's aligned 150 x 150 chip puts the
eyes roughly 60 px apart, so a larger face is downsampled to the same chip and gains nothing."""

_SHARPNESS_SCALE = 100.0
"""Laplacian variance at which the sharpness term reaches ``1 - 1/e`` (about 0.63). Visibly blurred chips
score below ~30 (term ~0.26); in-focus faces score 100 to 1500 (term 0.63 to 1)."""


@dataclass(frozen=True, slots=True)
class Observation(Generic[T]):
    """One detected face on one frame, as the tracker receives it.

    ``quality`` ranks shots within a track (higher is better; :func:`shot_quality` is a default);
    ``payload`` is whatever the caller wants back with the best shots, kept only while the shot is among
    its track's best.
    """

    detection: Detection
    quality: float
    payload: T

    def __post_init__(self) -> None:
        if not math.isfinite(self.quality):
            raise ValueError(f"observation quality must be a finite number, got {self.quality}")


@dataclass(frozen=True, slots=True)
class Shot(Generic[T]):
    """An observation kept as one of a track's best shots, with the frame it was taken from."""

    observation: Observation[T]
    frame_index: int
    timestamp: float

    @property
    def quality(self) -> float:
        return self.observation.quality

    @property
    def payload(self) -> T:
        return self.observation.payload


@dataclass(frozen=True, slots=True)
class Track(Generic[T]):
    """The state of one track after an update: a snapshot, so reports never change under the caller.

    ``missed_frames`` counts processed frames since the face was last seen (0 when seen on the latest
    frame). ``best_shots`` holds at most ``best_shots_per_track`` shots, best first (see
    :func:`select_best`); ``observation_count`` counts every observation ever linked to the track.
    """

    track_id: int
    first_frame: int
    first_timestamp: float
    last_frame: int
    last_timestamp: float
    observation_count: int
    last_box: BoundingBox
    missed_frames: int
    best_shots: tuple[Shot[T], ...]

    @property
    def duration(self) -> float:
        """Seconds between the first and last observation (0 for a single observation)."""
        return self.last_timestamp - self.first_timestamp

    @property
    def best_shot(self) -> Shot[T]:
        return self.best_shots[0]


@dataclass(frozen=True, slots=True)
class TrackUpdate(Generic[T]):
    """What one :meth:`FaceTracker.update` changed.

    ``started`` are tracks created for observations that matched no open track; ``updated`` are open
    tracks that received an observation (the two are disjoint); ``ended`` are tracks closed on this update,
    in their final state, each reported exactly once. ``assignments[i]`` is the id of the track the
    ``i``-th observation went to, so callers can map their own per-face data to tracks.
    """

    frame_index: int
    timestamp: float
    started: tuple[Track[T], ...]
    updated: tuple[Track[T], ...]
    ended: tuple[Track[T], ...]
    assignments: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TrackerOptions:
    """How eagerly faces are linked into tracks and how long tracks live.

    - ``min_iou``: least box overlap for linking a face to a track by overlap. Raising it splits a moving
      or jittering face into more, shorter tracks (more descriptors computed, more duplicate alerts);
      lowering it risks handing a track to a neighbouring face when two people stand close.
    - ``max_centre_distance``: fallback for faces whose boxes no longer overlap enough (fast motion,
      skipped frames): largest distance between box centres, in face sizes (the mean side of the two
      boxes), at which they are still linked. Raising it keeps tracks through faster motion but may join
      two different people across a camera cut; 0 turns the fallback off.
    - ``max_size_change``: the fallback only links boxes whose sides differ by at most this factor, so a
      small face in the background is not taken for a large one in front. Raising it allows faster
      zooming; lowering it to 1 turns the fallback off.
    - ``max_missed_frames``: a track survives this many processed frames without its face (missed
      detections, brief occlusion). Raising it bridges longer gaps but keeps stale tracks that a new
      person stepping into the same place can inherit; lowering it fragments tracks on every missed
      detection.
    - ``max_missed_seconds``: also end a track once this long has passed since its face was last seen,
      whatever the frame count (useful when frames arrive irregularly); ``None`` for no time limit.
    - ``best_shots_per_track``: shots kept per track, hence descriptors computed per track. Raising it
      gives recognition more chances (different poses) at more compute and more biometric data held;
      lowering it to 1 is cheapest but rests on a single shot.
    """

    min_iou: float = DEFAULT_MIN_IOU
    max_centre_distance: float = DEFAULT_MAX_CENTRE_DISTANCE
    max_size_change: float = DEFAULT_MAX_SIZE_CHANGE
    max_missed_frames: int = DEFAULT_MAX_MISSED_FRAMES
    max_missed_seconds: float | None = None
    best_shots_per_track: int = DEFAULT_BEST_SHOTS_PER_TRACK

    def __post_init__(self) -> None:
        if not 0.0 < self.min_iou <= 1.0:
            raise ValueError(f"min_iou must be in (0, 1], got {self.min_iou}")
        if not self.max_centre_distance >= 0.0:
            raise ValueError(f"max_centre_distance must be 0 or more, got {self.max_centre_distance}")
        if not self.max_size_change >= 1.0:
            raise ValueError(f"max_size_change must be 1 or more, got {self.max_size_change}")
        if self.max_missed_frames < 0:
            raise ValueError(f"max_missed_frames must be 0 or more, got {self.max_missed_frames}")
        if self.max_missed_seconds is not None and not self.max_missed_seconds >= 0.0:
            raise ValueError(f"max_missed_seconds must be 0 or more, got {self.max_missed_seconds}")
        if self.best_shots_per_track < 1:
            raise ValueError(f"best_shots_per_track must be 1 or more, got {self.best_shots_per_track}")


def select_best(shots: Iterable[Shot[T]], k: int) -> tuple[Shot[T], ...]:
    """The ``k`` best shots, best first: highest quality, and among equal qualities the later frame.

    Later wins ties because a newer shot is closer to how the person looks now and, in live use, its
    payload was produced most recently.
    """
    if k < 0:
        raise ValueError(f"k must be 0 or more, got {k}")
    return tuple(heapq.nlargest(k, shots, key=_shot_rank))


def _shot_rank(shot: Shot[T]) -> tuple[float, int]:
    return (shot.observation.quality, shot.frame_index)


def shot_quality(inter_ocular_px: float, sharpness: float, frontalness: float, detection_score: float) -> float:
    """One score in [0, 1] for ranking a track's shots, from the engine's quality measures.

    The score is the product of four terms, so a shot is only as good as its worst aspect (a large, sharp
    face in profile is still a poor probe):

    - resolution ``min(inter_ocular_px / 60, 1)``: linear up to 60 px between the eyes, where dlib's
      150 px chip stops gaining detail; below ~30 px recognition degrades, and the term halves.
    - sharpness ``1 - exp(-sharpness / 100)``: saturating, since beyond ~300 (term 0.95) a sharper chip
      changes descriptors little; blurred chips (below ~30) score under 0.26.
    - pose ``frontalness ** 2``: weighted strongly because dlib's descriptors are trained mostly on
      near-frontal faces and their distances grow quickly with yaw; a face turned ~20 degrees
      (frontalness ~0.55) keeps only about a third of its score.
    - detector confidence ``(1 + sigmoid(detection_score)) / 2``, between 0.5 and 1: a mild tie-breaker,
      as the detector's margin says more about "is this a face" than "is this a good probe", and HOG and
      CNN scores are on different scales.

    Inputs are as in :class:`watchkeeper.face.FaceQuality` and :class:`watchkeeper.types.Detection`.
    """
    values = {"inter_ocular_px": inter_ocular_px, "sharpness": sharpness, "frontalness": frontalness}
    for name, value in values.items():
        if not (math.isfinite(value) and value >= 0.0):
            raise ValueError(f"{name} must be a finite number, 0 or more, got {value}")
    if math.isnan(detection_score):
        raise ValueError("detection_score must be a number, got NaN")
    resolution = min(inter_ocular_px / _RESOLUTION_SATURATION_PX, 1.0)
    crispness = 1.0 - math.exp(-sharpness / _SHARPNESS_SCALE)
    pose = min(frontalness, 1.0) ** 2
    confidence = (1.0 + _sigmoid(detection_score)) / 2.0
    return resolution * crispness * pose * confidence


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _centre_distance_in_face_sizes(a: BoundingBox, b: BoundingBox) -> float:
    """Distance between box centres over the mean side of the two boxes (``inf`` for two empty boxes)."""
    size = (math.sqrt(a.area) + math.sqrt(b.area)) / 2.0
    if size == 0.0:
        return math.inf
    dx = (a.left + a.right - b.left - b.right) / 2.0
    dy = (a.top + a.bottom - b.top - b.bottom) / 2.0
    return math.hypot(dx, dy) / size


def _size_change(a: BoundingBox, b: BoundingBox) -> float:
    """Ratio of the larger box's side to the smaller's (``inf`` when one box is empty)."""
    small, large = sorted((math.sqrt(a.area), math.sqrt(b.area)))
    return large / small if small > 0.0 else math.inf


def _greedy_pairs(candidates: list[tuple[float, int, int]]) -> list[tuple[int, int]]:
    """Pairs ``(track_id, observation index)`` taken best first from ``(cost, track_id, index)`` candidates,
    skipping any whose track or observation is already taken. Lower cost is better; ties go to the older
    track and the earlier observation, so results do not depend on dict or set order."""
    taken_tracks: set[int] = set()
    taken_observations: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, track_id, index in sorted(candidates):
        if track_id in taken_tracks or index in taken_observations:
            continue
        taken_tracks.add(track_id)
        taken_observations.add(index)
        pairs.append((track_id, index))
    return pairs


class FaceTracker(Generic[T]):
    """Links faces detected on successive processed frames into tracks; see the module docstring.

    Call :meth:`update` once per processed frame, in order, with every face detected on it (an empty
    list when none were: that is how tracks learn their face is missing). Call :meth:`end_all` at the end
    of the stream. Track ids are 1, 2, 3, ... in order of creation and are never reused. The payload type
    is the caller's: ``tracker: FaceTracker[Face] = FaceTracker()``.
    """

    def __init__(self, options: TrackerOptions | None = None) -> None:
        self.options = options or TrackerOptions()
        self._open: dict[int, Track[T]] = {}
        self._next_id = 1
        self._last_frame: int | None = None
        self._last_timestamp: float | None = None

    @property
    def open_tracks(self) -> tuple[Track[T], ...]:
        """Tracks still open, oldest first."""
        return tuple(self._open.values())

    def update(self, frame_index: int, timestamp: float, observations: Sequence[Observation[T]]) -> TrackUpdate[T]:
        """Take the faces detected on one processed frame and report what changed.

        Raises ``ValueError`` when ``frame_index`` does not increase or ``timestamp`` goes backwards.
        """
        self._check_order(frame_index, timestamp)
        ended = self._end_expired_by_time(timestamp)
        pairs = self._associate(observations)
        assignments: list[int] = [0] * len(observations)
        updated: list[Track[T]] = []
        for track_id, index in pairs:
            track = self._extended(self._open[track_id], observations[index], frame_index, timestamp)
            self._open[track_id] = track
            updated.append(track)
            assignments[index] = track_id
        matched = {track_id for track_id, _ in pairs}
        ended.extend(self._miss(set(self._open) - matched))
        started: list[Track[T]] = []
        for index, observation in enumerate(observations):
            if not assignments[index]:
                track = self._start(observation, frame_index, timestamp)
                started.append(track)
                assignments[index] = track.track_id
        return TrackUpdate(
            frame_index=frame_index,
            timestamp=timestamp,
            started=tuple(started),
            updated=tuple(sorted(updated, key=lambda t: t.track_id)),
            ended=tuple(ended),
            assignments=tuple(assignments),
        )

    def end_all(self) -> tuple[Track[T], ...]:
        """End every open track (end of stream) and return them, oldest first; the tracker stays usable."""
        ended = tuple(self._open.values())
        self._open.clear()
        return ended

    def _check_order(self, frame_index: int, timestamp: float) -> None:
        if not math.isfinite(timestamp):
            raise ValueError(f"timestamp must be a finite number of seconds, got {timestamp}")
        if self._last_frame is not None and frame_index <= self._last_frame:
            raise ValueError(f"frame index {frame_index} does not follow the previous frame {self._last_frame}")
        if self._last_timestamp is not None and timestamp < self._last_timestamp:
            raise ValueError(f"timestamp {timestamp} is before the previous frame's {self._last_timestamp}")
        self._last_frame = frame_index
        self._last_timestamp = timestamp

    def _end_expired_by_time(self, timestamp: float) -> list[Track[T]]:
        """End tracks whose face has been gone longer than ``max_missed_seconds``, before they can be matched."""
        limit = self.options.max_missed_seconds
        if limit is None:
            return []
        expired = [t for t in self._open.values() if timestamp - t.last_timestamp > limit]
        for track in expired:
            del self._open[track.track_id]
        return expired

    def _associate(self, observations: Sequence[Observation[T]]) -> list[tuple[int, int]]:
        """Greedy matching: by overlap first, then by centre distance for what is left."""
        by_overlap = _greedy_pairs(
            [
                (-iou, track_id, index)
                for track_id, track in self._open.items()
                for index, observation in enumerate(observations)
                if (iou := track.last_box.intersection_over_union(observation.detection.box)) >= self.options.min_iou
            ]
        )
        taken_tracks = {track_id for track_id, _ in by_overlap}
        taken_observations = {index for _, index in by_overlap}
        by_distance = _greedy_pairs(
            [
                (distance, track_id, index)
                for track_id, track in self._open.items()
                if track_id not in taken_tracks
                for index, observation in enumerate(observations)
                if index not in taken_observations
                and (distance := self._fallback_distance(track.last_box, observation.detection.box)) is not None
            ]
        )
        return by_overlap + by_distance

    def _fallback_distance(self, track_box: BoundingBox, box: BoundingBox) -> float | None:
        """Centre distance in face sizes when the fallback may link the two boxes, else ``None``."""
        if _size_change(track_box, box) > self.options.max_size_change:
            return None
        distance = _centre_distance_in_face_sizes(track_box, box)
        return distance if distance <= self.options.max_centre_distance else None

    def _extended(self, track: Track[T], observation: Observation[T], frame_index: int, timestamp: float) -> Track[T]:
        shot = Shot(observation=observation, frame_index=frame_index, timestamp=timestamp)
        return Track(
            track_id=track.track_id,
            first_frame=track.first_frame,
            first_timestamp=track.first_timestamp,
            last_frame=frame_index,
            last_timestamp=timestamp,
            observation_count=track.observation_count + 1,
            last_box=observation.detection.box,
            missed_frames=0,
            best_shots=select_best((*track.best_shots, shot), self.options.best_shots_per_track),
        )

    def _miss(self, track_ids: set[int]) -> list[Track[T]]:
        """Count a missed frame for each of ``track_ids``; end and return those missing for too long."""
        ended: list[Track[T]] = []
        for track_id in sorted(track_ids):
            track = self._open[track_id]
            missed = dataclasses.replace(track, missed_frames=track.missed_frames + 1)
            if missed.missed_frames > self.options.max_missed_frames:
                del self._open[track_id]
                ended.append(missed)
            else:
                self._open[track_id] = missed
        return ended

    def _start(self, observation: Observation[T], frame_index: int, timestamp: float) -> Track[T]:
        track = Track(
            track_id=self._next_id,
            first_frame=frame_index,
            first_timestamp=timestamp,
            last_frame=frame_index,
            last_timestamp=timestamp,
            observation_count=1,
            last_box=observation.detection.box,
            missed_frames=0,
            best_shots=(Shot(observation=observation, frame_index=frame_index, timestamp=timestamp),),
        )
        self._next_id += 1
        self._open[track.track_id] = track
        return track
