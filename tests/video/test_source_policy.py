"""Which sources a request may name: streams and cameras, and files only inside the configured directories."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchkeeper.video.source_policy import SourceNotAllowedError, check_requested_source


@pytest.fixture
def videos(tmp_path: Path) -> Path:
    folder = tmp_path / "videos"
    folder.mkdir()
    (folder / "clip.mp4").write_bytes(b"not really a video: the policy does not open files")
    return folder


def test_streams_cameras_and_files_in_the_video_directories_are_allowed(videos: Path) -> None:
    for location in ("rtsp://camera.local/stream", "HTTPS://camera.local/feed.mjpg", "/dev/video0"):
        check_requested_source(location, ())
    check_requested_source(str(videos / "clip.mp4"), (videos,))
    check_requested_source(str(videos / "sub" / ".." / "clip.mp4"), (videos,))


@pytest.mark.parametrize(
    "location",
    [
        "/etc/hostname",  # a file outside the video directories
        "{videos}/../videos/missing.mp4",  # no such file
        "{videos}/../outside.mp4",  # inside by its text, outside once resolved
        "{videos}/link.mp4",  # a link from inside to outside
        "{videos}",  # a directory, not a file
        "concat:{videos}/clip.mp4|/etc/hostname",  # FFmpeg protocols reach other files
        "file:{videos}/clip.mp4",
        "subfile:,start,0,end,0,:/etc/hostname",
        "/dev/../etc/hostname",  # not a device once resolved
    ],
)
def test_anything_else_is_refused(videos: Path, location: str) -> None:
    (videos.parent / "outside.mp4").write_bytes(b"x")
    (videos / "link.mp4").symlink_to(videos.parent / "outside.mp4")
    with pytest.raises(SourceNotAllowedError):
        check_requested_source(location.format(videos=videos), (videos,))


def test_without_video_directories_no_file_may_be_named(videos: Path) -> None:
    with pytest.raises(SourceNotAllowedError, match="none configured") as refused:
        check_requested_source(str(videos / "clip.mp4"), ())
    assert refused.value.code == "source_not_allowed"


@pytest.mark.parametrize(
    "location",
    [
        "rtsp://viewer:secret@camera.local:554/cam/realmonitor?channel=1&subtype=0",  # the camera's own query
        "rtsp://camera.local/stream?tcp",
        "rtsps://[2001:db8::7]:322/stream",
        "http://camera.local/video.cgi?resolution=640x480&listen=1",  # the query is the camera's, not FFmpeg's
        "https://camera.local/feed.mjpg",
        "tcp://camera.local:5000",
        "tcp://192.0.2.7:5000?timeout=5000000&tcp_nodelay=1",
        "udp://239.1.2.3:5000",  # a multicast group: FFmpeg joins it and binds the group address
        "udp://[ff15::7]:5000?sources=192.0.2.7&fifo_size=100000&overrun_nonfatal=1",
    ],
)
def test_streams_the_server_connects_to_are_allowed(location: str) -> None:
    check_requested_source(location, ())


@pytest.mark.parametrize(
    "location",
    [
        "tcp://0.0.0.0:5000?listen=1",  # the example: listens on every interface
        "tcp://127.0.0.1:5000?listen",
        "tcp://127.0.0.1:5000?listen=2",  # many clients
        "tcp://127.0.0.1:5000?%6Cisten=1",  # FFmpeg decodes the key
        "tcp://127.0.0.1:5000#?listen=1",  # a "#" starts no fragment for FFmpeg
        "tcp://127.0.0.1:5000?timeout=1&listen",
        "tcp://127.0.0.1:5000?listen_timeout=1000",
        "tcp://127.0.0.1:5000?local_port=6000",
        "tcp://127.0.0.1:5000?local_addr=192.0.2.2",
        "tcp://0.0.0.0:5000",  # a wildcard host
        "tcp://0:5000",  # the C library reads "0" as 0.0.0.0
        "tcp://[::]:5000",
        "tcp://:5000",  # no host
        "tcp://anyone@0.0.0.0:5000",  # the host after the credentials
        "udp://@:5000",  # binds every interface
        "udp://0.0.0.0:5000",
        "udp://127.0.0.1:5000",  # reading unicast UDP binds that address: anyone may send to it
        "udp://camera.local:5000",
        "udp://239.1.2.3:5000?localport=6000",
        "udp://239.1.2.3:5000?localaddr=192.0.2.2",
        "udp://239.1.2.3:5000?reuse=1",
        "rtsp://camera.local/stream?udp",  # RTP over UDP: local ports bound for the media
        "rtsp://camera.local/stream?channel=1&multicast",
        "rtsp:///stream",
        "http://0.0.0.0:8080/feed",
        "rtsp://camera.local/stream\r\nSETUP rtsp://elsewhere/ RTSP/1.0",  # a second request in the URL
        "http://camera.local/a feed",
        "rtmp://0.0.0.0:1935/live?listen=1",  # not one of the client-side protocols
        "rtmp://camera.local/live",
        "srt://0.0.0.0:9000?mode=listener",
        "srt://camera.local:9000",
        "tls://camera.local:443?cert_file=/etc/hostname",
    ],
)
def test_listening_or_binding_streams_are_refused(location: str) -> None:
    with pytest.raises(SourceNotAllowedError) as refused:
        check_requested_source(location, ())
    assert refused.value.code == "source_not_allowed"
    assert refused.value.source == location
