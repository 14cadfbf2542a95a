"""Draft answers to the standard Freedom of Information questions, per year, from the records only.

Each answer is drawn from the year's :class:`~.figures.TransparencyReport` (the same numbers the report
shows) and the register, cites the audit entries and published documents it rests on, and says so when the
records cannot answer (status ``not_held`` or ``partial``) instead of filling the gap. A person still
reviews a draft, and decides on exemptions, before anything is sent.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from importlib.resources import files
from pathlib import Path

from watchkeeper.errors import InputError
from watchkeeper.governance.audit.events import DeploymentAuthorised, FootageSearched, GallerySearched
from watchkeeper.governance.register import WATCHKEEPER_NAME, Register
from watchkeeper.governance.vocabulary import DocumentKind, TechnologyCategory, UseStage
from watchkeeper.reports.figures import (
    Period,
    Sources,
    TransparencyReport,
    in_category,
    stages_in,
)
from watchkeeper.reports.history import AuditHistory


class QuestionKind(StrEnum):
    USE = "use"
    CAMERAS = "cameras"
    SUPPLIERS = "suppliers"
    CONTRACTS = "contracts"
    COSTS = "costs"
    FACE_IMAGES = "face_images"
    RETENTION = "retention"
    DOCUMENTS = "documents"


class AnswerStatus(StrEnum):
    ANSWERED = "answered"
    PARTIAL = "partial"
    """Answered in part; the answer says what the records do not hold."""
    NOT_HELD = "not_held"
    """The records cannot answer: nothing is invented in its place."""
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    text: str
    kind: QuestionKind
    category: TechnologyCategory


@dataclass(frozen=True, slots=True)
class DraftAnswer:
    question_id: str
    question: str
    year: int
    status: AnswerStatus
    text: str
    sources: Sources
    citations: tuple[str, ...]
    """URLs of the published documents the answer refers to (candidates for section 21)."""


DEFAULT_QUESTIONS = files("watchkeeper.reports") / "foi_questions.toml"

_NAMES = {
    TechnologyCategory.LIVE_FACIAL_RECOGNITION: "live facial recognition",
    TechnologyCategory.RETROSPECTIVE_FACIAL_RECOGNITION: "retrospective facial recognition",
    TechnologyCategory.OPERATOR_INITIATED_FACIAL_RECOGNITION: "operator-initiated facial recognition",
    TechnologyCategory.FACIAL_COMPOSITE: "facial composite systems",
    TechnologyCategory.GEOGRAPHIC_PREDICTIVE_POLICING: "geographic predictive policing",
    TechnologyCategory.INDIVIDUAL_RISK_ASSESSMENT: "individual risk assessment tools",
    TechnologyCategory.OTHER: "other surveillance technology",
}
_FACIAL_RECOGNITION = (
    TechnologyCategory.LIVE_FACIAL_RECOGNITION,
    TechnologyCategory.RETROSPECTIVE_FACIAL_RECOGNITION,
)
_EXPECTED_DOCUMENTS = (
    DocumentKind.POLICY,
    DocumentKind.STANDARD_OPERATING_PROCEDURE,
    DocumentKind.DATA_PROTECTION_IMPACT_ASSESSMENT,
    DocumentKind.EQUALITY_IMPACT_ASSESSMENT,
)
_DOCUMENT_NAMES = {
    DocumentKind.POLICY: "policy",
    DocumentKind.STANDARD_OPERATING_PROCEDURE: "standard operating procedure",
    DocumentKind.DATA_PROTECTION_IMPACT_ASSESSMENT: "data protection impact assessment",
    DocumentKind.EQUALITY_IMPACT_ASSESSMENT: "equality impact assessment",
    DocumentKind.OTHER: "document",
}


def read_questions(path: Path | None = None) -> list[Question]:
    """The questions of a TOML file (the shipped default without ``path``); InputError naming the problem."""
    source = str(path) if path else "default FOI questions"
    try:
        text = path.read_text(encoding="utf-8") if path else DEFAULT_QUESTIONS.read_text(encoding="utf-8")
        document = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise InputError(source, f"cannot read the questions: {error}") from None
    questions = []
    for number, item in enumerate(document.get("question", []), start=1):
        try:
            questions.append(
                Question(
                    str(item["id"]), str(item["text"]), QuestionKind(item["kind"]), TechnologyCategory(item["category"])
                )
            )
        except (KeyError, ValueError, TypeError) as error:
            kinds = ", ".join(k.value for k in QuestionKind)
            raise InputError(
                source, f"question {number}: needs id, text, kind ({kinds}) and a technology category ({error})"
            ) from None
    if not questions:
        raise InputError(source, "no [[question]] entries")
    if len({q.id for q in questions}) != len(questions):
        raise InputError(source, "question ids must be unique")
    return questions


def draft_answers(
    questions: list[Question],
    reports: dict[int, TransparencyReport],
    register: Register,
    history: AuditHistory,
    now: datetime,
) -> list[DraftAnswer]:
    """One draft per question per year of ``reports`` (each the report of that calendar year)."""
    answers = []
    for year, report in sorted(reports.items()):
        for question in questions:
            if date(year, 1, 1) > now.date():
                answers.append(_draft(question, year, AnswerStatus.NOT_APPLICABLE, f"{year} has not begun.", ()))
                continue
            answers.append(_ANSWERERS[question.kind](question, report, register, history))
    return answers


def _draft(
    question: Question,
    year: int,
    status: AnswerStatus,
    text: str,
    sources: list[int] | Sources,
    citations: tuple[str, ...] = (),
) -> DraftAnswer:
    return DraftAnswer(question.id, question.text, year, status, text, tuple(sorted(set(sources))), citations)


@dataclass(frozen=True, slots=True)
class _Use:
    """What the records show of a category's use in a year: Watchkeeper's own, and the register's."""

    trial_deployments: int
    operational_deployments: int
    searches: int
    stages: dict[UseStage, list[int]]
    technologies: tuple[str, ...]
    sources: tuple[int, ...]

    @property
    def in_use(self) -> bool:
        return bool(
            self.trial_deployments
            or self.operational_deployments
            or self.searches
            or UseStage.TRIAL in self.stages
            or UseStage.ONGOING in self.stages
        )


