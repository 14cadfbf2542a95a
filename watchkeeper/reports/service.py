"""Producing reports and draft FOI answers from a governance core, and writing them out.

Producing either is itself recorded in the audit log (who, for which period or years), since what the
force discloses is part of its record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from watchkeeper.governance.audit.events import FoiAnswersDrafted, ReportProduced
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.foi import list_requests
from watchkeeper.governance.register import read_register
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.reports.figures import Period, TransparencyReport, build_report
from watchkeeper.reports.foi_answers import DraftAnswer, Question, draft_answers
from watchkeeper.reports.history import read_history
from watchkeeper.reports.layout import Block, foi_blocks, report_blocks
from watchkeeper.reports.markdown import render_markdown
from watchkeeper.reports.pdf import render_pdf
from watchkeeper.reports.spreadsheet import answers_csv, report_csv


@dataclass(frozen=True, slots=True)
class WrittenFiles:
    markdown: Path
    csv: Path
    pdf: Path
    charts: tuple[Path, ...]


def transparency_report(
    gov: Governance, actor: Actor, period: Period, snapshot_dates: tuple[date, ...] = ()
) -> TransparencyReport:
    actor.require(Permission.PRODUCE_REPORTS)
    history = read_history(gov, actor)
    report = build_report(
        history, read_register(gov, actor), list_requests(gov, actor), period, gov.clock.now(), snapshot_dates
    )
    with transaction(gov.sessions) as session:
        produced = ReportProduced(
            first=period.first,
            last=period.last,
            snapshot_dates=report.snapshot_dates,
            entries_read=len(history.entries),
        )
        gov.audit.append(session, actor, produced, "transparency report")
    return report


def foi_answers(gov: Governance, actor: Actor, questions: list[Question], years: list[int]) -> list[DraftAnswer]:
    actor.require(Permission.PRODUCE_REPORTS)
    history = read_history(gov, actor)
    register = read_register(gov, actor)
    requests = list_requests(gov, actor)
    now = gov.clock.now()
    reports = {year: build_report(history, register, requests, Period.year(year), now) for year in years}
    answers = draft_answers(questions, reports, register, history, now)
    with transaction(gov.sessions) as session:
        drafted = FoiAnswersDrafted(years=tuple(years), questions=tuple(q.id for q in questions))
        gov.audit.append(session, actor, drafted, "draft answers to standard FOI questions")
    return answers


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
