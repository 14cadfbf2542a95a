"""Files through VideoSource: every frame in order, damaged files degrade gracefully, the live drop policy."""

from __future__ import annotations

import itertools
import time
from datetime import UTC
from pathlib import Path

import numpy as np
import pytest

from tests.video.videofiles import (
    CLIP_FRAMES,
    CLIP_HEIGHT,
    CLIP_WIDTH,
    audio_only,
    digest,
    overwritten,
    remux,
    truncated,
    wait_until,
)
from watchkeeper.errors import WatchkeeperError
from watchkeeper.video import (
    CorruptSkipped,
    Frame,
    FramesDropped,
    SourceEvent,
    SourceState,
    StateChanged,
    VideoSource,
    VideoSourceError,
)

pytestmark = pytest.mark.usefixtures("no_leaked_reader_threads")


def _states(events: list[SourceEvent]) -> list[SourceState]:
    return [event.state for event in events if isinstance(event, StateChanged)]


def _assert_in_order(frames: list[Frame]) -> None:
    indices = [frame.index for frame in frames]
    assert indices == sorted(set(indices))
    timestamps = [frame.timestamp for frame in frames]
    assert all(later > earlier for earlier, later in itertools.pairwise(timestamps))


def test_a_file_delivers_every_frame_in_order(clip: Path, clip_digests: list[str]) -> None:
    with VideoSource(clip, name="hamilton") as source:
        assert source.fps == pytest.approx(29.97, abs=0.01)
        assert (source.width, source.height) == (CLIP_WIDTH, CLIP_HEIGHT)
        frames = list(source.frames())

    assert [frame.index for frame in frames] == list(range(CLIP_FRAMES))
    _assert_in_order(frames)
    assert frames[0].timestamp == 0.0
    # 275 frames at 29.97 fps: the last one is 274 frame intervals after the first.
    assert frames[-1].timestamp == pytest.approx(274 / 29.97, abs=0.01)
    first = frames[0]
    assert first.image.shape == (CLIP_HEIGHT, CLIP_WIDTH, 3)
    assert first.image.dtype == np.uint8
    assert first.image.flags.c_contiguous
    assert first.source == "hamilton"
    assert first.captured_at.tzinfo is UTC
    assert [digest(frame.image) for frame in frames] == clip_digests  # RGB exactly as FFmpeg decodes it
    assert source.state is SourceState.ENDED
    assert source.stats.frames_read == source.stats.frames_delivered == CLIP_FRAMES
    assert source.stats.frames_dropped == source.stats.corrupt_skipped == source.stats.reconnects == 0
    assert _states(source.events) == [SourceState.CONNECTING, SourceState.RUNNING, SourceState.ENDED]


def test_a_file_waits_for_a_slow_consumer_and_drops_nothing(clip: Path, sources: list[VideoSource]) -> None:
    buffer_size = 3
    source = VideoSource(clip, buffer_size=buffer_size)
    sources.append(source.start())
    first = source.read(timeout=60)
    assert first is not None
    # The consumer stalls: the reader fills the buffer and then waits, it does not drop.
    wait_until(lambda: source.stats.frames_read == 1 + buffer_size, what="the buffer to fill")
    time.sleep(0.2)
    assert source.stats.frames_read == 1 + buffer_size
    assert source.state is SourceState.RUNNING

    rest = []
    while (frame := source.read(timeout=60)) is not None:
        rest.append(frame)
        time.sleep(0.001)
    assert source.finished
    assert [frame.index for frame in [first, *rest]] == list(range(CLIP_FRAMES))
    assert source.stats.frames_dropped == 0


def test_a_live_source_drops_the_oldest_frames_and_keeps_the_newest(clip: Path, sources: list[VideoSource]) -> None:
    # The file read as if live: the reader runs far ahead of a consumer that does not read at all.
    source = VideoSource(clip, live=True, buffer_size=2)
    sources.append(source.start())
    wait_until(lambda: source.state is SourceState.ENDED, what="the reader to reach the end of the file")
    kept = list(source.frames())

    assert [frame.index for frame in kept] == [CLIP_FRAMES - 2, CLIP_FRAMES - 1]
    stats = source.stats
    assert stats.frames_read == CLIP_FRAMES
    assert stats.frames_dropped == CLIP_FRAMES - 2
    assert stats.frames_delivered == 2
    reported = [event for event in source.events if isinstance(event, FramesDropped)]
    assert sum(event.count for event in reported) == stats.frames_dropped
    assert reported[-1].total == stats.frames_dropped


def test_a_slow_live_consumer_sees_fresh_frames_with_gaps(clip: Path) -> None:
    seen: list[Frame] = []
    with VideoSource(clip, live=True, buffer_size=1) as source:
        while (frame := source.read(timeout=60)) is not None:
            seen.append(frame)
            time.sleep(0.01)
    stats = source.stats
    assert stats.frames_dropped > 0
    assert stats.frames_read == stats.frames_delivered + stats.frames_dropped == CLIP_FRAMES
    _assert_in_order(seen)
    assert seen[-1].index == CLIP_FRAMES - 1  # the newest frame is never the one dropped


