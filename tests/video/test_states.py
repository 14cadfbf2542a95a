"""The source's state machine, backoff policy and frame record, as units."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest

from watchkeeper.video import (
    TRANSITIONS,
    Frame,
    IllegalTransitionError,
    ReconnectPolicy,
    SourceKind,
    SourceState,
    VideoSource,
    check_transition,
)

S = SourceState


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.CREATED, S.CONNECTING),
        (S.CONNECTING, S.RUNNING),
        (S.CONNECTING, S.RECONNECTING),
        (S.RUNNING, S.RECONNECTING),
        (S.RECONNECTING, S.RUNNING),
        (S.RECONNECTING, S.FAILED),
        (S.RUNNING, S.ENDED),
        (S.RUNNING, S.STOPPED),
        (S.CREATED, S.STOPPED),
    ],
)
def test_allowed_transitions_pass(current: SourceState, new: SourceState) -> None:
    check_transition(current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (S.CREATED, S.RUNNING),  # must connect first
        (S.CREATED, S.ENDED),
        (S.RUNNING, S.CONNECTING),  # a lost connection is RECONNECTING, never CONNECTING again
        (S.RECONNECTING, S.ENDED),  # only a connected file ends
        (S.RUNNING, S.RUNNING),
        (S.ENDED, S.RUNNING),
        (S.STOPPED, S.CONNECTING),
        (S.FAILED, S.RECONNECTING),
    ],
)
def test_illegal_transitions_are_rejected(current: SourceState, new: SourceState) -> None:
    with pytest.raises(IllegalTransitionError, match=f"from {current.value} to {new.value}"):
        check_transition(current, new)


def test_terminal_states_are_exactly_those_without_a_way_out() -> None:
    assert {state for state in S if state.terminal} == {S.ENDED, S.STOPPED, S.FAILED}
    assert set(TRANSITIONS) == set(S)


def test_a_stopped_source_cannot_start() -> None:
    source = VideoSource("rtsp://127.0.0.1:9/none")
    source.stop()  # CREATED -> STOPPED without ever starting a thread
    assert source.state is S.STOPPED
    with pytest.raises(IllegalTransitionError):
        source.start()
    assert source.finished


def test_backoff_grows_by_the_factor_up_to_the_cap() -> None:
    policy = ReconnectPolicy(initial_delay=0.5, factor=2.0, max_delay=3.0, max_attempts=5)
    assert [policy.delay(attempt) for attempt in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.allows(5)
    assert not policy.allows(6)
    assert ReconnectPolicy(max_attempts=None).allows(10**6)


@pytest.mark.parametrize(
    "arguments",
    [{"initial_delay": -1.0}, {"initial_delay": 5.0, "max_delay": 1.0}, {"factor": 0.5}, {"max_attempts": 0}],
)
def test_nonsensical_backoff_is_rejected(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must"):
        ReconnectPolicy(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("location", "kind", "live"),
    [
        ("rtsp://10.0.0.5/stream1", SourceKind.STREAM, True),
        ("RTSPS://camera/stream", SourceKind.STREAM, True),
        ("https://example.org/live.m3u8", SourceKind.STREAM, True),
        ("/dev/video0", SourceKind.DEVICE, True),
        ("/dev/v4l/by-id/usb-camera-video-index0", SourceKind.DEVICE, True),
        ("srt://10.0.0.5:9000", SourceKind.STREAM, True),
        ("recordings/gate-3.mp4", SourceKind.FILE, False),
    ],
)
def test_kind_and_buffer_policy_follow_the_location(location: str, kind: SourceKind, live: bool) -> None:
    source = VideoSource(location)
    assert (source.kind, source.live) == (kind, live)
    assert VideoSource(location, live=not live).live is not live


def test_the_kind_can_be_given_for_devices_ffmpeg_names_otherwise() -> None:
    camera = VideoSource("0", input_format="avfoundation", kind=SourceKind.DEVICE)
    assert (camera.kind, camera.live) == (SourceKind.DEVICE, True)


def _image() -> np.ndarray:
    return np.zeros((4, 6, 3), dtype=np.uint8)


def test_frame_accepts_a_utc_rgb_image() -> None:
    frame = Frame(image=_image(), source="cam", index=0, timestamp=0.0, captured_at=datetime.now(UTC))
    assert (frame.width, frame.height) == (6, 4)


@pytest.mark.parametrize(
    ("image", "captured_at", "message"),
    [
        (np.zeros((4, 6), dtype=np.uint8), datetime.now(UTC), "uint8 array"),
        (np.zeros((4, 6, 3), dtype=np.float32), datetime.now(UTC), "uint8 array"),
        (np.zeros((6, 4, 3), dtype=np.uint8).transpose(1, 0, 2), datetime.now(UTC), "C-contiguous"),
        (_image(), datetime(2024, 1, 1, 12, 0), "timezone-aware UTC"),
        (_image(), datetime(2024, 1, 1, 12, 0, tzinfo=timezone(timedelta(hours=2))), "timezone-aware UTC"),
    ],
)
def test_frame_rejects_what_downstream_code_cannot_trust(
    image: np.ndarray, captured_at: datetime, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Frame(image=image, source="cam", index=0, timestamp=0.0, captured_at=captured_at)
