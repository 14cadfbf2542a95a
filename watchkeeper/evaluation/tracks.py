"""Track-level fusion in video, measured offline: is a track better judged by one shot, its best few, or
all of them fused into one descriptor?

The clip is run the way the live pipeline runs it (detection on every third frame at most 640 px wide,
faces linked by :class:`~watchkeeper.video.tracking.FaceTracker`, shots ranked by
:func:`~watchkeeper.video.tracking.shot_quality`), but every observation is described, so each decision
rule can be scored on the same faces:

- ``per_face``: every observation matched on its own (no tracking; what the peer's video example does);
- ``best_shot``: the track's single best shot;
- ``nearest_of_best_3``: the nearest watchlist distance over the best three shots (the live pipeline today);
- ``mean_of_best_3``: the mean descriptor of the best three shots, matched once;
- ``mean_of_all``: the mean descriptor of every observation in the track.

Ground truth comes from an annotation CSV (``first_frame,last_frame,left,top,right,bottom,identity``): a
face whose box centre falls in the rectangle during those frames is that identity. Tracks are cut where the
annotated identity changes (a tracker can carry a track across a camera cut; such tracks are counted), so
each scored segment is one person.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from watchkeeper.errors import InputError
from watchkeeper.face import FaceEngine
from watchkeeper.face.detection import video_detection_side
from watchkeeper.matching.fusion import mean_template
from watchkeeper.types import BoundingBox, Descriptors, RGBImage
from watchkeeper.video.frames import Frame
from watchkeeper.video.tracking import FaceTracker, Observation, Shot, Track, TrackerOptions, select_best

DETECT_EVERY = 3
BEST_SHOTS = 3
RULES = ("per_face", "best_shot", "nearest_of_best_3", "mean_of_best_3", "mean_of_all")


@dataclass(frozen=True, slots=True)
class AnnotatedRegion:
    """Faces centred in ``box`` between ``first_frame`` and ``last_frame`` (inclusive) are ``identity``."""

    first_frame: int
    last_frame: int
    box: BoundingBox
    identity: str


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    """One decision rule at one threshold over the clip's segments (or faces, for ``per_face``)."""

    rule: str
    mated: int
    """Segments (faces) of watchlisted people."""
    mated_found: int
    """Of those, matched to their own watchlist entry first and within the threshold."""
    non_mated: int
    false_alerts: int
    """Segments (faces) of other people matched to anyone on the watchlist within the threshold."""
    largest_mated_distance: float
    smallest_non_mated_distance: float

    @property
    def margin(self) -> float:
        """Smallest non-mated minus largest mated distance: the room a threshold has."""
        return self.smallest_non_mated_distance - self.largest_mated_distance


@dataclass(frozen=True, slots=True)
class TrackFusionResult:
    """Every rule on one clip, and what the tracking did."""

    threshold: float
    processed_frames: int
    observations: int
    unannotated_observations: int
    tracks: int
    tracks_spanning_several_people: int
    segments: int
    outcomes: tuple[RuleOutcome, ...]


@dataclass(frozen=True, slots=True, eq=False)
class _Described:
    frame_index: int
    identity: str | None
    descriptor: Descriptors


