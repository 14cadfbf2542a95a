"""Helpers for the video source tests: where the example clip is, damaged copies of it, and polling."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest

from watchkeeper.types import RGBImage

CLIP = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "faces" / "examples" / "short_hamilton_clip.mp4"
CLIP_FRAMES = 275
CLIP_WIDTH, CLIP_HEIGHT = 640, 360


def digest(image: RGBImage) -> str:
    """A digest of a frame's pixels, to compare frames without keeping 275 images in memory."""
    return hashlib.sha256(image.tobytes()).hexdigest()


def reference_digests(path: Path) -> list[str]:
    """The digest of every frame of ``path``, decoded straight with PyAV: the reference for the sources."""
    with av.open(str(path)) as container:
        return [
            hashlib.sha256(frame.to_ndarray(format="rgb24").tobytes()).hexdigest()
            for frame in container.decode(video=0)
        ]


def remux(source: Path, target: Path, container_format: str, options: dict[str, str] | None = None) -> Path:
    """Copy the video packets into another container without re-encoding (as a camera's recorder would)."""
    with av.open(str(source)) as reader, av.open(str(target), "w", format=container_format, options=options) as out:
        video = reader.streams.video[0]
        copied = out.add_stream_from_template(video)
        for packet in reader.demux(video):
            if packet.dts is None:  # the demuxer's end-of-stream marker
                continue
            packet.stream = copied
            out.mux(packet)
    return target


def audio_only(target: Path) -> Path:
    """A valid media file with no pictures: a tenth of a second of silence as WAV."""
    with av.open(str(target), "w", format="wav") as out:
        stream = out.add_stream("pcm_s16le", rate=8000, layout="mono")
        silence = av.AudioFrame.from_ndarray(np.zeros((1, 800), dtype=np.int16), format="s16", layout="mono")
        silence.sample_rate = 8000
        for packet in stream.encode(silence):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return target


def truncated(source: Path, target: Path, fraction: float) -> Path:
    """A copy of ``source`` cut after ``fraction`` of its bytes, like a recording whose writer died."""
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


def overwritten(source: Path, target: Path, *, seed: int, runs: int, run_length: int) -> Path:
    """A copy of ``source`` with ``runs`` runs of random bytes written over its middle third (bit rot)."""
    data = bytearray(source.read_bytes())
    rng = random.Random(seed)
    start, stop = len(data) // 3, 2 * len(data) // 3
    for offset in range(start, stop, (stop - start) // runs):
        data[offset : offset + run_length] = rng.randbytes(run_length)
    target.write_bytes(bytes(data))
    return target


def wait_until(condition: Callable[[], bool], timeout: float = 60.0, what: str = "condition") -> None:
    """Poll ``condition`` until it holds; fail naming ``what`` if it does not within a generous ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.01)


def reader_threads() -> list[threading.Thread]:
    """The reader threads of every source alive in this process (they are named after their source)."""
    return [thread for thread in threading.enumerate() if thread.name.startswith("video-source ")]
