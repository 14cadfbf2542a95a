"""The log of Freedom of Information requests about the force's technology, from receipt to answer.

A request is valid only when it gives the requester's name and an address for correspondence (section 8 of
the Freedom of Information Act 2000); until then the clock does not run. Once valid, the answer is due on
the twentieth working day after the date of receipt (:func:`~watchkeeper.governance.workdays.foi_due_date`).
The answer is logged with the provisions applied, so a report can say how often, say, neither confirm nor
deny was used, and which requests were late.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from watchkeeper.errors import ErrorKind, InvalidArgumentError, WatchkeeperError
from watchkeeper.governance.audit.events import FoiAnswered, FoiCompleted, FoiReceived
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.records import record_from_row
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import FoiRequest
from watchkeeper.governance.vocabulary import FoiProvision, FoiStatus
from watchkeeper.governance.workdays import foi_due_date


class FoiError(WatchkeeperError):
    """A request that does not exist, already exists, or cannot take the change."""

    code = "foi_error"
    kind = ErrorKind.CONFLICT


@dataclass(frozen=True, slots=True, kw_only=True)
class FoiRecord:
    reference: str
    received_on: date
    summary: str
    requester_named: bool
    requester_address_given: bool
    valid_from: date | None
    due_on: date | None
    status: FoiStatus
    answered_on: date | None
    response: str | None
    provisions: tuple[FoiProvision, ...]
    audit_sequence: int
    answer_audit_sequence: int | None

    @property
    def late(self) -> bool | None:
        """Whether the answer came after its due date; None while unanswered or never valid."""
        if self.answered_on is None or self.due_on is None:
            return None
        return self.answered_on > self.due_on

    @property
    def neither_confirm_nor_deny(self) -> bool:
        return any(p.neither_confirm_nor_deny for p in self.provisions)


def parse_provisions(texts: list[str]) -> tuple[FoiProvision, ...]:
    """Provisions from their section numbers (``s24(2)``, ``24(2)``); ValueError naming the known ones."""
    provisions = []
    for text in texts:
        code = text.strip().lower().replace(" ", "")
        code = code if code.startswith("s") else f"s{code}"
        try:
            provisions.append(FoiProvision(code))
        except ValueError:
            known = ", ".join(p.value for p in FoiProvision)
            raise InvalidArgumentError(f"unknown FOI provision {text!r}; known: {known}") from None
    return tuple(dict.fromkeys(provisions))


def receive_request(
    gov: Governance,
    actor: Actor,
    *,
    reference: str,
    received_on: date,
    summary: str,
    requester_named: bool,
    requester_address_given: bool,
) -> FoiRecord:
    """Log a request as received; its due date is set only if it is valid (name and address given)."""
    actor.require(Permission.HANDLE_FOI_REQUESTS)
    reference = reference.strip()
    if not reference or len(reference) > 100:
        raise InvalidArgumentError(f"an FOI reference must be 1 to 100 characters, got {reference!r}")
    if not summary.strip():
        raise InvalidArgumentError("an FOI request needs a summary of what it asks")
    valid = requester_named and requester_address_given
    with transaction(gov.sessions) as session:
        if session.scalar(select(FoiRequest).where(FoiRequest.reference == reference)) is not None:
            raise FoiError(f"an FOI request {reference!r} is already logged")
        row = FoiRequest(
            reference=reference,
            received_on=received_on,
            summary=summary,
            requester_named=requester_named,
            requester_address_given=requester_address_given,
            valid_from=received_on if valid else None,
            due_on=foi_due_date(received_on) if valid else None,
            status=FoiStatus.OPEN if valid else FoiStatus.AWAITING_DETAILS,
            exemptions=(),
            recorded_by=actor.name,
            recorded_at=gov.clock.now(),
            audit_sequence=0,
        )
        session.add(row)
        received = FoiReceived(
            request=reference,
            received_on=received_on,
            summary=summary,
            requester_named=requester_named,
            requester_address_given=requester_address_given,
            due_on=row.due_on,
        )
        row.audit_sequence = gov.audit.append(
            session, actor, received, "request under the Freedom of Information Act 2000"
        ).sequence
        session.flush()
        return _record(row)


def complete_request(gov: Governance, actor: Actor, reference: str, completed_on: date) -> FoiRecord:
    """The requester supplied the missing name or address on ``completed_on``: the request becomes valid
    and its clock starts from that day."""
    actor.require(Permission.HANDLE_FOI_REQUESTS)
    with transaction(gov.sessions) as session:
        row = _request(session, reference)
        if row.status is not FoiStatus.AWAITING_DETAILS:
            raise FoiError(f"FOI request {reference!r} is already valid (due {row.due_on})")
        if completed_on < row.received_on:
            raise InvalidArgumentError("a request cannot be completed before it was received")
        row.requester_named = row.requester_address_given = True
        row.valid_from = completed_on
        row.due_on = foi_due_date(completed_on)
        row.status = FoiStatus.OPEN
        completed = FoiCompleted(request=reference, valid_from=completed_on, due_on=row.due_on)
        gov.audit.append(session, actor, completed, "requester's name and address received")
        return _record(row)


def answer_request(
    gov: Governance,
    actor: Actor,
    *,
    reference: str,
    answered_on: date,
    response: str,
    provisions: tuple[FoiProvision, ...],
) -> FoiRecord:
    """Log the answer sent and the provisions it relied on."""
    actor.require(Permission.HANDLE_FOI_REQUESTS)
    if not response.strip():
        raise InvalidArgumentError("an FOI answer needs the text (or a summary) of what was sent")
    with transaction(gov.sessions) as session:
        row = _request(session, reference)
        if row.status is FoiStatus.ANSWERED:
            raise FoiError(f"FOI request {reference!r} was already answered on {row.answered_on}")
        if answered_on < row.received_on:
            raise InvalidArgumentError("a request cannot be answered before it was received")
        row.answered_on = answered_on
        row.response = response
        row.exemptions = provisions
        row.status = FoiStatus.ANSWERED
        answered = FoiAnswered(
            request=reference,
            answered_on=answered_on,
            provisions=tuple(p.value for p in provisions),
            neither_confirm_nor_deny=any(p.neither_confirm_nor_deny for p in provisions),
            due_on=row.due_on,
        )
        row.answer_audit_sequence = gov.audit.append(session, actor, answered, "answer sent to the requester").sequence
        return _record(row)


def list_requests(gov: Governance, actor: Actor) -> list[FoiRecord]:
    actor.require(Permission.PRODUCE_REPORTS)
    with gov.sessions() as session:
        rows = session.scalars(select(FoiRequest).order_by(FoiRequest.received_on, FoiRequest.id)).all()
        return [_record(row) for row in rows]


def _request(session: Session, reference: str) -> FoiRequest:
    row = session.scalar(select(FoiRequest).where(FoiRequest.reference == reference))
    if row is None:
        raise FoiError(f"no FOI request {reference!r} is logged")
    return row


def _record(row: FoiRequest) -> FoiRecord:
    return record_from_row(FoiRecord, row, provisions=row.exemptions)
