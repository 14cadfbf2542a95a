"""Exporting draft answers as the disclosure officer edited them: the edits applied, the sources still the
records' own, and the export audited with what was edited and the file's hash."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest

from tests.reports.known_history import Story
from watchkeeper.governance.audit.events import FoiAnswersExported
from watchkeeper.reports.foi_answers import AnswerStatus
from watchkeeper.reports.history import read_history
from watchkeeper.reports.questions import read_questions
from watchkeeper.reports.service import AnswerEdit, AnswerScope, ExportFormat, export_answers, foi_answers

SCOPE = AnswerScope(request="FOI-2023-001")


def test_edited_answers_are_exported_and_the_export_audited(story: Story) -> None:
    questions = read_questions()
    drafts = {a.question_id: a for a in foi_answers(story.gov, story.disclosure, questions, SCOPE)}
    assert {a.as_of.isoformat() for a in drafts.values()} == {"2023-04-06"}  # the day FOI-2023-001 arrived
    edits = {
        "lfr-costs": AnswerEdit(AnswerStatus.PARTIAL, "Costs to date: see the attached table."),
        "lfr-use": AnswerEdit(drafts["lfr-use"].status, drafts["lfr-use"].text),  # unchanged: not an edit
    }
    content = export_answers(story.gov, story.disclosure, questions, SCOPE, edits, ExportFormat.CSV)
    rows = {row["question_id"]: row for row in csv.DictReader(io.StringIO(content.decode("utf-8")))}
    assert (rows["lfr-costs"]["status"], rows["lfr-costs"]["answer"]) == (
        "partial",
        "Costs to date: see the attached table.",
    )
    assert rows["lfr-costs"]["audit_sequences"] == " ".join(map(str, drafts["lfr-costs"].sources))
    assert rows["lfr-use"]["answer"] == drafts["lfr-use"].text
    exported = read_history(story.gov, story.disclosure).of(FoiAnswersExported)[-1].event
    assert exported == FoiAnswersExported(
        request="FOI-2023-001",
        as_of=drafts["lfr-costs"].as_of,
        format="csv",
        questions=tuple(q.id for q in questions),
        edited=("lfr-costs",),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    assert export_answers(story.gov, story.disclosure, questions, SCOPE, {}, ExportFormat.PDF).startswith(b"%PDF")


@pytest.mark.parametrize(
    ("edits", "problem"),
    [
        ({"weather": AnswerEdit(AnswerStatus.ANSWERED, "sunny")}, "no drafted answer to edit for question"),
        ({"lfr-use": AnswerEdit(AnswerStatus.ANSWERED, "  ")}, "the answer to lfr-use cannot be empty"),
    ],
)
def test_a_bad_edit_exports_nothing(story: Story, edits: dict[str, AnswerEdit], problem: str) -> None:
    size = story.gov.audit.size()
    with pytest.raises(ValueError, match=problem):
        export_answers(story.gov, story.disclosure, read_questions(), SCOPE, edits, ExportFormat.PDF)
    assert story.gov.audit.size() == size
