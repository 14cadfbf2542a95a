"""Video sources for live and recorded facial recognition: files, network streams and cameras as frames.

Typical use::

    from watchkeeper.video import VideoSource

    with VideoSource("rtsp://camera.local/stream", name="gate 3") as source:
        for frame in source.frames():
            analyse(frame.image, at=frame.captured_at)

Decoding is FFmpeg's (through PyAV) and runs in a reader thread. Files deliver every frame; live sources
drop the oldest frame when the consumer falls behind and reconnect with backoff when the stream drops.
What happens to a source is explicit: a :class:`SourceState`, :class:`SourceStats` counters and typed
:class:`SourceEvent` records.
"""

from watchkeeper.video.frames import Frame
from watchkeeper.video.sources import (
    TRANSITIONS,
    CorruptSkipped,
    EventCallback,
    FramesDropped,
    IllegalTransitionError,
    ReconnectPolicy,
    ReconnectScheduled,
    SourceErrorEvent,
    SourceEvent,
    SourceKind,
    SourceState,
    SourceStats,
    StateChanged,
    VideoSource,
    VideoSourceError,
    check_transition,
)

__all__ = [
    "TRANSITIONS",
    "CorruptSkipped",
    "EventCallback",
    "Frame",
    "FramesDropped",
    "IllegalTransitionError",
    "ReconnectPolicy",
    "ReconnectScheduled",
    "SourceErrorEvent",
    "SourceEvent",
    "SourceKind",
    "SourceState",
    "SourceStats",
    "StateChanged",
    "VideoSource",
    "VideoSourceError",
    "check_transition",
]