def read_annotations(path: Path) -> list[AnnotatedRegion]:
    """The regions of an annotation CSV; :class:`InputError` naming the line when malformed."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(enumerate(csv.DictReader(handle), start=2))
    except OSError as error:
        raise InputError(str(path), error.strerror or str(error)) from None
    regions = []
    for line, row in rows:
        try:
            left, top, right, bottom = (int(row[k]) for k in ("left", "top", "right", "bottom"))
            regions.append(
                AnnotatedRegion(
                    int(row["first_frame"]),
                    int(row["last_frame"]),
                    BoundingBox(left, top, right, bottom),
                    row["identity"],
                )
            )
        except (KeyError, TypeError, ValueError) as error:
            raise InputError(
                f"{path}:{line}", f"expected first_frame,last_frame,left,top,right,bottom,identity ({error})"
            ) from None
    return regions


def evaluate_track_fusion(
    engine: FaceEngine,
    frames: Iterable[Frame],
    annotations: Sequence[AnnotatedRegion],
    watchlist: dict[str, Descriptors],
    threshold: float,
) -> TrackFusionResult:
    """Every rule of the module docstring on ``frames``, against ``watchlist`` (identity -> descriptor)."""
    tracker: FaceTracker[int] = FaceTracker(TrackerOptions(best_shots_per_track=10_000))
    described: list[_Described] = []
    tracks: list[Track[int]] = []
    processed = 0
    for frame in frames:
        if frame.index % DETECT_EVERY:
            continue
        processed += 1
        observations, chips = _observe(engine, frame.image, len(described))
        descriptors = engine.describe(chips)
        for observation, descriptor in zip(observations, descriptors, strict=True):
            identity = _identity(annotations, frame.index, observation.detection.box)
            described.append(_Described(frame.index, identity, descriptor))
        tracks.extend(tracker.update(frame.index, frame.timestamp, observations).ended)
    tracks.extend(tracker.end_all())
    segments = [segment for track in tracks for segment in _segments(track, described)]
    names = sorted(watchlist)
    references = np.stack([np.asarray(watchlist[n], dtype=np.float64) for n in names])
    outcomes = [_per_face(described, names, references, threshold)]
    for rule in RULES[1:]:
        scored = [(identity, _rule_distances(rule, shots, described, references)) for identity, shots in segments]
        outcomes.append(_outcome(rule, scored, names, threshold))
    spanning = sum(len({identity for identity, _ in _segments(t, described)}) > 1 for t in tracks)
    return TrackFusionResult(
        threshold=threshold,
        processed_frames=processed,
        observations=len(described),
        unannotated_observations=sum(d.identity is None for d in described),
        tracks=len(tracks),
        tracks_spanning_several_people=spanning,
        segments=len(segments),
        outcomes=tuple(outcomes),
    )


def _observe(engine: FaceEngine, image: RGBImage, first_id: int) -> tuple[list[Observation[int]], list[RGBImage]]:
    """Observations (payload: the observation's running number) and chips, as the live pipeline makes them."""
    faces = engine.faces(image, engine.detect(image, video_detection_side(engine.options.detector)))
    observations = [Observation(face.detection, face.shot_score(), first_id + n) for n, face in enumerate(faces)]
    return observations, [face.chip for face in faces]


def _identity(annotations: Sequence[AnnotatedRegion], frame_index: int, box: BoundingBox) -> str | None:
    x, y = (box.left + box.right) / 2.0, (box.top + box.bottom) / 2.0
    for region in annotations:
        inside = region.box.left <= x <= region.box.right and region.box.top <= y <= region.box.bottom
        if region.first_frame <= frame_index <= region.last_frame and inside:
            return region.identity
    return None


def _segments(track: Track[int], described: list[_Described]) -> list[tuple[str, list[Shot[int]]]]:
    """The track's shots in frame order, cut where the annotated identity changes (unannotated shots dropped)."""
    segments: list[tuple[str, list[Shot[int]]]] = []
    for shot in sorted(track.best_shots, key=lambda s: s.frame_index):
        identity = described[shot.payload].identity
        if identity is None:
            continue
        if segments and segments[-1][0] == identity:
            segments[-1][1].append(shot)
        else:
            segments.append((identity, [shot]))
    return segments


def _rule_distances(
    rule: str, shots: list[Shot[int]], described: list[_Described], references: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Distance from the segment to each watchlist entry under ``rule``."""
    chosen = list(select_best(shots, 1 if rule == "best_shot" else BEST_SHOTS)) if rule != "mean_of_all" else shots
    vectors = np.stack([np.asarray(described[s.payload].descriptor, dtype=np.float64) for s in chosen])
    if rule.startswith("mean"):
        vectors = mean_template(vectors)[None, :]
    distances: NDArray[np.float64] = np.linalg.norm(vectors[:, None, :] - references[None, :, :], axis=2).min(axis=0)
    return distances


def _per_face(
    described: list[_Described], names: list[str], references: NDArray[np.float64], threshold: float
) -> RuleOutcome:
    scored = [
        (d.identity, np.linalg.norm(references - np.asarray(d.descriptor, dtype=np.float64), axis=1))
        for d in described
        if d.identity is not None
    ]
    return _outcome("per_face", scored, names, threshold)


def _outcome(
    rule: str, scored: list[tuple[str, NDArray[np.float64]]], names: list[str], threshold: float
) -> RuleOutcome:
    mated = [(names.index(identity), distances) for identity, distances in scored if identity in names]
    non_mated = [distances for identity, distances in scored if identity not in names]
    found = sum(int(np.argmin(d)) == own and bool(d[own] <= threshold) for own, d in mated)
    return RuleOutcome(
        rule=rule,
        mated=len(mated),
        mated_found=found,
        non_mated=len(non_mated),
        false_alerts=sum(float(d.min()) <= threshold for d in non_mated),
        largest_mated_distance=max((float(d[own]) for own, d in mated), default=float("nan")),
        smallest_non_mated_distance=min((float(d.min()) for d in non_mated), default=float("nan")),
    )
