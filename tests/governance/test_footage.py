"""Footage searches on record: the search, its ranked segments with thumbnails and its audit entry, together."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from watchkeeper.governance import audit_access
from watchkeeper.governance.context import Governance
from watchkeeper.governance.footage import FootageRequest, FoundSegment, record_footage_search
from watchkeeper.governance.roles import Actor, PermissionDeniedError, Role
from watchkeeper.governance.schema import FootageSegment, Search

FACE = np.full((150, 150, 3), 128, dtype=np.uint8)


def request(footage: str = "cctv/7.mp4") -> FootageRequest:
    return FootageRequest(footage, "probe.jpg", b"probe bytes", "OP-7", "trace a witness")


def test_the_search_its_segments_and_its_entry_are_recorded_together(
    gov: Governance, people: dict[Role, Actor]
) -> None:
    found = [FoundSegment(2.8, 7.1, 0.41, FACE), FoundSegment(8.0, 8.9, 0.55, FACE)]
    search_id = record_footage_search(
        gov, people[Role.ANALYST], request("rtsp://u:s3cret@192.0.2.1/r"), found, frames_processed=90, faces_seen=40
    )
    with gov.sessions() as session:
        search = session.get_one(Search, search_id)
        assert (search.footage, search.k, search.performed_by) == ("rtsp://192.0.2.1/r", 2, "ann")
        rows = session.scalars(select(FootageSegment).order_by(FootageSegment.rank)).all()
        assert [(r.rank, r.start_seconds, r.end_seconds, r.distance) for r in rows] == [
            (1, 2.8, 7.1, 0.41),
            (2, 8.0, 8.9, 0.55),
        ]
        assert all(r.thumbnail.startswith(b"\xff\xd8") for r in rows)  # JPEG
    entry = audit_access.entries(gov, people[Role.AUDITOR], gov.audit.size() - 1, 1)[0][1]
    assert entry is not None
    assert (entry.action, entry.target) == ("search.footage", f"footage:rtsp://192.0.2.1/r/search:{search_id}")
    assert entry.details["segments"] == [[2.8, 7.1], [8.0, 8.9]]
    assert (entry.details["frames_processed"], entry.details["faces_seen"]) == (90, 40)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.AUDITOR])
def test_a_role_that_may_not_search_records_nothing(gov: Governance, people: dict[Role, Actor], role: Role) -> None:
    entries = gov.audit.size()
    with pytest.raises(PermissionDeniedError, match="may not search"):
        record_footage_search(
            gov, people[role], request(), [FoundSegment(1.0, 2.0, 0.4, FACE)], frames_processed=1, faces_seen=1
        )
    with gov.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Search)) == 0
        assert session.scalar(select(func.count()).select_from(FootageSegment)) == 0
    assert gov.audit.size() == entries