def _use(question: Question, report: TransparencyReport, register: Register) -> _Use:
    category = question.category
    trials = operational = searches = 0
    sources: list[int] = []
    if category is TechnologyCategory.LIVE_FACIAL_RECOGNITION:
        trials = sum(d.trial for d in report.deployments)
        operational = sum(not d.trial for d in report.deployments)
        sources += [d.sources[0] for d in report.deployments]
    if category is TechnologyCategory.RETROSPECTIVE_FACIAL_RECOGNITION:
        searches = sum(s.gallery_searches + s.footage_searches for s in report.searches)
        sources += [s for figure in report.searches for s in figure.sources]
    stages = stages_in(register, category, report.period)
    period = report.period
    technologies = tuple(
        u.technology
        for u in register.uses
        if in_category(register, u.technology, category) and u.overlaps(period.first, period.last)
    )
    sources += [s for found in stages.values() for s in found]
    return _Use(trials, operational, searches, stages, tuple(dict.fromkeys(technologies)), tuple(sources))


def _answer_use(
    question: Question, report: TransparencyReport, register: Register, history: AuditHistory
) -> DraftAnswer:
    year, name = report.period.first.year, _NAMES[question.category]
    use = _use(question, report, register)
    parts = []
    if use.operational_deployments or use.trial_deployments:
        parts.append(
            f"Watchkeeper: {use.operational_deployments} operational and {use.trial_deployments} trial "
            f"deployment(s) of live facial recognition in {year}."
        )
    if use.searches:
        parts.append(f"Watchkeeper: {use.searches} retrospective search(es) in {year}.")
    for stage in (UseStage.ONGOING, UseStage.TRIAL, UseStage.PLANNED):
        if stage in use.stages:
            names = ", ".join(_technologies_at(register, question.category, stage, report.period))
            parts.append(f"Register: {stage.value} use of {names} in {year}.")
    since, since_sources = _first_use(question.category, register, history, report.period.last)
    if since is not None:
        parts.append(f"First recorded use or trial: {since.isoformat()}.")
    if use.in_use:
        lead = f"Yes. Use or trial of {name} is recorded in {year}."
    elif UseStage.PLANNED in use.stages:
        lead = f"Planned only: no use or trial of {name} is recorded in {year}."
    else:
        lead = f"No. The records show no use, trial or plan of {name} in {year}."
    return _draft(question, year, AnswerStatus.ANSWERED, " ".join([lead, *parts]), [*use.sources, *since_sources])


