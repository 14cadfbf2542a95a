"""Draft FOI answers for a known history, every question for four years (two with no use of recognition),
from the shipped questions and from a force's own file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reports.known_history import DPIA, POLICY_V1, POLICY_V2, Story
from watchkeeper.errors import InputError
from watchkeeper.reports.foi_answers import AnswerStatus, DraftAnswer
from watchkeeper.reports.questions import read_questions
from watchkeeper.reports.service import AnswerScope, foi_answers

A, P, N, X = AnswerStatus.ANSWERED, AnswerStatus.PARTIAL, AnswerStatus.NOT_HELD, AnswerStatus.NOT_APPLICABLE

STATUSES = {
    # question:           2021 2022 2023 2024
    "lfr-use":            (A, A, A, A),
    "lfr-cameras":        (X, A, A, X),
    "lfr-suppliers":      (X, A, A, X),
    "lfr-contracts":      (A, A, A, A),
    "lfr-costs":          (A, A, A, A),
    "lfr-face-images":    (X, A, A, X),
    "lfr-retention":      (A, A, A, A),
    "lfr-documents":      (X, A, A, A),
    "rfr-use":            (A, A, A, A),
    "rfr-suppliers":      (X, A, A, X),
    "rfr-contracts":      (A, A, A, A),
    "rfr-costs":          (A, A, A, A),
    "rfr-face-images":    (A, A, A, A),
    "rfr-retention":      (A, A, A, A),
    "rfr-documents":      (X, A, A, A),
    "gpp-use":            (A, A, A, A),
    "gpp-suppliers":      (A, X, X, X),
    "gpp-contracts":      (A, A, A, A),
    "gpp-costs":          (A, A, A, A),
    "gpp-documents":      (X, X, X, X),
    "ira-use":            (A, A, A, A),
    "ira-suppliers":      (X, X, X, A),
    "ira-contracts":      (A, A, A, A),
    "ira-costs":          (A, A, A, N),
    "ira-documents":      (X, X, X, A),
    "vendor-contacts":    (A, A, A, A),
    "lfr-plans":          (A, A, A, A),
    "rfr-plans":          (A, A, A, A),
    "gpp-plans":          (A, A, A, A),
    "ira-plans":          (A, A, A, A),
}  # fmt: skip
YEARS = (2021, 2022, 2023, 2024)

TEXTS = {
    (2021, "lfr-use"): "No. The records show no use, trial or plan of live facial recognition in 2021.",
    (2021, "gpp-use"): "Planned only: no use or trial of geographic predictive policing is recorded in 2021. "
    "Register: planned use of Hotspot in 2021.",
    (
        2022,
        "lfr-use",
    ): "Yes. Use or trial of live facial recognition is recorded in 2022. Watchkeeper: 0 operational and 1 "
    "trial deployment(s) of live facial recognition in 2022. Register: trial use of Watchkeeper in 2022. First "
    "trial: 2022-03-01. No ongoing use is recorded by 2022-12-31.",
    (2022, "lfr-cameras"): "Kinds of camera used in 2022: Watchkeeper trial from 2022-03-01 to 2022-12-31: static "
    "(from its deployments on record).",
    (2023, "lfr-cameras"): "Kinds of camera used in 2023: Watchkeeper ongoing from 2023-01-01 to 2023-12-31: "
    "portable (from its deployments on record).",
    (2022, "lfr-suppliers"): "Suppliers of live facial recognition in 2022: Open Recognition Ltd (Watchkeeper 0.1.0).",
    (2022, "lfr-contracts"): "Contracts in force in 2022: WK-2022-01 with Open Recognition Ltd for support, "
    "2022-03-01 to 2023-02-28 (12 months).",
    (2022, "lfr-costs"): "Cost of live facial recognition in 2022: trials £12,500.00, ongoing use £0.00 (by "
    "supplier: Open Recognition Ltd £12,500.00).",
    (2023, "rfr-costs"): "Cost of retrospective facial recognition in 2023: trials £0.00, ongoing use £9,500.00 (by "
    "supplier: Camera Hire plc £1,500.00; Open Recognition Ltd £8,000.00).",
    (2022, "lfr-face-images"): "Watchlists of the deployments in 2022 (frozen at authorisation): foyer-trial: 3 "
    "face images of 2 people.",
    (2022, "rfr-face-images"): "Galleries searched by RFR: custody: 3 face images of 2 people at 2022-12-31.",
    (2024, "rfr-face-images"): "Galleries searched by RFR: custody: 1 face image of 1 person at 2024-12-31.",
    (2023, "rfr-use"): "Yes. Use or trial of retrospective facial recognition is recorded in 2023. Watchkeeper: 1 "
    "retrospective search(es) in 2023. Register: ongoing use of Watchkeeper in 2023. First trial: 2022-03-01. First "
    "ongoing use: 2023-01-01.",
    (2024, "lfr-use"): "No. The records show no use, trial or plan of live facial recognition in 2024. First "
    "trial: 2022-03-01. First ongoing use: 2023-01-01.",
    (
        2024,
        "lfr-retention",
    ): "Retention periods enforced by Watchkeeper in 2024: from 2023-01-10: alerts 14 days, audit 2190 days, "
    "enrolled images no period of its own, probe images 31 days, search results 365 days. Faces that match no one "
    "are not retained at all.",
    (2024, "ira-use"): "Yes. Use or trial of individual risk assessment tools is recorded in 2024. Register: trial "
    "use of RiskScore in 2024. First trial: 2024-03-01. No ongoing use is recorded by 2024-12-31.",
    (2024, "ira-suppliers"): "Suppliers of individual risk assessment tools in 2024: Harm Analytics (RiskScore).",
    (2024, "ira-costs"): "Use of individual risk assessment tools is recorded in 2024, but the records hold no cost "
    "for it.",
    (2021, "vendor-contacts"): "Meetings and correspondence about surveillance and analytics technology in 2021: "
    "meeting with Geo Analytics about Hotspot on 2021-05-04 (demonstration).",
    (2022, "vendor-contacts"): "No meeting or correspondence with a vendor of surveillance and analytics technology "
    "is recorded in 2022.",
    (2021, "gpp-plans"): "Plans for geographic predictive policing in the 12 months from 2021-12-31 to 2022-12-31, "
    "as approved by 2021-12-31: Hotspot from 2021-06-01 to 2021-12-31 (approval date not recorded).",
    (2022, "gpp-plans"): "No plan for geographic predictive policing in the 12 months from 2022-12-31 to 2023-12-31 "
    "is recorded by 2022-12-31.",
    (2024, "ira-documents"): "Documents in force on 2024-12-31: none. No policy, no standard operating "
    "procedure, no data protection impact assessment, no equality impact assessment is recorded.",
}


def by_key(answers: list[DraftAnswer]) -> dict[tuple[int, str], DraftAnswer]:
    return {(a.period.first.year, a.question_id): a for a in answers}


def test_every_standard_question_for_four_years(story: Story) -> None:
    answers = by_key(foi_answers(story.gov, story.disclosure, read_questions(), AnswerScope(years=YEARS)))
    assert len(answers) == len(STATUSES) * len(YEARS)
    for question, statuses in STATUSES.items():
        for year, status in zip(YEARS, statuses, strict=True):
            assert answers[(year, question)].status is status, (year, question, answers[(year, question)].text)
    for key, text in TEXTS.items():
        assert answers[key].text == text, key
    documents_2022 = answers[(2022, "lfr-documents")]
    assert documents_2022.citations == (POLICY_V1,)
    assert "'DPIA' version 1 of 2022-03-01, not published" in documents_2022.text
    assert answers[(2023, "lfr-documents")].citations == (DPIA, POLICY_V2)
    assert "No equality impact assessment is recorded." in answers[(2023, "rfr-documents")].text
    assert answers[(2023, "lfr-retention")].text.count("from ") == 2
    for answer in answers.values():
        if answer.text.startswith(("Yes", "Planned", "Kinds", "Suppliers", "Contracts", "Cost ", "Watchlists")):
            assert answer.sources, answer  # every positive statement cites the audit entries behind it


def test_a_forces_own_questions_and_what_the_records_cannot_answer(story: Story, tmp_path: Path) -> None:
    questions = tmp_path / "questions.toml"
    questions.write_text(
        '[[question]]\nid = "oifr-cameras"\nkind = "cameras"\ncategory = "operator_initiated_facial_recognition"\n'
        'text = "Which cameras does the operator-initiated app use?"\n',
        encoding="utf-8",
    )
    (answer,) = foi_answers(story.gov, story.disclosure, read_questions(questions), AnswerScope(years=(2024,)))
    assert answer.status is AnswerStatus.NOT_HELD
    assert (
        answer.text
        == "Kinds of camera used in 2024: none recorded. The records do not say which cameras were used in: Mobile "
        "ID trial from 2024-03-01 to 2024-08-31."
    )
    questions.write_text('[[question]]\nid = "x"\nkind = "weather"\ncategory = "other"\ntext = "?"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"question 1: needs id, text, kind \(use, cameras"):
        read_questions(questions)
