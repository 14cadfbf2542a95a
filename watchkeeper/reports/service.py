"""Producing reports and draft FOI answers from a governance core, and writing them out.

Producing either is itself recorded in the audit log (who, for which period or years), since what the
force discloses is part of its record.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from pathlib import Path

from watchkeeper.errors import InvalidArgumentError
from watchkeeper.governance.audit.checkpoint import Checkpoint, open_checkpoint
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.errors import ProofError
from watchkeeper.governance.audit.events import FoiAnswersDrafted, FoiAnswersExported, ReportProduced
from watchkeeper.governance.audit.merkle import leaf_hash
from watchkeeper.governance.audit.proofs import verify_inclusion
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.foi import FoiError, FoiRecord, list_requests
from watchkeeper.governance.register import read_register
from watchkeeper.governance.roles import Actor, Permission, PermissionDeniedError
from watchkeeper.reports.figures import Period, TransparencyReport, build_report
from watchkeeper.reports.foi_answers import AnswerStatus, DraftAnswer, draft_answers
from watchkeeper.reports.history import read_history
from watchkeeper.reports.layout import Block, foi_blocks, report_blocks
from watchkeeper.reports.markdown import render_markdown
from watchkeeper.reports.pdf import render_pdf
from watchkeeper.reports.questions import Question, read_questions
from watchkeeper.reports.spreadsheet import answers_csv, report_csv


@dataclass(frozen=True, slots=True)
class WrittenFiles:
    markdown: Path
    csv: Path
    pdf: Path
    charts: tuple[Path, ...]


def transparency_report(
    gov: Governance,
    actor: Actor,
    period: Period,
    snapshot_dates: tuple[date, ...] = (),
    as_of: date | None = None,
) -> TransparencyReport:
    """The period's figures as they stood at the end of ``as_of`` (default: its last day, or today)."""
    actor.require(Permission.PRODUCE_REPORTS)
    history = read_history(gov, actor)
    report = build_report(
        history,
        read_register(gov, actor),
        list_requests(gov, actor),
        period,
        gov.clock.now(),
        snapshot_dates,
        as_of=as_of,
    )
    with transaction(gov.sessions) as session:
        produced = ReportProduced(
            first=period.first,
            last=period.last,
            snapshot_dates=report.snapshot_dates,
            entries_read=len(history.entries),
            as_of=report.as_of if as_of is not None else None,
        )
        gov.audit.append(session, actor, produced, "transparency report")
    return report


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerScope:
    """What to answer for: calendar years or one period, as of a day or of a logged request's receipt.

    Without an as-of day the answers are as of the request's received date, else as of today; without
    years or a period, the calendar year of the as-of day up to it."""

    years: tuple[int, ...] = ()
    period: Period | None = None
    as_of: date | None = None
    request: str | None = None

    def __post_init__(self) -> None:
        if self.years and self.period is not None:
            raise InvalidArgumentError("answer for calendar years or for one period, not both")


def foi_answers(gov: Governance, actor: Actor, questions: list[Question], scope: AnswerScope) -> list[DraftAnswer]:
    """Draft answers for ``scope``, the drafting recorded in the audit log."""
    answers, as_of = _drafts(gov, actor, questions, scope)
    with transaction(gov.sessions) as session:
        drafted = FoiAnswersDrafted(
            years=tuple(sorted(set(scope.years))),
            questions=tuple(q.id for q in questions),
            as_of=as_of,
            request=scope.request,
            first=scope.period.first if scope.period else None,
            last=scope.period.last if scope.period else None,
        )
        gov.audit.append(session, actor, drafted, "draft answers to FOI questions")
    return answers


@dataclass(frozen=True, slots=True)
class AnswerEdit:
    """The disclosure officer's version of one draft answer: its status and its text."""

    status: AnswerStatus
    text: str


class ExportFormat(StrEnum):
    PDF = "pdf"
    CSV = "csv"


def export_answers(
    gov: Governance,
    actor: Actor,
    questions: list[Question],
    scope: AnswerScope,
    edits: dict[str, AnswerEdit],
    export_format: ExportFormat,
) -> bytes:
    """The drafts for ``scope`` (drawn again from the records, so their sources are the records' own) with
    the officer's edits by question id, as a PDF or CSV; the export is audited with which answers were
    edited and the file's SHA-256, so what was sent can be matched to what the records said."""
    answers, as_of = _drafts(gov, actor, questions, scope)
    unknown = sorted(set(edits) - {a.question_id for a in answers})
    if unknown:
        raise InvalidArgumentError(f"no drafted answer to edit for question(s) {', '.join(unknown)}")
    edited = []
    for number, answer in enumerate(answers):
        edit = edits.get(answer.question_id)
        if edit is not None and (edit.status, edit.text.strip()) != (answer.status, answer.text):
            if not edit.text.strip():
                raise InvalidArgumentError(f"the answer to {answer.question_id} cannot be empty")
            answers[number] = replace(answer, status=edit.status, text=edit.text.strip())
            edited.append(answer.question_id)
    if export_format is ExportFormat.PDF:
        content = render_pdf(foi_blocks(answers), "Draft FOI answers")
    else:
        content = answers_csv(answers).encode("utf-8")
    with transaction(gov.sessions) as session:
        exported = FoiAnswersExported(
            request=scope.request,
            as_of=as_of,
            format=export_format.value,
            questions=tuple(q.id for q in questions),
            edited=tuple(dict.fromkeys(edited)),
            sha256=hashlib.sha256(content).hexdigest(),
        )
        gov.audit.append(session, actor, exported, "FOI answers exported for sending")
    return content


