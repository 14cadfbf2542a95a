"""Search through recorded footage: the segments where the probe person appears, and nothing else kept."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from tests.live.deploying import CLIP
from watchkeeper.governance import audit_access, users
from watchkeeper.governance.context import Governance
from watchkeeper.governance.footage import FootageRequest
from watchkeeper.governance.roles import Role
from watchkeeper.governance.schema import FootageSegment, Search
from watchkeeper.live.footage import search_footage
from watchkeeper.video.sources import VideoSource


def search(gov: Governance, faces_dir: Path, probe: str) -> object:
    admin = users.resolve_actor(gov, users.add_user(gov, None, "ada", Role.ADMIN, "first").name)
    analyst = users.resolve_actor(gov, users.add_user(gov, admin, "ann", Role.ANALYST, "case team").name)
    request = FootageRequest(CLIP, Path(probe).name, (faces_dir / probe).read_bytes(), "OP-7", "trace a witness")
    with VideoSource(faces_dir / CLIP) as source:
        return search_footage(gov, analyst, request, source.frames())


def test_probe_person_is_found_in_the_footage(live_gov: Governance, faces_dir: Path) -> None:
    outcome = search(live_gov, faces_dir, "examples/lin-manuel-miranda.png")
    segments = outcome.segments  # type: ignore[attr-defined]
    assert segments, "Lin-Manuel Miranda appears in the clip"
    best = segments[0]
    assert best.distance <= 0.6
    # The close-up of him runs from about 2.8 s to about 7 s of the 9.2 s clip.
    assert best.start_seconds < 4.0 < best.end_seconds
    assert best.end_seconds - best.start_seconds > 2.0
    with live_gov.sessions() as session:
        stored = session.scalars(select(Search)).one()
        assert (stored.footage, stored.case_reference, stored.probe_descriptor) == (CLIP, "OP-7", None)
        thumbnails = session.scalars(select(FootageSegment.thumbnail)).all()
        assert len(thumbnails) == len(segments)
        assert all(t.startswith(b"\xff\xd8") for t in thumbnails)  # JPEG


def test_someone_not_in_the_footage_gives_no_segment(live_gov: Governance, faces_dir: Path) -> None:
    outcome = search(live_gov, faces_dir, "examples/obama.jpg")
    assert outcome.segments == ()  # type: ignore[attr-defined]
    with live_gov.sessions() as session:
        assert session.scalar(select(func.count()).select_from(FootageSegment)) == 0
        assert session.scalar(select(func.count()).select_from(Search)) == 1  # the search itself is on record


def test_credentials_in_a_footage_url_never_reach_the_record(live_gov: Governance, faces_dir: Path) -> None:
    """The auditor reads the audit log; a stream's password typed into a footage search must not be there."""
    admin = users.resolve_actor(live_gov, users.add_user(live_gov, None, "ada", Role.ADMIN, "first").name)
    analyst = users.resolve_actor(live_gov, users.add_user(live_gov, admin, "ann", Role.ANALYST, "case team").name)
    probe = "examples/obama.jpg"
    footage = "rtsp://viewer:s3cret@192.0.2.1/recordings/7?token=abc123&start=0"
    request = FootageRequest(footage, Path(probe).name, (faces_dir / probe).read_bytes(), "OP-7", "trace a witness")
    outcome = search_footage(live_gov, analyst, request, [])
    recorded = "rtsp://192.0.2.1/recordings/7?token=***&start=0"
    assert outcome.footage == recorded
    with live_gov.sessions() as session:
        assert session.scalars(select(Search.footage)).one() == recorded
    auditor = users.resolve_actor(live_gov, users.add_user(live_gov, admin, "aud", Role.AUDITOR, "audit").name)
    entries = [entry for _, entry in audit_access.entries(live_gov, auditor, 0, 1000) if entry is not None]
    (searched,) = [entry for entry in entries if entry.action == "search.footage"]
    assert searched.target == f"footage:{recorded}/search:{outcome.search_id}"
    assert not any(b"s3cret" in e.canonical_bytes() or b"abc123" in e.canonical_bytes() for e in entries)
