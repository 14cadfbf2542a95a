"""Transparency reports and draft FOI answers in the browser, for the disclosure officer.

The report page lays out the same blocks as the Markdown and PDF files (one layout, three renderers), with
every audit citation a link to the entries behind it; the PDF and CSV are downloads of the same figures.
Draft answers for a logged request are computed as of its received date; the officer marks each one and
edits its text before exporting, and the export is recorded in the audit log with what was edited.
"""

from __future__ import annotations

import base64
from datetime import date
from enum import StrEnum
from typing import Annotated, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from watchkeeper.errors import InputError
from watchkeeper.governance.roles import Permission
from watchkeeper.reports.figures import Period
from watchkeeper.reports.foi_answers import AnswerStatus
from watchkeeper.reports.layout import Chart, Heading, Paragraph, Table, report_blocks
from watchkeeper.reports.questions import Question, parse_questions, read_questions
from watchkeeper.reports.service import (
    AnswerEdit,
    AnswerScope,
    CitedEntry,
    ExportFormat,
    cited_in_answers,
    cited_in_report,
    export_answers,
    foi_answers,
    report_pdf,
    transparency_report,
)
from watchkeeper.reports.spreadsheet import report_csv
from watchkeeper.server.inputs import RecordNumber
from watchkeeper.web.audit_details import described
from watchkeeper.web.pages import FormSession, Session, Web, WebRoute, WebState, render
from watchkeeper.web.sessions import WebSession

router = APIRouter(route_class=WebRoute, include_in_schema=False)

Day = Annotated[date | None, Query()]
Choice = TypeVar("Choice", bound=StrEnum)
QUESTIONS_LIMIT = 100_000
"""Characters of a questions file typed into the page (the shipped file is under 6,000)."""


@router.get("/reports")
async def reports_page(
    request: Request, session: Session, web: Web, first: Day = None, last: Day = None, as_of: Day = None
) -> Response:
    """The form for a period and an as-of day, and (once asked) the report itself."""
    actor = session.signed_in.actor
    actor.require(Permission.PRODUCE_REPORTS)
    today = web.server.gov.clock.now().date()
    period = Period(first or date(today.year, 1, 1), last or today)
    asked = first is not None or last is not None or as_of is not None
    built = await run_in_threadpool(transparency_report, web.server.gov, actor, period, (), as_of) if asked else None
    return render(
        request,
        session,
        "reports.html",
        period=period,
        as_of=as_of,
        report=built,
        blocks=[_block(b) for b in report_blocks(built)] if built else [],
        query=str(request.url.query),
    )


@router.get("/reports/report.pdf")
async def report_pdf_download(
    session: Session, web: Web, first: Annotated[date, Query()], last: Annotated[date, Query()], as_of: Day = None
) -> Response:
    built = await run_in_threadpool(
        transparency_report, web.server.gov, session.signed_in.actor, Period(first, last), (), as_of
    )
    document = await run_in_threadpool(report_pdf, built)
    return _download(document, "application/pdf", f"transparency-report-{first}-{last}.pdf")


@router.get("/reports/report.csv")
async def report_csv_download(
    session: Session, web: Web, first: Annotated[date, Query()], last: Annotated[date, Query()], as_of: Day = None
) -> Response:
    built = await run_in_threadpool(
        transparency_report, web.server.gov, session.signed_in.actor, Period(first, last), (), as_of
    )
    return _download(report_csv(built).encode("utf-8"), "text/csv", f"transparency-report-{first}-{last}.csv")


@router.get("/reports/entries/{sequence}")
async def report_entry(
    request: Request,
    session: Session,
    web: Web,
    sequence: RecordNumber,
    first: Annotated[date, Query()],
    last: Annotated[date, Query()],
    as_of: Day = None,
) -> Response:
    """An audit entry a figure of this report rests on, for a disclosure officer who does not read the log."""
    cited = await run_in_threadpool(
        cited_in_report, web.server.gov, session.signed_in.actor, Period(first, last), as_of, sequence
    )
    return _cited(request, session, cited, "the report", f"/reports?{request.url.query}")


@router.get("/foi/{reference}/answers/entries/{sequence}")
async def answer_entry(
    request: Request, session: Session, web: Web, reference: str, sequence: RecordNumber, as_of: Day = None
) -> Response:
    cited = await run_in_threadpool(
        cited_in_answers, web.server.gov, session.signed_in.actor, AnswerScope(request=reference, as_of=as_of), sequence
    )
    back = f"/foi/{quote(reference, safe='')}/answers" + (f"?as_of={as_of.isoformat()}" if as_of else "")
    return _cited(request, session, cited, f"the draft answers to {reference}", back)


