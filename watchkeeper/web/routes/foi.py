"""The log of Freedom of Information requests: logging one as received, completing one that lacked the
requester's name or address, and logging the answer with the sections of the Act it relied on. Requests
past their due date are shown as overdue, so none is answered late unnoticed."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from watchkeeper.governance import foi
from watchkeeper.governance.foi import FoiRecord
from watchkeeper.governance.vocabulary import FoiProvision, FoiStatus
from watchkeeper.web.pages import FormSession, Session, Text, Web, WebRoute, done, render

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE = "/foi"
Reference = Annotated[str, Form(min_length=1, max_length=100)]
Day = Annotated[date, Form()]
SECTION_SEPARATORS = re.compile(r"[,;]")
NOT_YET_VALID = "its time runs once the requester gives a name and an address"
LATENESS = {True: "late", False: "in time", None: "never valid, so never due"}


@router.get(PAGE)
def foi_page(request: Request, session: Session, web: Web) -> Response:
    gov = web.server.gov
    requests = foi.list_requests(gov, session.signed_in.actor)
    today = gov.clock.now().date()
    return render(
        request,
        session,
        "foi.html",
        requests=requests,
        overdue={record.reference for record in requests if overdue(record, today)},
        awaiting=[record for record in requests if record.status is FoiStatus.AWAITING_DETAILS],
        unanswered=[record for record in requests if record.status is FoiStatus.OPEN],
        provisions=list(FoiProvision),
        today=today,
    )


def overdue(record: FoiRecord, today: date) -> bool:
    """Valid, unanswered and past its due date: answering on the due date itself is still in time."""
    return record.status is FoiStatus.OPEN and record.due_on is not None and record.due_on < today


@router.post(f"{PAGE}/requests")
def receive_request(
    session: FormSession,
    web: Web,
    reference: Reference,
    received_on: Day,
    summary: Text,
    requester_named: Annotated[bool, Form()] = False,
    requester_address_given: Annotated[bool, Form()] = False,
) -> Response:
    record = foi.receive_request(
        web.server.gov,
        session.signed_in.actor,
        reference=reference,
        received_on=received_on,
        summary=summary.strip(),
        requester_named=requester_named,
        requester_address_given=requester_address_given,
    )
    due = f"the answer is due on {record.due_on}" if record.due_on else NOT_YET_VALID
    return done(session, PAGE, f"{record.reference} logged; {due}.")


@router.post(f"{PAGE}/completions")
def complete_request(session: FormSession, web: Web, reference: Reference, completed_on: Day) -> Response:
    record = foi.complete_request(web.server.gov, session.signed_in.actor, reference, completed_on)
    return done(session, PAGE, f"{record.reference} is valid from {record.valid_from}; due on {record.due_on}.")


@router.post(f"{PAGE}/answers")
def answer_request(
    session: FormSession,
    web: Web,
    reference: Reference,
    answered_on: Day,
    response: Annotated[str, Form(min_length=1, max_length=20_000)],
    provisions: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The sections are typed as the answer letter cites them (``s24(2), s31(3)``)."""
    sections = [part for part in SECTION_SEPARATORS.split(provisions) if part.strip()]
    record = foi.answer_request(
        web.server.gov,
        session.signed_in.actor,
        reference=reference,
        answered_on=answered_on,
        response=response.strip(),
        provisions=foi.parse_provisions(sections),
    )
    return done(session, PAGE, f"Answer to {record.reference} logged ({LATENESS[record.late]}).")
