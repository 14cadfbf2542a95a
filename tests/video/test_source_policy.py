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
