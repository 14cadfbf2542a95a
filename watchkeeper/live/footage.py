"""Retrospective search through recorded footage: where in a video does the probe person appear?

The video runs through the same pipeline as a live deployment, with one difference: the only face it is
matched against is the probe's, and tracks are matched when they end, so each match spans a whole
appearance. Appearances close in time are merged into segments. Like any retrospective search it needs a
case reference and a reason, is recorded and audited, and keeps nothing of the other faces in the video:
only the segments, each with a thumbnail of the face that matched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from watchkeeper.face import DEFAULT_MATCH_THRESHOLD, similarity_from_distance
from watchkeeper.face.images import encode_jpeg
from watchkeeper.governance.cameras import without_credentials
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import FootageSegment, Search
from watchkeeper.governance.search import SearchPurpose, probe_descriptor, require_case
from watchkeeper.live.pipeline import LivePipeline, Match, PipelineOptions
from watchkeeper.matching import LabelledIndex
from watchkeeper.video.frames import Frame

MERGE_GAP_SECONDS = 1.0
"""Appearances of the probe person closer than this are one segment (a turned head, a missed detection)."""


@dataclass(frozen=True, slots=True)
class FootageRequest:
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


@dataclass(frozen=True, slots=True)
class Segment:
    """A span of the video where the probe person appears, best match first in the ranking."""

    rank: int
    start_seconds: float
    end_seconds: float
    distance: float
    similarity: float


@dataclass(frozen=True, slots=True)
class FootageOutcome:
    search_id: int
    footage: str
    case_reference: str
    threshold: float
    segments: tuple[Segment, ...]


def search_footage(
    gov: Governance,
    actor: Actor,
    request: FootageRequest,
    frames: Iterable[Frame],
    options: PipelineOptions | None = None,
) -> FootageOutcome:
    """Find the probe's chosen face in ``frames``; the segments are recorded with the search and audited."""
    actor.require(Permission.SEARCH)
    probe = probe_descriptor(gov.video_engine, request.probe_name, request.probe, request.face_index)
    targets = LabelledIndex.of(np.zeros(1, dtype=np.int64), probe[None, :], {0: "probe"})
    pipeline = LivePipeline(
        gov.video_engine, targets, request.threshold, replace(options or PipelineOptions(), evaluate_after=None)
    )
    matches: list[Match] = []
    for frame in frames:
        matches.extend(pipeline.process(frame))
    matches.extend(pipeline.finish())
    merged = _merge(matches)
    footage = without_credentials(request.footage_name)  # the auditor reads the record; no stream password
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
            k=len(merged),
            threshold=request.threshold,
            segments=[
                FootageSegment(
                    rank=rank,
                    start_seconds=start,
                    end_seconds=end,
                    distance=best.distance,
                    similarity=similarity_from_distance(best.distance),
                    thumbnail=encode_jpeg(best.chip),
                )
                for rank, (start, end, best) in enumerate(merged, start=1)
            ],
        )
        session.add(search)
        session.flush()
        gov.audit.append(
            session,
            actor,
            "search.footage",
            f"footage:{footage}/search:{search.id}",
            request.reason,
            {
                "case_reference": request.case_reference,
                "purpose": request.purpose.value,
                "probe": request.probe_name,
                "probe_sha256": search.probe_sha256,
                "segments": [[round(start, 2), round(end, 2)] for start, end, _ in merged],
                "frames_processed": pipeline.counts.frames_processed,
                "faces_seen": pipeline.counts.faces_seen,
            },
        )
        search_id = search.id
    segments = tuple(
        Segment(rank, start, end, best.distance, similarity_from_distance(best.distance))
        for rank, (start, end, best) in enumerate(merged, start=1)
    )
    return FootageOutcome(search_id, footage, request.case_reference, request.threshold, segments)


def _merge(matches: list[Match]) -> list[tuple[float, float, Match]]:
    """Spans of matched tracks joined when closer than :data:`MERGE_GAP_SECONDS`, ranked by best distance."""
    spans: list[tuple[float, float, Match]] = []
    for match in sorted(matches, key=lambda m: m.first_seconds):
        if spans and match.first_seconds - spans[-1][1] <= MERGE_GAP_SECONDS:
            start, end, best = spans[-1]
            spans[-1] = (start, max(end, match.last_seconds), match if match.distance < best.distance else best)
        else:
            spans.append((match.first_seconds, match.last_seconds, match))
    return sorted(spans, key=lambda span: span[2].distance)
