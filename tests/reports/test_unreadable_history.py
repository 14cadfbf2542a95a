"""A report over an audit entry that is not a recorded act (a detail key renamed by a writer, or missing) stops
with an error naming the entry and the key; it never prints the figure as 0."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from watchkeeper.governance.audit.errors import EventError
from watchkeeper.governance.audit.events import AuditEvent
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.reports.figures import Period
from watchkeeper.reports.questions import read_questions
from watchkeeper.reports.service import AnswerScope, foi_answers, transparency_report


@dataclass(frozen=True, kw_only=True)
class FootageWithRenamedCount(AuditEvent):
    """A footage search as a writer would record it after renaming ``frames_processed`` to ``frames``: the
    reports before typed events printed its frames processed as 0."""

    ACTION = "search.footage"
    TARGET = "footage:{footage}/search:{search}"
    footage: str
    search: int
    case_reference: str
    purpose: str
    probe: str
    probe_sha256: str
    segments: tuple[tuple[float, float], ...]
    frames: int
    faces_seen: int


@dataclass(frozen=True, kw_only=True)
class StopWithoutFaces(AuditEvent):
    ACTION = "deployment.stop"
    TARGET = "deployment:{deployment}/camera:{camera}"
    deployment: str
    camera: str
    frames_processed: int
    tracks: int
    frames_dropped: int
    corrupt_skipped: int


@pytest.mark.parametrize(
    ("event", "act"),
    [
        (FootageWithRenamedCount(footage="x.mp4", search=1, case_reference="C-1", purpose="robbery", probe="p.jpg",
                                 probe_sha256="00", segments=(), frames=900, faces_seen=40),
         r"search\.footage\): details have unexpected keys \['frames'\]"),
        (StopWithoutFaces(deployment="foyer", camera="cam-1", frames_processed=5400, tracks=300, frames_dropped=0,
                          corrupt_skipped=0), r"deployment\.stop\): details have no 'faces_seen'"),
    ],
)  # fmt: skip
def test_a_renamed_or_missing_detail_key_is_an_error_of_the_report_not_a_zero(
    gov: Governance, people: dict[Role, Actor], event: AuditEvent, act: str
) -> None:
    with transaction(gov.sessions) as session:
        recorded = gov.audit.append(session, people[Role.OPERATOR], event, "")
    disclosure = Actor("dee", Role.DISCLOSURE)
    year = recorded.timestamp.year
    expected = rf"audit entry {recorded.sequence} \({act}"
    with pytest.raises(EventError, match=expected):
        transparency_report(gov, disclosure, Period.year(year))
    with pytest.raises(EventError, match=expected):
        foi_answers(gov, disclosure, read_questions(), AnswerScope(years=(year,)))