def _first_use(
    category: TechnologyCategory, register: Register, history: AuditHistory, until: date
) -> tuple[date | None, list[int]]:
    candidates: list[tuple[date, int]] = []
    if category is TechnologyCategory.LIVE_FACIAL_RECOGNITION:
        candidates += [(e.event.starts_at.date(), e.sequence) for e in history.of(DeploymentAuthorised)]
    if category is TechnologyCategory.RETROSPECTIVE_FACIAL_RECOGNITION:
        candidates += [(e.timestamp.date(), e.sequence) for e in history.of(GallerySearched, FootageSearched)]
    candidates += [
        (u.starts_on, u.audit_sequence)
        for u in register.uses
        if u.stage is not UseStage.PLANNED and in_category(register, u.technology, category)
    ]
    candidates = [c for c in candidates if c[0] <= until]
    if not candidates:
        return None, []
    first = min(candidates)
    return first[0], [first[1]]


def _technologies_at(register: Register, category: TechnologyCategory, stage: UseStage, period: Period) -> list[str]:
    return sorted(
        {
            u.technology
            for u in register.uses
            if u.stage is stage
            and in_category(register, u.technology, category)
            and u.overlaps(period.first, period.last)
        }
    )


def _answer_cameras(
    question: Question, report: TransparencyReport, register: Register, history: AuditHistory
) -> DraftAnswer:
    year, name = report.period.first.year, _NAMES[question.category]
    use = _use(question, report, register)
    if not use.in_use:
        return _draft(
            question, year, AnswerStatus.NOT_APPLICABLE, f"No use of {name} is recorded in {year}.", use.sources
        )
    kinds = {d.mode for d in report.deployments}
    sources = [d.sources[0] for d in report.deployments]
    unknown = []
    for technology_name in use.technologies:
        technology = register.technology(technology_name)
        if technology is None or (technology_name == WATCHKEEPER_NAME and report.deployments):
            continue
        if technology.camera_kinds:
            kinds |= {k.value for k in technology.camera_kinds}
            sources.append(technology.audit_sequence)
        else:
            unknown.append(technology_name)
    text = f"Kinds of camera used in {year}: {', '.join(sorted(kinds)) or 'none recorded'}."
    status = AnswerStatus.ANSWERED
    if unknown:
        text += f" The records do not say which cameras {', '.join(unknown)} used."
        status = AnswerStatus.PARTIAL if kinds else AnswerStatus.NOT_HELD
    return _draft(question, year, status, text, sources)


def _answer_suppliers(
    question: Question, report: TransparencyReport, register: Register, history: AuditHistory
) -> DraftAnswer:
    year, name = report.period.first.year, _NAMES[question.category]
    use = _use(question, report, register)
    names = list(use.technologies)
    if (use.operational_deployments or use.trial_deployments or use.searches) and WATCHKEEPER_NAME not in names:
        names.append(WATCHKEEPER_NAME)
    if not names:
        return _draft(
            question, year, AnswerStatus.NOT_APPLICABLE, f"No use or plan of {name} is recorded in {year}.", []
        )
    lines, sources, missing = [], list(use.sources), []
    for technology_name in sorted(names):
        technology = register.technology(technology_name)
        if technology is None:
            missing.append(technology_name)
            continue
        lines.append(f"{technology.supplier} ({technology.product})")
        sources.append(technology.audit_sequence)
    text = f"Suppliers of {name} in {year}: {'; '.join(lines) or 'none recorded'}."
    if missing:
        text += f" The register does not record the supplier of {', '.join(missing)}."
    status = AnswerStatus.ANSWERED if not missing else AnswerStatus.PARTIAL if lines else AnswerStatus.NOT_HELD
    return _draft(question, year, status, text, sources)