def _cited(request: Request, session: WebSession, cited: CitedEntry, what: str, back: str) -> Response:
    details = described(cited.entry) if cited.entry else None
    return render(request, session, "cited_entry.html", cited=cited, details=details, what=what, back=back)


@router.get("/foi/{reference}/answers")
async def answers_page(request: Request, session: Session, web: Web, reference: str, as_of: Day = None) -> Response:
    """Draft answers to the shipped questions for a logged request, as of its received date (or a day the
    officer gives), each with its status, its text to edit and the audit entries behind it."""
    return await _answers(request, session, web, reference, as_of, "")


@router.post("/foi/{reference}/answers")
async def answers_to_own_questions(
    request: Request,
    session: FormSession,
    web: Web,
    reference: str,
    questions: Annotated[str, Form(max_length=QUESTIONS_LIMIT)],
    as_of: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """The same for the request's own questions, typed or pasted as a questions file
    (``docs/foi-questions.md``): products and vendors it names, meetings, plans."""
    return await _answers(request, session, web, reference, _day_field(as_of), questions)


async def _answers(
    request: Request, session: WebSession, web: WebState, reference: str, as_of: date | None, questions: str
) -> Response:
    asked = _questions(questions)
    scope = AnswerScope(request=reference, as_of=as_of)
    answers = await run_in_threadpool(foi_answers, web.server.gov, session.signed_in.actor, asked, scope)
    return render(
        request,
        session,
        "foi_answers.html",
        reference=reference,
        answers=answers,
        as_of=answers[0].as_of if answers else as_of,
        statuses=[s.value for s in AnswerStatus],
        questions=questions,
    )


def _questions(text: str) -> list[Question]:
    """The questions typed into the page, or the shipped ones when none were."""
    return parse_questions(text, "questions") if text.strip() else read_questions()


@router.post("/foi/{reference}/answers/export")
async def export(request: Request, session: FormSession, web: Web, reference: str) -> Response:
    """The answers as edited on the page (``status:ID`` and ``text:ID`` for each question), as a PDF or CSV
    download; as of the day the page was drawn for."""
    form = await request.form()
    fields = {key: str(value) for key, value in form.multi_items()}
    export_format = _choice(ExportFormat, fields.get("format", ExportFormat.PDF.value), "format")
    as_of = _day_field(fields.get("as_of", ""))
    asked = _questions(fields.get("questions", ""))
    edits = {
        question: AnswerEdit(_choice(AnswerStatus, fields.get(f"status:{question}", ""), f"status of {question}"), text)
        for key, text in fields.items()
        if key.startswith("text:") and (question := key.removeprefix("text:"))
    }
    content = await run_in_threadpool(
        export_answers,
        web.server.gov,
        session.signed_in.actor,
        asked,
        AnswerScope(request=reference, as_of=as_of),
        edits,
        export_format,
    )
    media_type = "application/pdf" if export_format is ExportFormat.PDF else "text/csv"
    return _download(content, media_type, f"foi-answers-{reference}.{export_format.value}")


def _choice(kind: type[Choice], value: str, field: str) -> Choice:
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise InputError(field, f"{value!r} is not one of {known}") from None


def _day_field(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value.strip() else None
    except ValueError:
        raise InputError("as_of", f"{value!r} is not a day (YYYY-MM-DD)") from None


def _download(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _block(block: Heading | Paragraph | Table | Chart) -> dict[str, object]:
    """A layout block as the template draws it: a chart as an image the page carries itself, a table's
    audit citations as links to the entries."""
    if isinstance(block, Chart):
        png = base64.b64encode(block.png).decode()
        return {"kind": "chart", "title": block.title, "src": f"data:image/png;base64,{png}"}
    if isinstance(block, Heading):
        return {"kind": "heading", "text": block.text, "level": min(block.level + 1, 4)}
    if isinstance(block, Paragraph):
        return {"kind": "paragraph", "text": block.text}
    audit = block.columns.index("audit") if "audit" in block.columns else None
    rows = [[audit_links(cell) if column == audit else cell for column, cell in enumerate(row)] for row in block.rows]
    return {"kind": "table", "columns": block.columns, "rows": rows}


def audit_links(cited: str) -> list[tuple[int, int]]:
    """``3-5, 9`` (as :func:`~watchkeeper.reports.layout.cite` writes sequences) as the first and last entry
    of each run: ``[(3, 5), (9, 9)]``."""
    runs = []
    for part in cited.split(", "):
        first, _, last = part.partition("-")
        if first.isdigit():
            runs.append((int(first), int(last or first)))
    return runs
