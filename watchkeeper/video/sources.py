"""Video sources: a file, a network stream or a camera, decoded by FFmpeg (through PyAV) into RGB frames.

A :class:`VideoSource` decodes in its own reader thread into a small bounded buffer, so a consumer that
runs face recognition at its own pace never stalls the network connection, and a stalled connection never
blocks the consumer's shutdown. Two buffer policies answer the question "what if the consumer is slower
than the source":

* files *wait*: the reader blocks until there is room, so every frame is analysed (an investigation of
  recorded footage must not silently skip frames);
* live sources (URLs, cameras) *drop the oldest* frame: recognition should look at what is happening now,
  not fall further and further behind; every drop is counted and reported.

Nothing that goes wrong in the reader thread reaches the consumer as a traceback. It becomes a typed
:class:`SourceEvent` (kept in :attr:`VideoSource.events` and passed to an optional callback) and an
explicit :class:`SourceState`. Live sources reconnect with exponential backoff; a corrupt packet or frame
is skipped and counted; a file that cannot be opened at all is a :class:`VideoSourceError` at once, since
retrying a broken file cannot help.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import av
import av.container
import av.video
import numpy as np

from watchkeeper.errors import WatchkeeperError
from watchkeeper.video.frames import Frame

logger = logging.getLogger(__name__)

_NETWORK_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://", "rtmp://", "rtmps://", "srt://", "udp://", "tcp://")
_MICROSECONDS = 1_000_000
# Unreadable packets in a row after which the rest of a stream is taken as unreadable (a file ends, a live
# stream reconnects): one bad packet is noise, a run this long means the demuxer cannot resynchronise.
_MAX_CONSECUTIVE_DEMUX_ERRORS = 50


class VideoSourceError(WatchkeeperError):
    """A video source that cannot be opened or read, naming the source and the reason."""

    code = "video_unreadable"

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class IllegalTransitionError(RuntimeError):
    """A state change the source's state machine does not allow: a bug in the source, never an input error."""


class SourceState(enum.Enum):
    """Where a source is in its life; the reader thread moves it only along :data:`TRANSITIONS`."""

    CREATED = "created"
    CONNECTING = "connecting"
    RUNNING = "running"
    RECONNECTING = "reconnecting"
    ENDED = "ended"
    STOPPED = "stopped"
    FAILED = "failed"

    @property
    def terminal(self) -> bool:
        """True when the source will deliver no new frames (frames already buffered may still be read)."""
        return not TRANSITIONS[self]

    def can_become(self, other: SourceState) -> bool:
        return other in TRANSITIONS[self]


TRANSITIONS: Mapping[SourceState, frozenset[SourceState]] = {
    SourceState.CREATED: frozenset({SourceState.CONNECTING, SourceState.STOPPED}),
    SourceState.CONNECTING: frozenset(
        {SourceState.RUNNING, SourceState.RECONNECTING, SourceState.FAILED, SourceState.STOPPED}
    ),
    SourceState.RUNNING: frozenset(
        {SourceState.RECONNECTING, SourceState.ENDED, SourceState.FAILED, SourceState.STOPPED}
    ),
    SourceState.RECONNECTING: frozenset({SourceState.RUNNING, SourceState.FAILED, SourceState.STOPPED}),
    SourceState.ENDED: frozenset(),
    SourceState.STOPPED: frozenset(),
    SourceState.FAILED: frozenset(),
}
"""The allowed state changes. Only network streams and cameras ever reconnect; files go RUNNING -> ENDED."""


def check_transition(current: SourceState, new: SourceState) -> None:
    """Raise :class:`IllegalTransitionError` unless ``current -> new`` is an allowed change."""
    if not current.can_become(new):
        raise IllegalTransitionError(f"a video source cannot go from {current.value} to {new.value}")


