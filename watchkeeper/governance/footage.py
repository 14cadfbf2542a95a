"""Footage searches on record: what was searched for, why, and the segments found, with their thumbnails.

Finding the segments is the live pipeline's work (:mod:`watchkeeper.live.footage`); storing them is this
module's, because each segment keeps a face thumbnail and only the governance layer writes biometric
data. The search, its segments and its audit entry are written in one transaction: all on record or none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from watchkeeper.face import DEFAULT_MATCH_THRESHOLD, similarity_from_distance
from watchkeeper.face.images import encode_jpeg
from watchkeeper.governance.audit.events import FootageSearched
from watchkeeper.governance.cameras import without_credentials
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import FootageSegment, Search
from watchkeeper.governance.search import SearchPurpose, require_case
from watchkeeper.types import RGBImage


@dataclass(frozen=True, slots=True)
class FootageRequest:
    """What an analyst asks: which footage, which probe face, for which case and why."""

    footage_name: str
    probe_name: str
    probe: bytes
    case_reference: str
    reason: str
    face_index: int | None = None
    threshold: float = DEFAULT_MATCH_THRESHOLD
    purpose: SearchPurpose = SearchPurpose.NOT_STATED

    def __post_init__(self) -> None:
        require_case(self.case_reference, self.reason)

    @property
    def recorded_footage(self) -> str:
        """The footage as the record names it: a stream URL without its credentials (the auditor reads the
        record, never a stream's password)."""
        return without_credentials(self.footage_name)


@dataclass(frozen=True, slots=True, eq=False)
class FoundSegment:
    """A span of the footage where the probe person appears, and the face that matched best in it."""

    start_seconds: float
    end_seconds: float
    distance: float
    face: RGBImage
    """The best-matching aligned chip, kept as the segment's thumbnail for the reviewer."""


def record_footage_search(
    gov: Governance,
    actor: Actor,
    request: FootageRequest,
    segments: Sequence[FoundSegment],
    *,
    frames_processed: int,
    faces_seen: int,
) -> int:
    """Record the search of ``request`` with its ``segments`` (best first: their order is their rank) and
    audit it, in one transaction; returns the search's id. Only counts of the other faces are recorded."""
    actor.require(Permission.SEARCH)
    footage = request.recorded_footage
    with transaction(gov.sessions) as session:
        search = Search(
            gallery_id=None,
            gallery_name="",
            footage=footage,
            case_reference=request.case_reference,
            reason=request.reason,
            performed_by=actor.name,
            performed_at=gov.clock.now(),
            probe_name=request.probe_name,
            probe_sha256=hashlib.sha256(request.probe).hexdigest(),
            k=len(segments),
            threshold=request.threshold,
            segments=[
                FootageSegment(
                    rank=rank,
                    start_seconds=segment.start_seconds,
                    end_seconds=segment.end_seconds,
                    distance=segment.distance,
                    similarity=similarity_from_distance(segment.distance),
                    thumbnail=encode_jpeg(segment.face),
                )
                for rank, segment in enumerate(segments, start=1)
            ],
        )
        session.add(search)
        session.flush()
        searched = FootageSearched(
            footage=footage,
            search=search.id,
            case_reference=request.case_reference,
            purpose=request.purpose.value,
            probe=request.probe_name,
            probe_sha256=search.probe_sha256,
            segments=tuple((round(s.start_seconds, 2), round(s.end_seconds, 2)) for s in segments),
            frames_processed=frames_processed,
            faces_seen=faces_seen,
        )
        gov.audit.append(session, actor, searched, request.reason)
        return search.id