def test_a_truncated_recording_delivers_the_frames_before_the_cut(
    clip: Path, clip_digests: list[str], damaged_dir: Path
) -> None:
    # A recorder writes its index last, so the cut copy is a transport stream (as cameras record) and an MP4
    # written with its index first; the raw cut MP4 has no index at all (see the next test).
    for container_format, name, options in [
        ("mpegts", "clip.ts", None),
        ("mp4", "clip.mp4", {"movflags": "faststart"}),
    ]:
        whole = remux(clip, damaged_dir / name, container_format, options)
        cut = truncated(whole, damaged_dir / f"cut-{name}", 0.6)
        with VideoSource(cut) as source:
            frames = list(source.frames())

        assert 0.5 * CLIP_FRAMES < len(frames) < 0.7 * CLIP_FRAMES, name
        assert [frame.index for frame in frames] == list(range(len(frames))), name
        _assert_in_order(frames)
        assert [digest(frame.image) for frame in frames] == clip_digests[: len(frames)], name
        assert source.state is SourceState.ENDED, name
        ended = [event for event in source.events if isinstance(event, StateChanged)][-1]
        assert ended.state is SourceState.ENDED
        assert "end of stream" in ended.reason


def test_an_mp4_cut_before_its_index_is_a_clear_error(clip: Path, damaged_dir: Path) -> None:
    cut = truncated(clip, damaged_dir / "cut-raw.mp4", 0.6)
    source = VideoSource(cut, name="cut-raw.mp4")
    with pytest.raises(VideoSourceError, match=r"^cut-raw\.mp4: cannot open as video: ") as raised:
        source.start()
    assert raised.value.code == "video_unreadable"
    assert source.state is SourceState.FAILED
    assert source.finished


def test_random_damage_is_skipped_and_counted(clip: Path, clip_digests: list[str], damaged_dir: Path) -> None:
    damaged = overwritten(clip, damaged_dir / "bitrot.mp4", seed=6, runs=10, run_length=200)
    with VideoSource(damaged) as source:
        frames = list(source.frames())

    stats = source.stats
    assert source.state is SourceState.ENDED
    assert stats.corrupt_skipped > 0
    skipped = [event for event in source.events if isinstance(event, CorruptSkipped)]
    assert len(skipped) == stats.corrupt_skipped
    assert stats.frames_read == stats.frames_delivered == len(frames) < CLIP_FRAMES
    _assert_in_order(frames)
    # Reading went on past the damage to the clip's last frame, and the frames before the damage are intact.
    assert frames[-1].timestamp == pytest.approx((CLIP_FRAMES - 1) / 29.97, abs=0.01)
    undamaged = [frame for frame in frames if frame.index < 50]
    assert [digest(frame.image) for frame in undamaged] == clip_digests[: len(undamaged)]


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.mp4"
    with pytest.raises(VideoSourceError) as raised:
        VideoSource(missing).start()
    error = raised.value
    assert isinstance(error, WatchkeeperError)
    assert error.code == "video_unreadable"
    assert str(error) == f"{missing}: no such file"
    assert (error.source, error.reason) == (str(missing), "no such file")


@pytest.mark.parametrize(
    "content",
    [b"name,label\nobama.jpg,obama\n" * 50, bytes(range(256)) * 64, b""],
    ids=["text", "binary", "empty"],
)
def test_a_file_that_is_not_a_video_is_a_clear_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "not-a-video.mp4"
    path.write_bytes(content)
    source = VideoSource(path, name="not-a-video.mp4")
    with pytest.raises(VideoSourceError, match=r"^not-a-video\.mp4: cannot open as video: \w"):
        source.start()
    assert source.state is SourceState.FAILED
    assert source.finished
    assert list(source.frames()) == []


def test_a_file_without_pictures_is_a_clear_error(tmp_path: Path) -> None:
    path = audio_only(tmp_path / "sound.wav")
    with pytest.raises(VideoSourceError, match=r"sound\.wav: has no video stream"):
        VideoSource(path).start()


def test_stopping_mid_file_discards_the_rest_and_joins_the_reader(clip: Path) -> None:
    source = VideoSource(clip, buffer_size=2)
    frames = source.frames()  # starts the source lazily
    taken = [next(frames) for _ in range(5)]
    source.stop()
    assert [frame.index for frame in taken] == list(range(5))
    assert list(frames) == []
    assert source.state is SourceState.STOPPED
    assert source.stats.frames_delivered == 5
    source.stop()  # idempotent
    assert _states(source.events)[-1] is SourceState.STOPPED


def test_events_reach_the_callback_and_a_failing_callback_does_not_stop_the_video(
    clip: Path, caplog: pytest.LogCaptureFixture
) -> None:
    received: list[SourceEvent] = []

    def callback(event: SourceEvent) -> None:
        received.append(event)
        raise RuntimeError("a bug in the caller's callback")

    with VideoSource(clip, on_event=callback) as source:
        count = sum(1 for _ in source.frames())
    assert count == CLIP_FRAMES
    assert received == source.events
    assert "the event callback failed" in caplog.text