class SourceKind(enum.Enum):
    """What a location names; it decides the defaults (buffer policy, reconnection, FFmpeg options)."""

    FILE = "file"
    STREAM = "stream"
    DEVICE = "device"

    @classmethod
    def of(cls, location: str) -> SourceKind:
        lowered = location.lower()
        if lowered.startswith(_NETWORK_SCHEMES):
            return cls.STREAM
        if location.startswith("/dev/"):  # /dev/video0, /dev/v4l/by-id/...: character devices, not files
            return cls.DEVICE
        return cls.FILE


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """Exponential backoff between attempts to (re)connect a live source.

    The first attempt waits ``initial_delay`` seconds, each following one ``factor`` times longer, never more
    than ``max_delay``. ``max_attempts=None`` retries for ever (a camera that is rebooting should come back
    by itself); a number makes the source FAILED after that many failed attempts in a row.
    """

    initial_delay: float = 0.5
    factor: float = 2.0
    max_delay: float = 30.0
    max_attempts: int | None = None

    def __post_init__(self) -> None:
        if self.initial_delay < 0 or self.max_delay < self.initial_delay:
            raise ValueError("reconnect delays must satisfy 0 <= initial_delay <= max_delay")
        if self.factor < 1:
            raise ValueError(f"reconnect factor must be at least 1, got {self.factor}")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1 or None, got {self.max_attempts}")

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt number ``attempt`` (counted from 1)."""
        if attempt < 1:
            raise ValueError(f"attempts are counted from 1, got {attempt}")
        return float(min(self.max_delay, self.initial_delay * self.factor ** (attempt - 1)))

    def allows(self, attempt: int) -> bool:
        return self.max_attempts is None or attempt <= self.max_attempts


@dataclass(frozen=True, slots=True)
class SourceStats:
    """Counters since the source started.

    ``frames_read`` counts frames decoded and put in the buffer; each of them is eventually delivered,
    dropped (live sources only) or discarded by :meth:`VideoSource.stop`. ``corrupt_skipped`` counts packets
    the demuxer or decoder rejected plus frames the decoder flagged as corrupt. ``reconnects`` counts
    successful connections after a lost or failed one.
    """

    frames_read: int = 0
    frames_delivered: int = 0
    frames_dropped: int = 0
    corrupt_skipped: int = 0
    reconnects: int = 0


# --- events ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceEvent:
    """Something that happened to a source, with when (UTC) it happened."""

    source: str
    at: datetime

    @property
    def message(self) -> str:
        return "event"


@dataclass(frozen=True, slots=True)
class StateChanged(SourceEvent):
    previous: SourceState
    state: SourceState
    reason: str

    @property
    def message(self) -> str:
        return f"{self.previous.value} -> {self.state.value}: {self.reason}"


@dataclass(frozen=True, slots=True)
class SourceErrorEvent(SourceEvent):
    """An error in the reader (failed open, lost connection, read error); what happens next is a state change."""

    error: str
    reason: str

    @property
    def message(self) -> str:
        return f"{self.error}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ReconnectScheduled(SourceEvent):
    attempt: int
    delay: float

    @property
    def message(self) -> str:
        return f"reconnect attempt {self.attempt} in {self.delay:.2f} s"


@dataclass(frozen=True, slots=True)
class CorruptSkipped(SourceEvent):
    unit: Literal["packet", "frame"]
    reason: str

    @property
    def message(self) -> str:
        return f"skipped a corrupt {self.unit}: {self.reason}"


@dataclass(frozen=True, slots=True)
class FramesDropped(SourceEvent):
    """Frames dropped because the consumer fell behind, reported in batches (``total`` is the running sum)."""

    count: int
    total: int

    @property
    def message(self) -> str:
        return f"dropped {self.count} frames for a slow consumer ({self.total} in total)"


EventCallback = Callable[[SourceEvent], None]


# --- buffer ---------------------------------------------------------------------------------------------


class _FrameBuffer:
    """A bounded frame queue that either blocks the producer when full or evicts its oldest frame."""

    def __init__(self, capacity: int, *, drop_oldest: bool) -> None:
        self._frames: deque[Frame] = deque()
        self._capacity = capacity
        self._drop_oldest = drop_oldest
        self._closed = False
        self._condition = threading.Condition()

    def put(self, frame: Frame) -> tuple[bool, int]:
        """Add ``frame``; return whether it was accepted (False once closed) and how many frames it evicted."""
        with self._condition:
            evicted = 0
            if self._closed:
                return False, evicted
            if self._drop_oldest:
                while len(self._frames) >= self._capacity:
                    self._frames.popleft()
                    evicted += 1
            else:
                while len(self._frames) >= self._capacity and not self._closed:
                    self._condition.wait()
            if self._closed:
                return False, evicted
            self._frames.append(frame)
            self._condition.notify_all()
            return True, evicted

    def get(self, timeout: float | None) -> Frame | None:
        """The oldest frame, or None when closed and empty or when ``timeout`` seconds pass with nothing."""
        with self._condition:
            if not self._condition.wait_for(lambda: self._frames or self._closed, timeout):
                return None
            if not self._frames:
                return None
            frame = self._frames.popleft()
            self._condition.notify_all()
            return frame

    def close(self, *, discard: bool) -> int:
        """No more frames will come; wake everyone. ``discard`` empties the buffer; returns frames discarded."""
        with self._condition:
            self._closed = True
            discarded = len(self._frames) if discard else 0
            if discard:
                self._frames.clear()
            self._condition.notify_all()
            return discarded

    @property
    def exhausted(self) -> bool:
        with self._condition:
            return self._closed and not self._frames


# --- the source -----------------------------------------------------------------------------------------


class _Outcome(enum.Enum):
    """Why the reader stopped reading one connection."""

    END = "end of stream"
    STOPPED = "stopped"
    ERROR = "read error"


@dataclass(frozen=True, slots=True)
class _StreamInfo:
    fps: float | None
    width: int | None
    height: int | None


class VideoSource:
    """Frames from a video file, an ``rtsp://``/``rtsps://``/``http(s)://`` URL or a camera (``/dev/video0``).

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with VideoSource("rtsp://camera.local/stream") as source:
            for frame in source.frames():
                ...

    ``live`` chooses the buffer policy: True drops the oldest buffered frame when the consumer falls behind,
    False makes the reader wait. It defaults to True for URLs and cameras and False for files. Only URLs
    and cameras reconnect (with ``reconnect``'s backoff) when they fail or end; a file ends at its end.

    ``open_timeout`` and ``read_timeout`` (seconds) bound every blocking FFmpeg call, so a dead connection is
    noticed within ``read_timeout`` and :meth:`stop` never waits longer than that. ``options`` are FFmpeg
    format and protocol options, added to (and overriding) the defaults for the kind of source;
    ``input_format`` names FFmpeg's demuxer when it cannot be guessed (``v4l2`` for ``/dev/...``); ``kind``
    overrides the guess from the location (e.g. ``input_format="avfoundation"``, ``kind=SourceKind.DEVICE``
    for a camera on macOS).
    """

    def __init__(
        self,
        location: str | Path,
        *,
        name: str | None = None,
        live: bool | None = None,
        input_format: str | None = None,
        kind: SourceKind | None = None,
        options: Mapping[str, str] | None = None,
        buffer_size: int = 4,
        reconnect: ReconnectPolicy | None = None,
        open_timeout: float = 10.0,
        read_timeout: float = 5.0,
        on_event: EventCallback | None = None,
        event_history: int = 500,
        drop_report_interval: float = 1.0,
    ) -> None:
        if buffer_size < 1:
            raise ValueError(f"buffer_size must be at least 1, got {buffer_size}")
        if open_timeout <= 0 or read_timeout <= 0:
            raise ValueError("open_timeout and read_timeout must be positive")
        self._location = str(location)
        self._kind = kind or SourceKind.of(self._location)
        self._name = name or self._location
        self._live = self._kind is not SourceKind.FILE if live is None else live
        self._format = (
            input_format if input_format is not None else ("v4l2" if self._location.startswith("/dev/") else None)
        )
        self._options = {**self._default_options(read_timeout), **(options or {})}
        self._reconnect = reconnect or ReconnectPolicy()
        self._timeouts = (open_timeout, read_timeout)
        self._on_event = on_event
        self._drop_report_interval = drop_report_interval

        self._lock = threading.Lock()
        self._state = SourceState.CREATED
        self._stats = SourceStats()
        self._events: deque[SourceEvent] = deque(maxlen=event_history)
        self._info = _StreamInfo(None, None, None)
        self._buffer = _FrameBuffer(buffer_size, drop_oldest=self._live)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_index = 0
        self._failures = 0
        self._clock_offset = 0.0
        self._last_timestamp: float | None = None
        self._pending_drops = 0
        self._last_drop_report = time.monotonic()

    # -- public properties --

    @property
    def name(self) -> str:
        return self._name

    @property
    def location(self) -> str:
        return self._location

    @property
    def kind(self) -> SourceKind:
        return self._kind

    @property
    def live(self) -> bool:
        return self._live

    @property
    def state(self) -> SourceState:
        with self._lock:
            return self._state

    @property
    def stats(self) -> SourceStats:
        with self._lock:
            return self._stats

    @property
    def events(self) -> list[SourceEvent]:
        """The most recent events (up to ``event_history``), oldest first."""
        with self._lock:
            return list(self._events)

    @property
    def fps(self) -> float | None:
        """The stream's frame rate once connected, when the container states one."""
        with self._lock:
            return self._info.fps

    @property
    def width(self) -> int | None:
        with self._lock:
            return self._info.width

    @property
    def height(self) -> int | None:
        with self._lock:
            return self._info.height

    @property
    def finished(self) -> bool:
        """True when no frame will ever be returned again: the reader is done and the buffer is empty."""
        return self._buffer.exhausted

    # -- life cycle --

    def start(self) -> Self:
        """Begin reading. A file is opened here and raises :class:`VideoSourceError` if it cannot be; a live
        source connects in the reader thread, retrying as its :class:`ReconnectPolicy` says."""
        self._set_state(SourceState.CONNECTING, "starting")
        container = None
        if self._kind is SourceKind.FILE:
            try:
                container = self._open()
            except VideoSourceError as error:
                self._record_error(error.reason, "open")
                self._set_state(SourceState.FAILED, error.reason)
                self._buffer.close(discard=True)
                raise
            self._set_state(SourceState.RUNNING, "opened")
        self._thread = threading.Thread(target=self._run, args=(container,), name=f"video-source {self._name}")
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop reading, discard buffered frames and wait for the reader thread to finish. Idempotent."""
        self._stopping.set()
        discarded = self._buffer.close(discard=True)
        if discarded:
            logger.debug("%s: discarded %d buffered frames on stop", self._name, discarded)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._finish(SourceState.STOPPED, "stopped by the consumer")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    # -- reading --

    def read(self, timeout: float | None = None) -> Frame | None:
        """The next frame; None when ``timeout`` seconds pass without one or when the source is finished
        (:attr:`finished` tells which)."""
        frame = self._buffer.get(timeout)
        if frame is not None:
            with self._lock:
                self._stats = _bump(self._stats, frames_delivered=1)
        return frame

    def frames(self) -> Iterator[Frame]:
        """Every frame until the file ends, the source fails for good, or :meth:`stop` is called. Starts the
        source if it has not been started."""
        if self.state is SourceState.CREATED:
            self.start()
        while (frame := self.read()) is not None:
            yield frame

    # -- state and events --

    def _set_state(self, new: SourceState, reason: str) -> None:
        with self._lock:
            previous = self._state
            check_transition(previous, new)
            self._state = new
        self._emit(StateChanged(self._name, _now(), previous, new, reason))

    def _finish(self, new: SourceState, reason: str) -> None:
        """Move to the terminal state ``new`` unless the source is already in one (stop races the reader)."""
        with self._lock:
            previous = self._state
            if previous.terminal:
                return
            check_transition(previous, new)
            self._state = new
        self._emit(StateChanged(self._name, _now(), previous, new, reason))

    def _record_error(self, reason: str, error: str) -> None:
        self._emit(SourceErrorEvent(self._name, _now(), error, reason))

    def _emit(self, event: SourceEvent) -> None:
        with self._lock:
            self._events.append(event)
        if self._on_event is None:
            return
        try:
            self._on_event(event)
        except Exception:
            # A broken callback must not stop the video; it is a bug in the caller, so log it loudly.
            logger.exception("%s: the event callback failed on %r", self._name, event)

    def _count(self, **increments: int) -> None:
        with self._lock:
            self._stats = _bump(self._stats, **increments)

    # -- opening --

    def _default_options(self, read_timeout: float) -> dict[str, str]:
        """FFmpeg options so that a dead network connection is an error within ``read_timeout`` seconds."""
        microseconds = str(round(read_timeout * _MICROSECONDS))
        lowered = self._location.lower()
        if lowered.startswith(("rtsp://", "rtsps://")):
            # TCP: no lost UDP packets (smeared frames) and it passes firewalls; "timeout" is socket I/O.
            return {"rtsp_transport": "tcp", "timeout": microseconds}
        if lowered.startswith(("http://", "https://")):
            return {"rw_timeout": microseconds}
        return {}

    def _open(self) -> av.container.InputContainer:
        """Open the location and select its first video stream, or raise :class:`VideoSourceError`."""
        if self._kind is SourceKind.FILE and not Path(self._location).is_file():
            reason = "is a directory" if Path(self._location).is_dir() else "no such file"
            raise VideoSourceError(self._name, reason)
        try:
            container = av.open(
                self._location, mode="r", format=self._format, options=dict(self._options), timeout=self._timeouts
            )
        except (av.FFmpegError, OSError, ValueError) as error:
            raise VideoSourceError(self._name, f"cannot open as video: {_describe(error)}") from error
        if not container.streams.video:
            container.close()
            raise VideoSourceError(self._name, "has no video stream (is it a video?)")
        self._remember_stream(container.streams.video[0])
        return container

    def _remember_stream(self, stream: av.video.VideoStream) -> None:
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else None
        context = stream.codec_context
        with self._lock:
            self._info = _StreamInfo(fps, context.width or None, context.height or None)

    def _connect(self) -> av.container.InputContainer | None:
        """Open a live source, waiting before each retry as the policy says; None if stopped or given up.

        ``_failures`` counts attempts in a row that did not produce a frame (failed opens, and connections
        that ended before their first frame), so a server that accepts and hangs up at once is retried with
        backoff too, not in a tight loop.
        """
        while not self._stopping.is_set():
            if self._failures:
                if not self._reconnect.allows(self._failures):
                    self._set_state(SourceState.FAILED, f"gave up after {self._failures - 1} reconnect attempts")
                    return None
                delay = self._reconnect.delay(self._failures)
                self._emit(ReconnectScheduled(self._name, _now(), self._failures, delay))
                if self._stopping.wait(delay):
                    return None
            try:
                container = self._open()
            except VideoSourceError as error:
                self._record_error(error.reason, "connect")
                if self.state is SourceState.CONNECTING:
                    self._set_state(SourceState.RECONNECTING, error.reason)
                self._failures += 1
                continue
            if self.state is SourceState.RECONNECTING:
                self._count(reconnects=1)
            self._set_state(SourceState.RUNNING, "connected")
            self._failures += 1  # until the first frame arrives
            return container
        return None

    # -- the reader thread --

    def _run(self, container: av.container.InputContainer | None) -> None:
        try:
            self._read_until_done(container)
        except Exception as error:  # a bug or an FFmpeg failure nobody foresaw: report it, never raise it
            logger.exception("%s: the video reader failed", self._name)
            self._record_error(_describe(error), "reader")
            self._finish(SourceState.FAILED, f"unexpected error: {_describe(error)}")
        finally:
            if self._stopping.is_set():
                self._finish(SourceState.STOPPED, "stopped by the consumer")
            self._report_drops(force=True)
            self._buffer.close(discard=False)

    def _read_until_done(self, container: av.container.InputContainer | None) -> None:
        while not self._stopping.is_set():
            if container is None:
                container = self._connect()
                if container is None:
                    return
            try:
                outcome, reason = self._pump(container)
            finally:
                container.close()
            container = None
            self._report_drops(force=True)
            if outcome is _Outcome.STOPPED or self._stopping.is_set():
                return
            if self._kind is SourceKind.FILE:
                self._set_state(SourceState.ENDED, reason)
                return
            self._set_state(SourceState.RECONNECTING, reason)
            self._clock_offset = self._next_clock_start()

    def _pump(self, container: av.container.InputContainer) -> tuple[_Outcome, str]:
        """Demux and decode one connection until it ends, fails or the source is stopped."""
        stream = container.streams.video[0]
        origin = stream.start_time
        connection_frames = 0
        demux_errors = 0
        packets = container.demux(stream)
        while not self._stopping.is_set():
            try:
                packet = next(packets)
            except StopIteration:
                return _Outcome.END, f"end of stream after {self.stats.frames_read} frames"
            except av.InvalidDataError as error:
                demux_errors += 1
                self._skip_corrupt("packet", _describe(error))
                if demux_errors >= _MAX_CONSECUTIVE_DEMUX_ERRORS:
                    reason = f"{demux_errors} unreadable packets in a row"
                    self._record_error(reason, "demux")
                    return _Outcome.ERROR, reason
                packets = container.demux(stream)  # the failed generator is finished; reading resumes
                continue
            except (av.FFmpegError, OSError) as error:
                self._record_error(_describe(error), "read")
                return _Outcome.ERROR, f"read error: {_describe(error)}"
            demux_errors = 0
            for frame in self._decode(packet):
                if origin is None:
                    origin = frame.pts
                self._failures = 0
                self._deliver(frame, origin, connection_frames)
                connection_frames += 1
        return _Outcome.STOPPED, "stopped"

    def _decode(self, packet: av.Packet[av.video.VideoStream]) -> list[av.VideoFrame]:
        """The packet's frames, skipping (and counting) a packet the decoder rejects and corrupt frames."""
        try:
            decoded = packet.decode()
        except (av.FFmpegError, ValueError) as error:
            self._skip_corrupt("packet", _describe(error))
            return []
        frames: list[av.VideoFrame] = []
        for frame in decoded:
            if not isinstance(frame, av.VideoFrame):
                continue
            if frame.is_corrupt:
                self._next_index += 1
                self._skip_corrupt("frame", "the decoder flagged the frame as corrupt")
                continue
            frames.append(frame)
        return frames

    def _skip_corrupt(self, unit: Literal["packet", "frame"], reason: str) -> None:
        self._count(corrupt_skipped=1)
        self._emit(CorruptSkipped(self._name, _now(), unit, reason))

    def _deliver(self, decoded: av.VideoFrame, origin: int | None, connection_index: int) -> None:
        index = self._next_index
        self._next_index += 1
        image = np.ascontiguousarray(decoded.to_ndarray(format="rgb24"), dtype=np.uint8)
        timestamp = self._clock_offset + self._stream_time(decoded, origin, connection_index)
        self._last_timestamp = timestamp
        frame = Frame(image=image, source=self._name, index=index, timestamp=timestamp, captured_at=_now())
        accepted, evicted = self._buffer.put(frame)
        if accepted:
            self._count(frames_read=1, frames_dropped=evicted)
        if evicted:
            self._pending_drops += evicted
            self._report_drops(force=False)

    def _stream_time(self, frame: av.VideoFrame, origin: int | None, connection_index: int) -> float:
        """Seconds since this connection's first frame: from pts when present, else from the frame rate."""
        if frame.pts is not None and frame.time_base is not None and origin is not None:
            return float((frame.pts - origin) * Fraction(frame.time_base))
        fps = self.fps
        return connection_index / fps if fps else 0.0

    def _next_clock_start(self) -> float:
        """Where a new connection's clock starts: one frame after the last timestamp, so time never goes back."""
        if self._last_timestamp is None:
            return self._clock_offset
        fps = self.fps
        return self._last_timestamp + (1.0 / fps if fps else 0.0)

    def _report_drops(self, *, force: bool) -> None:
        """Batch drop reports: a slow consumer drops a frame every frame, and one event per drop would flood
        the event history, pushing out the state changes that matter."""
        if not self._pending_drops:
            return
        now = time.monotonic()
        if not force and now - self._last_drop_report < self._drop_report_interval:
            return
        count, self._pending_drops, self._last_drop_report = self._pending_drops, 0, now
        self._emit(FramesDropped(self._name, _now(), count, self.stats.frames_dropped))


def _bump(stats: SourceStats, **increments: int) -> SourceStats:
    return SourceStats(
        frames_read=stats.frames_read + increments.get("frames_read", 0),
        frames_delivered=stats.frames_delivered + increments.get("frames_delivered", 0),
        frames_dropped=stats.frames_dropped + increments.get("frames_dropped", 0),
        corrupt_skipped=stats.corrupt_skipped + increments.get("corrupt_skipped", 0),
        reconnects=stats.reconnects + increments.get("reconnects", 0),
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _describe(error: BaseException) -> str:
    """An FFmpeg error as a sentence: PyAV's messages include errno numbers and C function names."""
    if isinstance(error, av.FFmpegError) and error.strerror:
        return str(error.strerror)
    return str(error) or type(error).__name__
