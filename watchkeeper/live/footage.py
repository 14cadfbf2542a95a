"""Retrospective search through recorded footage: where in a video does the probe person appear?

The video runs through the same pipeline as a live deployment, with one difference: the only face it is
matched against is the probe's, and tracks are matched when they end, so each match spans a whole
appearance. Appearances close in time are merged into segments. Like any retrospective search it needs a
case reference and a reason, and is recorded and audited by the governance layer
(:func:`~watchkeeper.governance.footage.record_footage_search`), which keeps nothing of the other faces in
the video: only the segments, each with a thumbnail of the face that matched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

from watchkeeper.face import similarity_from_distance
from watchkeeper.governance.context import Governance
from watchkeeper.governance.footage import FootageRequest, FoundSegment, record_footage_search
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.search import probe_descriptor
from watchkeeper.live.pipeline import LivePipeline, Match, PipelineOptions
from watchkeeper.matching import LabelledIndex
from watchkeeper.video.frames import Frame

MERGE_GAP_SECONDS = 1.0
"""Appearances of the probe person closer than this are one segment (a turned head, a missed detection)."""


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
    """Find the probe's chosen face in ``frames`` with the core's video engine; the segments are recorded
    with the search and audited."""
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
    found = _merge(matches)
    search_id = record_footage_search(
        gov,
        actor,
        request,
        found,
        frames_processed=pipeline.counts.frames_processed,
        faces_seen=pipeline.counts.faces_seen,
    )
    segments = tuple(
        Segment(rank, s.start_seconds, s.end_seconds, s.distance, similarity_from_distance(s.distance))
        for rank, s in enumerate(found, start=1)
    )
    return FootageOutcome(search_id, request.recorded_footage, request.case_reference, request.threshold, segments)


def _merge(matches: list[Match]) -> list[FoundSegment]:
    """Spans of matched tracks joined when closer than :data:`MERGE_GAP_SECONDS`, each with its best match's
    distance and face, ranked by that distance."""
    spans: list[tuple[float, float, Match]] = []
    for match in sorted(matches, key=lambda m: m.first_seconds):
        if spans and match.first_seconds - spans[-1][1] <= MERGE_GAP_SECONDS:
            start, end, best = spans[-1]
            spans[-1] = (start, max(end, match.last_seconds), match if match.distance < best.distance else best)
        else:
            spans.append((match.first_seconds, match.last_seconds, match))
    segments = [FoundSegment(start, end, best.distance, best.chip) for start, end, best in spans]
    return sorted(segments, key=lambda segment: segment.distance)