def _drafts(
    gov: Governance, actor: Actor, questions: list[Question], scope: AnswerScope
) -> tuple[list[DraftAnswer], date]:
    actor.require(Permission.PRODUCE_REPORTS)
    history = read_history(gov, actor)
    register = read_register(gov, actor)
    requests = list_requests(gov, actor)
    now = gov.clock.now()
    as_of = _as_of(scope, requests, now.date())
    periods = [Period.year(y) for y in sorted(set(scope.years))]
    if scope.period is not None:
        periods = [scope.period]
    periods = periods or [Period.year(as_of.year)]
    answers = draft_answers(questions, periods, as_of, register=register, history=history, requests=requests, now=now)
    return answers, as_of


def _as_of(scope: AnswerScope, requests: list[FoiRecord], today: date) -> date:
    if scope.request is None:
        return scope.as_of or today
    logged = next((r for r in requests if r.reference == scope.request), None)
    if logged is None:
        raise FoiError(f"no FOI request {scope.request!r} is logged")
    return scope.as_of or logged.received_on


@dataclass(frozen=True, slots=True)
class CitedEntry:
    """An audit entry a disclosed figure rests on, proven to be in the newest signed tree head."""

    sequence: int
    entry: AuditEntry | None
    """None where retention pruned its content (its hash still proves its place)."""
    head: Checkpoint


def cited_in_report(gov: Governance, actor: Actor, period: Period, as_of: date | None, sequence: int) -> CitedEntry:
    """Entry ``sequence`` if a figure of the report for ``period`` as of ``as_of`` cites it.

    A disclosure officer does not read the audit log (that is the auditor's), but may see the entries behind
    a figure being disclosed, and only those; computing the figures again to check is not itself a report
    produced, so it is not recorded as one."""
    actor.require(Permission.PRODUCE_REPORTS)
    built = build_report(
        read_history(gov, actor),
        read_register(gov, actor),
        list_requests(gov, actor),
        period,
        gov.clock.now(),
        as_of=as_of,
    )
    return _cited_entry(gov, sequence, _sources_of(built))


def cited_in_answers(gov: Governance, actor: Actor, scope: AnswerScope, sequence: int) -> CitedEntry:
    """Entry ``sequence`` if the standard draft answers for ``scope``, or the reports of their periods as
    of the same day, cite it (see :func:`cited_in_report`; a request's own questions cite register records,
    which are open to this role in any case)."""
    answers, _ = _drafts(gov, actor, read_questions(), scope)
    history, register, requests = read_history(gov, actor), read_register(gov, actor), list_requests(gov, actor)
    cited = {s for a in answers for s in a.sources}
    for period, as_of in {(a.period, a.as_of) for a in answers if a.period.up_to(a.as_of) is not None}:
        cited |= _sources_of(build_report(history, register, requests, period, gov.clock.now(), as_of=as_of))
    return _cited_entry(gov, sequence, cited)


OPEN_TO_DISCLOSURE = ("register.", "foi.")
"""Actions of the records the disclosure officer keeps: their entries are open to the role that keeps them."""


def _cited_entry(gov: Governance, sequence: int, cited: set[int]) -> CitedEntry:
    """The entry, proven in the newest signed head, if ``cited`` names it or it records the register or the
    FOI log (whose every record this role already sees, with its entry's number)."""
    entry, leaf, proof, signed = gov.audit.inclusion(sequence)
    if sequence not in cited and (entry is None or not entry.action.startswith(OPEN_TO_DISCLOSURE)):
        raise PermissionDeniedError(f"audit entry {sequence} is behind none of these figures")
    head = open_checkpoint(signed, gov.audit.verifier)
    verify_inclusion(leaf, sequence, head.size, proof, head.root_hash)
    if entry is not None and leaf_hash(entry.canonical_bytes()) != leaf:
        raise ProofError(f"audit entry {sequence} does not hash to its leaf: it was altered")
    return CitedEntry(sequence, entry, head)


def _sources_of(value: object) -> set[int]:
    """Every audit sequence any figure of ``value`` (a report, nested figures) names in its ``sources``."""
    if isinstance(value, tuple | list):
        return {s for item in value for s in _sources_of(item)}
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return set()
    found: set[int] = set()
    for field in dataclasses.fields(value):
        inner = getattr(value, field.name)
        found |= set(inner) if field.name == "sources" else _sources_of(inner)
    return found


def write_report(report: TransparencyReport, directory: Path, stem: str = "report") -> WrittenFiles:
    return _write(directory, stem, report_blocks(report), report_title(report), report_csv(report))


def report_pdf(report: TransparencyReport) -> bytes:
    """The report as one PDF document (charts included), for sending as it is."""
    return render_pdf(report_blocks(report), report_title(report))


def report_title(report: TransparencyReport) -> str:
    return f"Transparency report {report.period.first.isoformat()} to {report.period.last.isoformat()}"


def write_answers(answers: list[DraftAnswer], directory: Path, stem: str = "foi-answers") -> WrittenFiles:
    return _write(directory, stem, foi_blocks(answers), "Draft FOI answers", answers_csv(answers))


def _write(directory: Path, stem: str, blocks: list[Block], title: str, csv_text: str) -> WrittenFiles:
    directory.mkdir(parents=True, exist_ok=True)
    text, charts = render_markdown(blocks, f"{stem}-charts")
    chart_paths = []
    for relative, png in charts.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
        chart_paths.append(path)
    markdown = directory / f"{stem}.md"
    markdown.write_text(text, encoding="utf-8")
    spreadsheet = directory / f"{stem}.csv"
    spreadsheet.write_text(csv_text, encoding="utf-8")
    pdf = directory / f"{stem}.pdf"
    pdf.write_bytes(render_pdf(blocks, title))
    return WrittenFiles(markdown, spreadsheet, pdf, tuple(chart_paths))