def _answer_contracts(
    question: Question, report: TransparencyReport, register: Register, history: AuditHistory
) -> DraftAnswer:
    year, name = report.period.first.year, _NAMES[question.category]
    period = report.period
    contracts = [
        c
        for c in register.contracts
        if in_category(register, c.technology, question.category)
        and c.starts_on <= period.last
        and (c.ends_on is None or c.ends_on >= period.first)
    ]
    if not contracts:
        return _draft(question, year, AnswerStatus.ANSWERED, f"No contract for {name} is recorded in {year}.", [])
    lines = []
    for c in contracts:
        term = f"{c.months} months" if c.months is not None else "open-ended"
        until = c.ends_on.isoformat() if c.ends_on else "no end date"
        lines.append(f"{c.reference} with {c.supplier} for {c.purpose}, {c.starts_on.isoformat()} to {until} ({term})")
    return _draft(
        question,
        year,
        AnswerStatus.ANSWERED,
        f"Contracts in force in {year}: {'; '.join(lines)}.",
        [c.audit_sequence for c in contracts],
    )


def _answer_costs(
    question: Question, report: TransparencyReport, register: Register, history: AuditHistory
) -> DraftAnswer:
    year, name = report.period.first.year, _NAMES[question.category]
    spend = [s for s in report.spend if s.year == year and in_category(register, s.technology, question.category)]
    use = _use(question, report, register)
    if not spend:
        if use.in_use:
            text = f"Use of {name} is recorded in {year}, but the records hold no cost for that year."
            return _draft(question, year, AnswerStatus.NOT_HELD, text, use.sources)
        return _draft(question, year, AnswerStatus.ANSWERED, f"No use and no cost of {name} is recorded in {year}.", [])
    by_stage = {
        stage: sum(s.amount_pence for s in spend if s.stage == stage.value)
        for stage in (UseStage.TRIAL, UseStage.ONGOING)
    }
    by_supplier: dict[str, int] = {}
    for s in spend:
        by_supplier[s.supplier] = by_supplier.get(s.supplier, 0) + s.amount_pence
    text = (
        f"Cost of {name} in {year}: trials {pounds(by_stage[UseStage.TRIAL])}, ongoing use "
        f"{pounds(by_stage[UseStage.ONGOING])} (by supplier: "
        + "; ".join(f"{supplier} {pounds(amount)}" for supplier, amount in sorted(by_supplier.items()))
        + ")."
    )
    return _draft(question, year, AnswerStatus.ANSWERED, text, [x for s in spend for x in s.sources])


def _answer_face_images(
    question: Question, report: TransparencyReport, register: Register, history: AuditHistory
) -> DraftAnswer:
    year, name = report.period.first.year, _NAMES[question.category]
    if question.category not in _FACIAL_RECOGNITION:
        return _draft(question, year, AnswerStatus.NOT_APPLICABLE, f"Not applicable: {name} hold no face images.", [])
    if question.category is TechnologyCategory.LIVE_FACIAL_RECOGNITION:
        if not report.deployments:
            return _draft(question, year, AnswerStatus.NOT_APPLICABLE, f"No LFR deployment is recorded in {year}.", [])
        lines = [f"{d.name}: {_faces(d.watchlist_faces, d.watchlist_subjects)}" for d in report.deployments]
        text = f"Watchlists of the deployments in {year} (frozen at authorisation): {'; '.join(lines)}."
        return _draft(question, year, AnswerStatus.ANSWERED, text, [d.sources[0] for d in report.deployments])
    galleries = [h for h in report.holdings if h.kind == "gallery"]
    if not galleries:
        return _draft(
            question,
            year,
            AnswerStatus.ANSWERED,
            f"No gallery of face images is recorded at {report.snapshot_dates[-1]}.",
            [],
        )
    lines = [f"{h.name}: {_faces(h.faces, h.subjects)} at {h.at.isoformat()}" for h in galleries]
    return _draft(
        question,
        year,
        AnswerStatus.ANSWERED,
        f"Galleries searched by RFR: {'; '.join(lines)}.",
        [s for h in galleries for s in h.sources],
    )


