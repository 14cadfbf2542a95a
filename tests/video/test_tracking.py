"""Face tracking: synthetic moving boxes with known identities, a property test, and the real clip."""

from __future__ import annotations

import gc
import math
import random
import weakref
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchkeeper.face import Face, FaceEngine, LoadedImage
from watchkeeper.types import BoundingBox, Detection
from watchkeeper.video.tracking import (
    FaceTracker,
    Observation,
    Shot,
    Track,
    TrackerOptions,
    TrackUpdate,
    select_best,
    shot_quality,
)

SHARED_FACES = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "faces"
CLIP = SHARED_FACES / "examples" / "short_hamilton_clip.mp4"


def detection(cx: float, cy: float, size: int, score: float = 1.0) -> Detection:
    """A square face box of side ``size`` centred on ``(cx, cy)``."""
    left, top = round(cx - size / 2), round(cy - size / 2)
    return Detection(box=BoundingBox(left=left, top=top, right=left + size, bottom=top + size), score=score)


def observe(det: Detection, quality: float = 0.5, payload: str = "") -> Observation[str]:
    return Observation(detection=det, quality=quality, payload=payload)


def run(
    tracker: FaceTracker[str], frames: Sequence[Sequence[Observation[str]]], *, shuffle_seed: int | None = None
) -> list[TrackUpdate[str]]:
    """Feed one list of observations per frame (frame index = position, 10 frames per second).

    With ``shuffle_seed`` each frame's observations are shuffled first, so a tracker that associated by
    list position rather than by geometry would fail; results are reported back in the original order.
    """
    rng = random.Random(shuffle_seed)
    updates = []
    for index, observations in enumerate(frames):
        order = list(range(len(observations)))
        if shuffle_seed is not None:
            rng.shuffle(order)
        update = tracker.update(index, index / 10, [observations[i] for i in order])
        assignments = [0] * len(order)
        for position, original in enumerate(order):
            assignments[original] = update.assignments[position]
        updates.append(
            TrackUpdate(
                frame_index=update.frame_index,
                timestamp=update.timestamp,
                started=update.started,
                updated=update.updated,
                ended=update.ended,
                assignments=tuple(assignments),
            )
        )
    return updates


def assert_each_face_keeps_one_track(updates: Sequence[TrackUpdate[str]], faces: int) -> None:
    """The i-th face of every frame went to the same track throughout, and the tracks are 1 to ``faces``
    (which face got which id depends on the shuffled order of the first frame)."""
    (assignments,) = {u.assignments for u in updates}
    assert sorted(assignments) == list(range(1, faces + 1))


# --- association on synthetic motion -------------------------------------------------------------------


def test_two_faces_moving_apart_keep_their_ids() -> None:
    frames = [[observe(detection(200 - 6 * i, 150, 60)), observe(detection(400 + 6 * i, 160, 70))] for i in range(30)]
    updates = run(FaceTracker(), frames, shuffle_seed=1)
    assert_each_face_keeps_one_track(updates, faces=2)
    assert sorted(t.track_id for t in updates[0].started) == [1, 2]
    assert all(not u.started and not u.ended and [t.track_id for t in u.updated] == [1, 2] for u in updates[1:])


def test_crossing_faces_of_different_sizes_keep_their_ids() -> None:
    # A near face (80 px) walks right while a far one (40 px) walks left, passing right over it: at the
    # crossing the small box lies inside the big one, yet overlap ranks each track's own face first.
    frames = [[observe(detection(100 + 10 * i, 150, 80)), observe(detection(500 - 10 * i, 160, 40))] for i in range(41)]
    updates = run(FaceTracker(), frames, shuffle_seed=2)
    assert_each_face_keeps_one_track(updates, faces=2)


def test_fast_motion_is_followed_by_centre_distance_when_boxes_stop_overlapping() -> None:
    # 40 px per frame on a 60 px face: IoU 0.2, below min_iou, but only 2/3 of a face size between centres.
    frames = [[observe(detection(100 + 40 * i, 150, 60))] for i in range(10)]
    assert {u.assignments for u in run(FaceTracker(), frames)} == {(1,)}
    without_fallback = run(FaceTracker(TrackerOptions(max_centre_distance=0.0)), frames)
    assert [u.assignments for u in without_fallback] == [(i + 1,) for i in range(10)]


