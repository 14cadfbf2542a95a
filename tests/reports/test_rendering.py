"""The known history's report written as Markdown, CSV and PDF; the PDF read back as text."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from pypdf import PdfReader

from tests.reports.known_history import POLICY_V2, Story
from watchkeeper.reports.figures import Period
from watchkeeper.reports.layout import cite
from watchkeeper.reports.questions import read_questions
from watchkeeper.reports.service import AnswerScope, foi_answers, transparency_report, write_answers, write_report


def pdf_text(path: Path) -> str:
    """The PDF's text with all whitespace removed: table cells wrap long words and URLs at any point."""
    return "".join("".join(page.extract_text() for page in PdfReader(path).pages).split())


def squeezed(text: str) -> str:
    return "".join(text.split())


def test_report_files(story: Story, tmp_path: Path) -> None:
    report = transparency_report(story.gov, story.disclosure, Period(date(2022, 1, 1), date(2023, 12, 31)))
    written = write_report(report, tmp_path)
    text = pdf_text(written.pdf)
    for expected in (
        "Transparency report 2022-01-01 to 2023-12-31",
        "foyer-trial",
        "high-street",
        "False alert rate",
        "33.3%",  # one rejected of three adjudicated alerts (a fourth is pending)
        "missing_or_vulnerable_person",
        "£12,500.00",
        "Camera Hire plc",
        POLICY_V2,
    ):
        assert squeezed(expected) in text, expected
    assert sorted(p.name for p in written.charts) == ["alerts.png", "searches.png", "spend.png"]
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in written.charts)
    markdown = written.markdown.read_text(encoding="utf-8")
    assert "![Alerts by deployment and outcome](report-charts/alerts.png)" in markdown
    assert f"| 2023-12-31 | gallery | custody | 1 | 1 | {cite(report.holdings[0].sources)} |" in markdown
    rows = list(csv.DictReader(io.StringIO(written.csv.read_text(encoding="utf-8"))))
    rejected = next(r for r in rows if r["section"] == "alerts" and r["measure"] == "rejected")
    assert rejected["value"] == "1"
    assert rejected["audit_sequences"] == " ".join(str(s) for s in report.alerts.sources)
    spend = {r["item"]: r["value"] for r in rows if r["section"] == "spend"}
    assert spend == {
        "2022:Open Recognition Ltd:Watchkeeper:trial": "1250000",
        "2023:Camera Hire plc:Watchkeeper:ongoing": "150000",
        "2023:Open Recognition Ltd:Watchkeeper:ongoing": "800000",
    }


def test_answer_files(story: Story, tmp_path: Path) -> None:
    answers = foi_answers(
        story.gov,
        story.disclosure,
        read_questions(),
        AnswerScope(years=(2021, 2024)),
    )
    written = write_answers(answers, tmp_path)
    text = pdf_text(written.pdf)
    assert squeezed("Draft answers to Freedom of Information questions") in text
    assert squeezed("[not held] Use of individual risk assessment tools is recorded in 2024") in text
    rows = list(csv.DictReader(io.StringIO(written.csv.read_text(encoding="utf-8"))))
    assert len(rows) == 2 * len(read_questions())
    assert written.charts == ()