def _answer_retention(
    question: Question, report: TransparencyReport, register: Register, history: AuditHistory
) -> DraftAnswer:
    year, name = report.period.first.year, _NAMES[question.category]
    if question.category not in _FACIAL_RECOGNITION:
        return _draft(
            question, year, AnswerStatus.NOT_HELD, f"The records do not hold retention periods for {name}.", []
        )
    if not report.retention:
        return _draft(
            question, year, AnswerStatus.NOT_HELD, f"No retention configuration is recorded in force in {year}.", []
        )
    parts = []
    for figure in report.retention:
        periods = ", ".join(
            f"{kind.replace('_', ' ')} {'no period of its own' if days is None else f'{days} days'}"
            for kind, days in figure.retention_days.items()
        )
        parts.append(f"from {figure.in_force_from.date().isoformat()}: {periods}")
    text = (
        f"Retention periods in force in {year}: "
        + "; ".join(parts)
        + ". Faces that match no one are not retained at all."
    )
    return _draft(question, year, AnswerStatus.ANSWERED, text, [s for f in report.retention for s in f.sources])


def _answer_documents(
    question: Question, report: TransparencyReport, register: Register, history: AuditHistory
) -> DraftAnswer:
    year, name = report.period.first.year, _NAMES[question.category]
    documents = [d for d in report.documents if in_category(register, d.technology, question.category)]
    use = _use(question, report, register)
    if not documents and not use.in_use:
        return _draft(
            question,
            year,
            AnswerStatus.NOT_APPLICABLE,
            f"No use of {name} and no governing document is recorded in {year}.",
            [],
        )
    lines, citations = [], []
    for d in documents:
        state = f"published {d.published_on.isoformat()} at {d.url}" if d.url and d.published_on else "not published"
        lines.append(
            f"{d.technology} {_DOCUMENT_NAMES[DocumentKind(d.kind)]} '{d.title}' version {d.version} "
            f"of {d.issued_on.isoformat()}, {state}"
        )
        if d.url:
            citations.append(d.url)
    present = {DocumentKind(d.kind) for d in documents}
    missing = [_DOCUMENT_NAMES[k] for k in _EXPECTED_DOCUMENTS if k not in present]
    text = f"Documents in force at the end of {year}: " + ("; ".join(lines) or "none") + "."
    if missing:
        text += f" No {', no '.join(missing)} is recorded."
    if citations:
        text += " Published documents are reasonably accessible to the requester (section 21 may apply)."
    return _draft(
        question, year, AnswerStatus.ANSWERED, text, [s for d in documents for s in d.sources], tuple(citations)
    )


def _faces(faces: int, people: int) -> str:
    return f"{faces} face image{'' if faces == 1 else 's'} of {people} {'person' if people == 1 else 'people'}"


def pounds(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


_ANSWERERS = {
    QuestionKind.USE: _answer_use,
    QuestionKind.CAMERAS: _answer_cameras,
    QuestionKind.SUPPLIERS: _answer_suppliers,
    QuestionKind.CONTRACTS: _answer_contracts,
    QuestionKind.COSTS: _answer_costs,
    QuestionKind.FACE_IMAGES: _answer_face_images,
    QuestionKind.RETENTION: _answer_retention,
    QuestionKind.DOCUMENTS: _answer_documents,
}