def test_fallback_does_not_join_faces_of_very_different_sizes() -> None:
    frames = [[observe(detection(100, 150, 40))], [observe(detection(130, 150, 100))]]
    assert [u.assignments for u in run(FaceTracker(), frames)] == [(1,), (2,)]


def test_a_face_missing_for_up_to_max_missed_frames_keeps_its_id() -> None:
    face = detection(200, 150, 60)
    frames = [[observe(face)], [], [], [observe(face)]]
    updates = run(FaceTracker(TrackerOptions(max_missed_frames=2)), frames)
    assert updates[3].assignments == (1,)
    assert [t.track_id for t in updates[3].updated] == [1]
    assert all(not u.ended for u in updates)


def test_a_face_missing_for_longer_gets_a_new_track_and_the_old_one_ends_once() -> None:
    face = detection(200, 150, 60)
    frames = [[observe(face)], [observe(face)], [], [], [], [observe(face)], []]
    tracker: FaceTracker[str] = FaceTracker(TrackerOptions(max_missed_frames=2))
    updates = run(tracker, frames)
    ended_at = {t.track_id: u.frame_index for u in updates for t in u.ended}
    assert ended_at == {1: 4}
    final = updates[4].ended[0]
    assert (final.first_frame, final.last_frame, final.observation_count, final.missed_frames) == (0, 1, 2, 3)
    assert updates[5].assignments == (2,)
    assert [t.track_id for t in updates[5].started] == [2]
    assert [t.track_id for t in tracker.end_all()] == [2]
    assert tracker.end_all() == ()


def test_max_missed_seconds_ends_a_track_whatever_the_frame_count() -> None:
    tracker: FaceTracker[str] = FaceTracker(TrackerOptions(max_missed_frames=100, max_missed_seconds=1.0))
    face = detection(200, 150, 60)
    tracker.update(0, 0.0, [observe(face)])
    assert tracker.update(1, 0.9, []).ended == ()
    # A stalled stream: the next frame comes 5 s later, so the same place is a new track.
    late = tracker.update(2, 5.0, [observe(face)])
    assert [t.track_id for t in late.ended] == [1]
    assert [t.track_id for t in late.started] == [2]


def test_frames_must_come_in_order() -> None:
    tracker: FaceTracker[str] = FaceTracker()
    tracker.update(5, 1.0, [])
    with pytest.raises(ValueError, match="does not follow"):
        tracker.update(5, 1.1, [])
    with pytest.raises(ValueError, match="before the previous"):
        tracker.update(6, 0.5, [])


