"""Transparency reports and draft FOI answers, computed from the records (each production is audited)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from watchkeeper.api.auth import CurrentActor, State
from watchkeeper.reports.figures import Period
from watchkeeper.reports.questions import read_questions
from watchkeeper.reports.service import AnswerScope, foi_answers, report_pdf, transparency_report
from watchkeeper.serialise import plain

router = APIRouter(tags=["reports"])

First = Annotated[date | None, Query(description="First day [default: 1 January of this year].")]
Last = Annotated[date | None, Query(description="Last day [default: today].")]
At = Annotated[list[date] | None, Query(description="Count galleries and watchlists at the end of these days.")]
AsOf = Annotated[date | None, Query(description="Figures as they stood at the end of this day.")]


def _period(first: date | None, last: date | None) -> Period:
    today = datetime.now(UTC).date()
    return Period(first or date(today.year, 1, 1), last or today)


@router.get("/reports")
async def report(
    actor: CurrentActor,
    state: State,
    first: First = None,
    last: Last = None,
    at: At = None,
    as_of: AsOf = None,
) -> Any:
    """Every figure of the period as of a day, with the audit entries it came from (the command line's
    ``report --json`` shape, under ``report``)."""
    built = await run_in_threadpool(transparency_report, state.gov, actor, _period(first, last), tuple(at or ()), as_of)
    return {"report": plain(asdict(built))}


@router.get(
    "/reports/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The report as a PDF document."}},
)
async def report_as_pdf(actor: CurrentActor, state: State, first: First = None, last: Last = None) -> Response:
    built = await run_in_threadpool(transparency_report, state.gov, actor, _period(first, last))
    document = await run_in_threadpool(report_pdf, built)
    name = f"transparency-report-{built.period.first.isoformat()}-{built.period.last.isoformat()}.pdf"
    return Response(
        document, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/reports/foi-answers")
async def draft_foi_answers(
    actor: CurrentActor,
    state: State,
    year: Annotated[
        list[Annotated[int, Field(ge=2000, le=2100)]] | None, Query(description="Calendar years to answer for.")
    ] = None,
    request: Annotated[
        str | None, Query(max_length=100, description="A logged request: answers as of its received date.")
    ] = None,
    as_of: AsOf = None,
) -> Any:
    """Draft answers to the shipped standard FOI questions as of a day (the request's received date, or
    ``as_of``, or today) for each year (default: the as-of day's year up to it), marking what the records
    cannot answer."""
    scope = AnswerScope(years=tuple(year or ()), as_of=as_of, request=request)
    answers = await run_in_threadpool(foi_answers, state.gov, actor, read_questions(), scope)
    return {"answers": plain([asdict(answer) for answer in answers])}
