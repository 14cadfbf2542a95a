"""Live sources: a real HTTP stream from FFmpeg that goes away and comes back, and connections that fail."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.video.videofiles import wait_until
from watchkeeper.video import (
    ReconnectPolicy,
    ReconnectScheduled,
    SourceErrorEvent,
    SourceEvent,
    SourceState,
    StateChanged,
    VideoSource,
)

pytestmark = pytest.mark.usefixtures("no_leaked_reader_threads")

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ffmpeg-stream-server.sh"
FAST_BACKOFF = ReconnectPolicy(initial_delay=0.2, factor=2.0, max_delay=1.0)


class StreamServer:
    """The project's script serving the clip over HTTP; every process it starts is killed at the end."""

    def __init__(self, clip: Path, log: Path) -> None:
        self._clip = clip
        self._log = log
        self._port = _free_port()
        self._processes: list[subprocess.Popen[str]] = []

    def start(self) -> str:
        """Start serving (always on the same port, as a camera that comes back would); return the URL."""
        with self._log.open("a") as log:
            process = subprocess.Popen(
                [str(SCRIPT), "serve", str(self._clip), str(self._port)], stdout=subprocess.PIPE, stderr=log, text=True
            )
        self._processes.append(process)
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url == f"http://127.0.0.1:{self._port}/stream.ts", f"unexpected output from {SCRIPT.name}: {url!r}"
        return url

    def kill(self) -> None:
        """Cut the stream as a camera losing power would: SIGKILL the ffmpeg process (the script exec'ed it)."""
        self._processes[-1].kill()
        self._processes[-1].wait()

    def close(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def ffmpeg() -> str:
    """The ffmpeg program, installed by the project's script when missing (Debian's package)."""
    installed = subprocess.run([str(SCRIPT), "install"], capture_output=True, text=True, check=False)
    if installed.returncode != 0:
        pytest.fail(f"could not install ffmpeg with {SCRIPT.name}: {installed.stderr.strip()}")
    return installed.stdout.strip()


@pytest.fixture
def server(ffmpeg: str, clip: Path, tmp_path: Path) -> Iterator[StreamServer]:
    served = StreamServer(clip, tmp_path / "ffmpeg.log")
    try:
        yield served
    finally:
        served.close()


def _states_after(events: list[SourceEvent], start: int) -> list[SourceState]:
    return [event.state for event in events[start:] if isinstance(event, StateChanged)]


def _read(source: VideoSource, count: int) -> list[int]:
    indices = []
    for _ in range(count):
        frame = source.read(timeout=60)
        assert frame is not None, f"the stream stopped delivering frames: {source.state}, {source.events[-3:]}"
        indices.append(frame.index)
    return indices


def test_a_stream_that_drops_reconnects_and_delivers_again(server: StreamServer, sources: list[VideoSource]) -> None:
    url = server.start()
    source = VideoSource(url, name="camera", reconnect=FAST_BACKOFF, read_timeout=20.0)
    sources.append(source)
    assert source.live
    source.start()
    before = _read(source, 30)
    assert source.state is SourceState.RUNNING
    assert (source.width, source.height) == (640, 360)
    reconnects_before = source.stats.reconnects  # the first connection may have raced the server's start

    mark = len(source.events)
    server.kill()
    wait_until(lambda: source.state is SourceState.RECONNECTING, what="the source to notice the lost stream")
    # While the server is down, attempts fail and are retried with backoff.
    wait_until(
        lambda: any(isinstance(event, ReconnectScheduled) for event in source.events[mark:]),
        what="a reconnect attempt to fail and be rescheduled",
    )
    read_before_restart = source.stats.frames_read
    server.start()
    wait_until(lambda: source.state is SourceState.RUNNING, what="the source to reconnect")

    after = _read(source, 60)
    assert any(index >= read_before_restart for index in after)  # frames decoded on the new connection
    assert before + after == sorted(set(before + after))
    assert source.stats.reconnects == reconnects_before + 1
    assert _states_after(source.events, mark) == [SourceState.RECONNECTING, SourceState.RUNNING]
    assert any(isinstance(event, SourceErrorEvent) for event in source.events[mark:])

    source.stop()
    assert _states_after(source.events, mark)[-1] is SourceState.STOPPED  # (state is narrowed to RUNNING above)
    assert source.finished


def test_a_stream_that_never_answers_fails_after_its_attempts(sources: list[VideoSource]) -> None:
    url = f"http://127.0.0.1:{_free_port()}/stream.ts"  # nothing listens there
    policy = ReconnectPolicy(initial_delay=0.01, factor=2.0, max_delay=0.05, max_attempts=3)
    source = VideoSource(url, reconnect=policy)
    sources.append(source.start())
    assert source.read(timeout=60) is None
    assert source.finished
    assert source.state is SourceState.FAILED
    events = source.events
    assert [event.attempt for event in events if isinstance(event, ReconnectScheduled)] == [1, 2, 3]
    assert [event.delay for event in events if isinstance(event, ReconnectScheduled)] == [0.01, 0.02, 0.04]
    assert sum(isinstance(event, SourceErrorEvent) for event in events) == 4  # the first try and 3 retries
    assert _states_after(events, 0) == [
        SourceState.CONNECTING,
        SourceState.RECONNECTING,
        SourceState.FAILED,
    ]
    assert "gave up after 3 reconnect attempts" in [e for e in events if isinstance(e, StateChanged)][-1].reason
    assert source.stats.reconnects == 0


def test_stop_interrupts_the_backoff_wait() -> None:
    url = f"http://127.0.0.1:{_free_port()}/stream.ts"
    source = VideoSource(url, reconnect=ReconnectPolicy(initial_delay=600.0, max_delay=600.0))
    source.start()
    wait_until(lambda: any(isinstance(event, ReconnectScheduled) for event in source.events), what="the first backoff")
    stopper = threading.Thread(target=source.stop)
    stopper.start()
    stopper.join(timeout=60)  # far below the 600 s backoff
    assert not stopper.is_alive()
    assert source.state is SourceState.STOPPED