@pytest.mark.parametrize(
    "changes",
    [
        {"min_iou": 0.0},
        {"min_iou": 1.5},
        {"max_centre_distance": -1.0},
        {"max_size_change": 0.9},
        {"max_missed_frames": -1},
        {"max_missed_seconds": -0.1},
        {"best_shots_per_track": 0},
    ],
)
def test_options_are_validated(changes: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        TrackerOptions(**changes)  # type: ignore[arg-type]


# --- best shots ------------------------------------------------------------------------------------------


def test_best_shots_are_the_k_highest_quality_later_frame_first_on_ties() -> None:
    qualities = [0.5, 0.9, 0.1, 0.9, 0.7, 0.3, 0.7]
    frames = [[observe(detection(200 + i, 150, 60), quality=q, payload=f"f{i}")] for i, q in enumerate(qualities)]
    tracker: FaceTracker[str] = FaceTracker(TrackerOptions(best_shots_per_track=3))
    run(tracker, frames)
    (track,) = tracker.end_all()
    assert [(s.frame_index, s.quality, s.payload) for s in track.best_shots] == [
        (3, 0.9, "f3"),
        (1, 0.9, "f1"),
        (6, 0.7, "f6"),
    ]
    assert track.observation_count == 7
    assert track.last_box == frames[-1][0].detection.box


def test_select_best() -> None:
    shots = [
        Shot(observe(detection(0, 0, 10), quality=q), frame_index=i, timestamp=i / 10)
        for i, q in enumerate([2, 5, 5, 1])
    ]
    assert [s.frame_index for s in select_best(shots, 2)] == [2, 1]
    assert [s.frame_index for s in select_best(shots, 10)] == [2, 1, 0, 3]
    assert select_best(shots, 0) == ()
    with pytest.raises(ValueError, match="k must be"):
        select_best(shots, -1)


class Crop:
    """A stand-in for a face crop whose lifetime can be watched with a weak reference."""


def test_payloads_outside_the_best_shots_are_released() -> None:
    tracker: FaceTracker[Crop] = FaceTracker(TrackerOptions(best_shots_per_track=2))
    alive: dict[int, weakref.ref[Crop]] = {}
    qualities = [0.3, 0.8, 0.1, 0.6, 0.9, 0.2, 0.4]
    for frame, quality in enumerate(qualities):
        crop = Crop()
        alive[frame] = weakref.ref(crop)
        tracker.update(frame, frame / 10, [Observation(detection(200, 150, 60), quality, crop)])
        del crop
    gc.collect()
    assert {frame for frame, ref in alive.items() if ref() is not None} == {1, 4}
    (track,) = tracker.end_all()
    assert [s.frame_index for s in track.best_shots] == [4, 1]


def test_observation_quality_must_be_finite() -> None:
    with pytest.raises(ValueError, match="finite"):
        observe(detection(0, 0, 10), quality=math.nan)


# --- the default quality score ---------------------------------------------------------------------------


def test_shot_quality_rewards_each_measure_and_saturates_resolution() -> None:
    base = {"inter_ocular_px": 40.0, "sharpness": 150.0, "frontalness": 0.8, "detection_score": 1.0}
    reference = shot_quality(**base)
    assert 0.0 < reference < 1.0
    for name, better in [
        ("inter_ocular_px", 50.0),
        ("sharpness", 400.0),
        ("frontalness", 0.95),
        ("detection_score", 2.0),
    ]:
        assert shot_quality(**{**base, name: better}) > reference, name
    assert shot_quality(**{**base, "inter_ocular_px": 60.0}) == shot_quality(**{**base, "inter_ocular_px": 120.0})
    assert shot_quality(**{**base, "frontalness": 0.0}) == 0.0
    # Pose weighs more than detector confidence: a head turned to frontalness 0.5 (about 20 degrees) costs
    # more than the HOG margin falling from 1 to -1 (from confident to below its default threshold).
    assert shot_quality(**{**base, "frontalness": 0.5}) < shot_quality(**{**base, "detection_score": -1.0})


@pytest.mark.parametrize("name", ["inter_ocular_px", "sharpness", "frontalness"])
@pytest.mark.parametrize("value", [-1.0, math.nan, math.inf])
def test_shot_quality_rejects_impossible_measures(name: str, value: float) -> None:
    measures = {"inter_ocular_px": 40.0, "sharpness": 150.0, "frontalness": 0.8, "detection_score": 1.0, name: value}
    with pytest.raises(ValueError, match=name):
        shot_quality(**measures)


# --- property: every observation goes to exactly one track, ids are never reused --------------------


boxes = st.builds(
    lambda cx, cy, size: detection(cx, cy, size),
    st.integers(0, 300),
    st.integers(0, 300),
    st.integers(1, 80),
)
frame_lists = st.lists(st.lists(boxes, max_size=6), max_size=25)
option_sets = st.builds(
    TrackerOptions,
    min_iou=st.floats(0.05, 1.0),
    max_centre_distance=st.floats(0.0, 3.0),
    max_missed_frames=st.integers(0, 4),
    best_shots_per_track=st.integers(1, 4),
)


@settings(max_examples=200, deadline=None)
@given(frames=frame_lists, options=option_sets, qualities=st.randoms(use_true_random=False))
def test_every_observation_goes_to_one_track_and_ids_are_never_reused(
    frames: list[list[Detection]], options: TrackerOptions, qualities: random.Random
) -> None:
    tracker: FaceTracker[int] = FaceTracker(options)
    issued: set[int] = set()
    ended: Counter[int] = Counter()
    for index, detections in enumerate(frames):
        observations = [Observation(d, qualities.random(), i) for i, d in enumerate(detections)]
        update = tracker.update(index, index / 10, observations)
        started = {t.track_id for t in update.started}
        updated = {t.track_id for t in update.updated}
        assert len(update.assignments) == len(observations)
        assert len(set(update.assignments)) == len(observations), "two observations went to one track"
        assert set(update.assignments) == started | updated
        assert not started & updated
        assert not started & issued, "a track id was reused"
        assert all(track_id > max(issued, default=0) for track_id in started)
        assert not set(update.assignments) & set(ended), "an ended track came back"
        for track in (*update.started, *update.updated):
            (i,) = [i for i, t in enumerate(update.assignments) if t == track.track_id]
            assert (track.last_frame, track.last_box, track.missed_frames) == (index, detections[i].box, 0)
            assert_best_shots_consistent(track, options.best_shots_per_track)
        issued |= started
        ended.update(t.track_id for t in update.ended)
    ended.update(t.track_id for t in tracker.end_all())
    assert ended == Counter(dict.fromkeys(issued, 1)), "every track ends exactly once"
    assert sorted(issued) == list(range(1, len(issued) + 1))


def assert_best_shots_consistent(track: Track[int], k: int) -> None:
    assert 1 <= len(track.best_shots) <= min(k, track.observation_count)
    ranks = [(s.quality, s.frame_index) for s in track.best_shots]
    assert ranks == sorted(ranks, reverse=True)


# --- real detections ------------------------------------------------------------------------------------


def test_tracks_on_the_real_clip_follow_each_shot_of_a_face(boxes_only_engine: FaceEngine) -> None:
    """Every 3rd frame of the clip through HOG detection, landmarks and quality (no descriptors), ~8 s.

    Measured with the defaults: HOG finds a face on 55 of the 92 processed frames, in three camera shots:
    the performer small on a wide stage (frames 0-18, 7 detections, ~18 px between the eyes), the
    performer in close-up (frames 84-210, 42 detections, one missed frame and one jump of half a face
    between frames 114 and 120 that IoU alone would split), and a blurred audience member (frames 222-246,
    6 detections with two gaps of up to 3 processed frames). The cuts between shots must end tracks (the
    frames 210 -> 222 cut is within max_missed_frames, so only the distance test keeps the performer's
    track from jumping to the audience), and no shot may be split into fragments.
    """
    if not CLIP.is_file():
        pytest.skip(f"the example clip is not in the shared data ({CLIP})")
    av = pytest.importorskip("av")
    tracker: FaceTracker[Face] = FaceTracker()
    tracks: list[Track[Face]] = []
    detections = 0
    with av.open(str(CLIP)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index % 3:
                continue
            image = LoadedImage(pixels=frame.to_ndarray(format="rgb24"), source="clip", format="mp4")
            faces = boxes_only_engine.analyse(image).faces
            detections += len(faces)
            observations = [Observation(face.detection, face_quality(face), face) for face in faces]
            tracks.extend(tracker.update(index, float(frame.time), observations).ended)
    tracks.extend(tracker.end_all())

    assert sum(t.observation_count for t in tracks) == detections
    shots = [(0, 60), (84, 211), (213, 275)]  # frame ranges of the camera shots, from looking at the clip
    shot_of = [next(i for i, (first, end) in enumerate(shots) if first <= t.first_frame < end) for t in tracks]
    assert shot_of == [0, 1, 2], [(t.track_id, t.first_frame, t.last_frame) for t in tracks]
    assert all(shots[s][0] <= t.last_frame < shots[s][1] for s, t in zip(shot_of, tracks, strict=True))
    close_up = tracks[1]
    assert close_up.observation_count >= 40
    # The close-up turns from frontal to nearly profile (frontalness 0.18 to 1.0); its best shots must be
    # the frontal ones, which is what spending descriptors only on best shots relies on.
    assert [s.payload.quality.frontalness >= 0.9 for s in close_up.best_shots] == [True] * 3
    # The audience member is out of focus (sharpness ~2): her best shot must still score far below the
    # performer's, so a quality gate could skip describing her at all.
    assert tracks[2].best_shot.quality < close_up.best_shot.quality / 10


def face_quality(face: Face) -> float:
    q = face.quality
    return shot_quality(q.inter_ocular_px, q.sharpness, q.frontalness, face.detection.score)
