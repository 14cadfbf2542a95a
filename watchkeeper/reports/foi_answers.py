"""Draft answers to Freedom of Information questions, for a period as of a date, from the records only.

Each answer is drawn from the period's :class:`~.figures.TransparencyReport` as it stood at the end of the
as-of day (the day a logged request was received, unless the officer gives another), so "how many photos
are held" is the count on that day, not at the year's end. It says which period and day it used, cites the
audit entries and published documents it rests on, and says so when the records cannot answer (status
``not_held`` or ``partial``) instead of filling the gap. A person still reviews a draft, and decides on
exemptions, before anything is sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from watchkeeper.governance.foi import FoiRecord
from watchkeeper.governance.register import ContactRecord, ContractRecord, Register, UseRecord
from watchkeeper.governance.vocabulary import DocumentKind, TechnologyCategory, UseStage
from watchkeeper.reports.figures import Period, Sources, TransparencyReport, build_report
from watchkeeper.reports.history import AuditHistory
from watchkeeper.reports.own_use import OwnAct, own_acts
from watchkeeper.reports.questions import Question, QuestionKind


class AnswerStatus(StrEnum):
    ANSWERED = "answered"
    PARTIAL = "partial"
    """Answered in part; the answer says what the records do not hold."""
    NOT_HELD = "not_held"
    """The records cannot answer: nothing is invented in its place."""
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True, slots=True, kw_only=True)
class DraftAnswer:
    question_id: str
    question: str
    period: Period
    as_of: date
    """The figures are as they stood at the end of this day (no later than the period's last day)."""
    status: AnswerStatus
    text: str
    sources: Sources
    citations: tuple[str, ...]
    """URLs of the published documents and contracts the answer refers to (candidates for section 21)."""


_NAMES = {
    TechnologyCategory.LIVE_FACIAL_RECOGNITION: "live facial recognition",
    TechnologyCategory.RETROSPECTIVE_FACIAL_RECOGNITION: "retrospective facial recognition",
    TechnologyCategory.OPERATOR_INITIATED_FACIAL_RECOGNITION: "operator-initiated facial recognition",
    TechnologyCategory.FACIAL_COMPOSITE: "facial composite systems",
    TechnologyCategory.GEOGRAPHIC_PREDICTIVE_POLICING: "geographic predictive policing",
    TechnologyCategory.INDIVIDUAL_RISK_ASSESSMENT: "individual risk assessment tools",
    TechnologyCategory.OTHER: "other surveillance technology",
    None: "surveillance and analytics technology",
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
_SECTION_21 = "Published material is reasonably accessible to the requester (section 21 may apply)."


def draft_answers(
    questions: list[Question],
    periods: list[Period],
    as_of: date,
    *,
    register: Register,
    history: AuditHistory,
    requests: list[FoiRecord],
    now: datetime,
) -> list[DraftAnswer]:
    """One draft per question per period, each as of ``as_of`` (or the period's last day, if earlier)."""
    answers = []
    for period in periods:
        if period.up_to(as_of) is None:
            text = f"The period {period.describe()} had not begun on {as_of.isoformat()}."
            answers += [_not_begun(question, period, as_of, text) for question in questions]
            continue
        report = build_report(history, register, requests, period, now, as_of=as_of)
        seen = period.up_to(report.as_of)
        assert seen is not None
        acts = own_acts(register, history, seen)
        every_act = own_acts(register, history, Period(date.min, report.as_of))
        for question in questions:
            ask = _Ask(question, report, seen, register, acts, every_act)
            answers.append(_ANSWERERS[question.kind](ask))
    return answers


def _not_begun(question: Question, period: Period, as_of: date, text: str) -> DraftAnswer:
    return DraftAnswer(
        question_id=question.id,
        question=question.text,
        period=period,
        as_of=as_of,
        status=AnswerStatus.NOT_APPLICABLE,
        text=text,
        sources=(),
        citations=(),
    )


@dataclass(frozen=True, slots=True)
class _Ask:
    """One question put to one period's report: what every answer needs to know."""

    question: Question
    report: TransparencyReport
    seen: Period
    """The part of the period up to the as-of day."""
    register: Register
    period_acts: tuple[OwnAct, ...]
    every_act: tuple[OwnAct, ...]
    """This system's own acts up to the as-of day (not only the period's), for first dates."""

    @property
    def category(self) -> TechnologyCategory | None:
        return self.question.category

    @property
    def name(self) -> str:
        return _NAMES[self.category]

    @property
    def during(self) -> str:
        """``in 2022``, ``in 2023 up to 2023-04-06`` or ``from 2022-03-01 to 2022-06-30``."""
        period, seen = self.report.period, self.seen
        if not period.is_calendar_year:
            return f"from {seen.describe()}"
        if seen == period:
            return f"in {period.first.year}"
        return f"in {period.first.year} up to {seen.last.isoformat()}"

    @property
    def acts(self) -> list[OwnAct]:
        """This system's acts of the question's category within the period (up to the as-of day)."""
        return [a for a in self.period_acts if self.mine(a)]

    def mine(self, act: OwnAct) -> bool:
        """Whether ``act`` is of the question's category (every act, without one)."""
        return self.category is None or act.category is self.category

    def covers(self, technology: str) -> bool:
        """Whether ``technology`` is of the question's category (every technology, without one)."""
        found = self.register.technology(technology)
        return found is not None and (self.category is None or self.category in found.categories)

    def stages(self, *kinds: UseStage) -> list[UseRecord]:
        """Register stages of these kinds, of the category, overlapping the period up to the as-of day."""
        seen = self.seen
        return [
            u
            for u in self.register.uses
            if u.stage in kinds and self.covers(u.technology) and u.overlaps(seen.first, seen.last)
        ]

    def contracts(self) -> list[ContractRecord]:
        seen = self.seen
        return [
            c
            for c in self.register.contracts
            if self.covers(c.technology) and c.starts_on <= seen.last and (c.ends_on is None or c.ends_on >= seen.first)
        ]

    def contacts(self) -> list[ContactRecord]:
        """Meetings and correspondence in the period up to the as-of day: about a technology of the
        category, or (without a category) any."""
        seen = self.seen
        return [
            c
            for c in self.register.contacts
            if seen.first <= c.occurred_on <= seen.last
            and (self.category is None or (c.technology is not None and self.covers(c.technology)))
        ]

    def draft(
        self, status: AnswerStatus, text: str, sources: Iterable[int] = (), citations: Iterable[str] = ()
    ) -> DraftAnswer:
        return DraftAnswer(
            question_id=self.question.id,
            question=self.question.text,
            period=self.report.period,
            as_of=self.report.as_of,
            status=status,
            text=text,
            sources=tuple(sorted(set(sources))),
            citations=tuple(dict.fromkeys(citations)),
        )


def _answer_use(ask: _Ask) -> DraftAnswer:
    acts = ask.acts
    deployments = [a for a in acts if a.category is TechnologyCategory.LIVE_FACIAL_RECOGNITION]
    searches = [a for a in acts if a.category is TechnologyCategory.RETROSPECTIVE_FACIAL_RECOGNITION]
    parts = []
    if deployments:
        trials = sum(bool(a.trial) for a in deployments)
        parts.append(
            f"Watchkeeper: {len(deployments) - trials} operational and {trials} trial deployment(s) of live "
            f"facial recognition {ask.during}."
        )
    if searches:
        parts.append(f"Watchkeeper: {len(searches)} retrospective search(es) {ask.during}.")
    stages = {stage: ask.stages(stage) for stage in (UseStage.ONGOING, UseStage.TRIAL, UseStage.PLANNED)}
    for stage, found in stages.items():
        if found:
            names = ", ".join(sorted({u.technology for u in found}))
            parts.append(f"Register: {stage.value} use of {names} {ask.during}.")
    firsts, first_sources = _first_dates(ask)
    parts += firsts
    in_use = bool(acts or stages[UseStage.TRIAL] or stages[UseStage.ONGOING])
    if in_use:
        lead = f"Yes. Use or trial of {ask.name} is recorded {ask.during}."
    elif stages[UseStage.PLANNED]:
        lead = f"Planned only: no use or trial of {ask.name} is recorded {ask.during}."
    else:
        lead = f"No. The records show no use, trial or plan of {ask.name} {ask.during}."
    sources = [a.sequence for a in acts] + [u.audit_sequence for found in stages.values() for u in found]
    return ask.draft(AnswerStatus.ANSWERED, " ".join([lead, *parts]), [*sources, *first_sources])


def _first_dates(ask: _Ask) -> tuple[list[str], list[int]]:
    """The first trial and the first ongoing use on record by the as-of day, each on its own: an ongoing
    service introduced after a trial was introduced when it began, not when the trial did."""
    until = ask.seen.last
    lines, sources = [], []
    for stage, label in ((UseStage.TRIAL, "First trial"), (UseStage.ONGOING, "First ongoing use")):
        candidates = [
            (u.starts_on, u.audit_sequence) for u in ask.register.uses if u.stage is stage and ask.covers(u.technology)
        ]
        candidates += [(a.day, a.sequence) for a in ask.every_act if ask.mine(a) and a.stage_kind is stage]
        candidates = [c for c in candidates if c[0] <= until]
        if candidates:
            day, sequence = min(candidates)
            lines.append(f"{label}: {day.isoformat()}.")
            sources.append(sequence)
    if len(lines) == 1:
        missing = "trial" if lines[0].startswith("Ongoing") else "ongoing use"
        lines.append(f"No {missing} is recorded by {until.isoformat()}.")
    return lines, sources


def _answer_cameras(ask: _Ask) -> DraftAnswer:
    """Camera kinds per stage of use: from this system's deployments on record where it has them, else
    from what the register records for the stage."""
    stages = ask.stages(UseStage.TRIAL, UseStage.ONGOING)
    deployments = [a for a in ask.acts if a.mode is not None]
    if not stages and not deployments:
        return ask.draft(AnswerStatus.NOT_APPLICABLE, f"No use of {ask.name} is recorded {ask.during}.")
    lines, sources, unknown = [], [], []
    for use in stages:
        own = [a for a in deployments if a.stage == use]
        if own:
            kinds = ", ".join(sorted({str(a.mode) for a in own}))
            lines.append(f"{_stage_label(use)}: {kinds} (from its deployments on record)")
            sources += [use.audit_sequence, *(a.sequence for a in own)]
        elif use.camera_kinds:
            lines.append(f"{_stage_label(use)}: {', '.join(sorted(k.value for k in use.camera_kinds))}")
            sources.append(use.audit_sequence)
        else:
            unknown.append(_stage_label(use))
    unstaged = [a for a in deployments if a.stage is None]
    if unstaged:
        kinds = ", ".join(sorted({str(a.mode) for a in unstaged}))
        lines.append(f"Watchkeeper deployments outside any recorded stage: {kinds}")
        sources += [a.sequence for a in unstaged]
    text = f"Kinds of camera used {ask.during}: {'; '.join(lines) or 'none recorded'}."
    status = AnswerStatus.ANSWERED
    if unknown:
        text += f" The records do not say which cameras were used in: {'; '.join(unknown)}."
        status = AnswerStatus.PARTIAL if lines else AnswerStatus.NOT_HELD
    return ask.draft(status, text, sources)


def _stage_label(use: UseRecord) -> str:
    until = f" to {use.ends_on.isoformat()}" if use.ends_on else " onwards"
    return f"{use.technology} {use.stage.value} from {use.starts_on.isoformat()}{until}"


def _answer_suppliers(ask: _Ask) -> DraftAnswer:
    names = {u.technology for u in ask.stages(UseStage.PLANNED, UseStage.TRIAL, UseStage.ONGOING)}
    names |= {a.entry.name for a in ask.acts if a.entry is not None}
    unregistered = [a for a in ask.acts if a.entry is None]
    if not names and not unregistered:
        return ask.draft(AnswerStatus.NOT_APPLICABLE, f"No use or plan of {ask.name} is recorded {ask.during}.")
    lines, sources = [], [a.sequence for a in ask.acts]
    for technology_name in sorted(names):
        technology = ask.register.technology(technology_name)
        assert technology is not None  # named by the register's own records
        lines.append(f"{technology.supplier} ({technology.product})")
        sources.append(technology.audit_sequence)
    text = f"Suppliers of {ask.name} {ask.during}: {'; '.join(dict.fromkeys(lines)) or 'none recorded'}."
    if unregistered:
        text += (
            f" Watchkeeper's own use of {ask.name} is on record, but no register entry is marked as this system "
            "for it, so its supplier is not recorded."
        )
    status = AnswerStatus.ANSWERED if not unregistered else AnswerStatus.PARTIAL if lines else AnswerStatus.NOT_HELD
    return ask.draft(status, text, sources)


def _answer_contracts(ask: _Ask) -> DraftAnswer:
    contracts = ask.contracts()
    if not contracts:
        return ask.draft(AnswerStatus.ANSWERED, f"No contract for {ask.name} is recorded {ask.during}.")
    text = f"Contracts in force {ask.during}: {'; '.join(_contract_line(c) for c in contracts)}."
    citations = [c.published_url for c in contracts if c.published_url]
    if citations:
        text += " " + _SECTION_21
    return ask.draft(AnswerStatus.ANSWERED, text, [c.audit_sequence for c in contracts], citations)


def _contract_line(contract: ContractRecord) -> str:
    term = f"{contract.months} months" if contract.months is not None else "open-ended"
    until = contract.ends_on.isoformat() if contract.ends_on else "no end date"
    line = (
        f"{contract.reference} with {contract.supplier} for {contract.purpose}, "
        f"{contract.starts_on.isoformat()} to {until} ({term})"
    )
    return f"{line}, published at {contract.published_url}" if contract.published_url else line


def _answer_costs(ask: _Ask) -> DraftAnswer:
    spend = [s for s in ask.report.spend if ask.covers(s.technology)]
    if not spend:
        if ask.acts or ask.stages(UseStage.TRIAL, UseStage.ONGOING):
            text = f"Use of {ask.name} is recorded {ask.during}, but the records hold no cost for it."
            sources = [a.sequence for a in ask.acts] + [
                u.audit_sequence for u in ask.stages(UseStage.TRIAL, UseStage.ONGOING)
            ]
            return ask.draft(AnswerStatus.NOT_HELD, text, sources)
        return ask.draft(AnswerStatus.ANSWERED, f"No use and no cost of {ask.name} is recorded {ask.during}.")
    by_stage = {stage: sum(s.amount_pence for s in spend if s.stage == stage.value) for stage in _PAID_STAGES}
    by_supplier: dict[str, int] = {}
    for s in spend:
        by_supplier[s.supplier] = by_supplier.get(s.supplier, 0) + s.amount_pence
    text = (
        f"Cost of {ask.name} {ask.during}: trials {pounds(by_stage[UseStage.TRIAL])}, ongoing use "
        f"{pounds(by_stage[UseStage.ONGOING])} (by supplier: "
        + "; ".join(f"{supplier} {pounds(amount)}" for supplier, amount in sorted(by_supplier.items()))
        + ")."
    )
    moved = [s for s in spend if s.counts_from.year != s.year]
    for s in moved:
        text += (
            f" {pounds(s.amount_pence)} recorded for {s.year} paid for {s.technology}'s {s.stage} stage, which "
            f"began on {s.counts_from.isoformat()}, and is counted from then."
        )
    if ask.seen != ask.report.period:
        text += f" Costs are recorded by year: those of stages begun by {ask.seen.last.isoformat()} are included."
    return ask.draft(AnswerStatus.ANSWERED, text, [x for s in spend for x in s.sources])


_PAID_STAGES = (UseStage.TRIAL, UseStage.ONGOING)


def _answer_face_images(ask: _Ask) -> DraftAnswer:
    report = ask.report
    if ask.category not in _FACIAL_RECOGNITION:
        return ask.draft(AnswerStatus.NOT_APPLICABLE, f"Not applicable: {ask.name} hold no face images.")
    if ask.category is TechnologyCategory.LIVE_FACIAL_RECOGNITION:
        if not report.deployments:
            return ask.draft(AnswerStatus.NOT_APPLICABLE, f"No LFR deployment is recorded {ask.during}.")
        lines = [f"{d.name}: {_faces(d.watchlist_faces, d.watchlist_subjects)}" for d in report.deployments]
        text = f"Watchlists of the deployments {ask.during} (frozen at authorisation): {'; '.join(lines)}."
        return ask.draft(AnswerStatus.ANSWERED, text, [d.sources[0] for d in report.deployments])
    galleries = [h for h in report.holdings if h.kind == "gallery"]
    if not galleries:
        text = f"No gallery of face images is recorded at {report.as_of.isoformat()}."
        return ask.draft(AnswerStatus.ANSWERED, text)
    lines = [f"{h.name}: {_faces(h.faces, h.subjects)} at {h.at.isoformat()}" for h in galleries]
    return ask.draft(
        AnswerStatus.ANSWERED,
        f"Galleries searched by RFR: {'; '.join(lines)}.",
        [s for h in galleries for s in h.sources],
    )


def _answer_retention(ask: _Ask) -> DraftAnswer:
    """The force's retention policy in its own words (the register) beside the periods Watchkeeper
    enforces (its configuration, for facial recognition), each as in force on the as-of day."""
    statements = [r for r in ask.register.retention_in_force(ask.report.as_of) if ask.covers(r.technology)]
    parts = [
        f'The force\'s retention policy for {r.technology} (from {r.in_force_from}): "{r.text}"' for r in statements
    ]
    sources = [r.audit_sequence for r in statements]
    enforced = ask.report.retention if ask.category in _FACIAL_RECOGNITION else ()
    if enforced:
        periods = "; ".join(
            f"from {figure.in_force_from.date().isoformat()}: "
            + ", ".join(
                f"{kind.replace('_', ' ')} {'no period of its own' if days is None else f'{days} days'}"
                for kind, days in figure.retention_days.items()
            )
            for figure in enforced
        )
        parts.append(
            f"Retention periods enforced by Watchkeeper {ask.during}: {periods}. Faces that match no one are not "
            "retained at all."
        )
        sources += [s for f in enforced for s in f.sources]
    if not parts:
        return ask.draft(AnswerStatus.NOT_HELD, f"The records hold no retention policy or period for {ask.name}.")
    return ask.draft(AnswerStatus.ANSWERED, " ".join(parts), sources)


def _answer_documents(ask: _Ask) -> DraftAnswer:
    documents = [d for d in ask.report.documents if ask.covers(d.technology)]
    in_use = bool(ask.acts or ask.stages(UseStage.TRIAL, UseStage.ONGOING))
    if not documents and not in_use:
        return ask.draft(
            AnswerStatus.NOT_APPLICABLE, f"No use of {ask.name} and no governing document is recorded {ask.during}."
        )
    lines, citations = [], []
    for d in documents:
        form = "in redacted form " if d.redacted else ""
        state = (
            f"published {form}{d.published_on.isoformat()} at {d.url}" if d.url and d.published_on else "not published"
        )
        lines.append(
            f"{d.technology} {_DOCUMENT_NAMES[DocumentKind(d.kind)]} '{d.title}' version {d.version} "
            f"of {d.issued_on.isoformat()}, {state}"
        )
        if d.url:
            citations.append(d.url)
    present = {DocumentKind(d.kind) for d in documents}
    missing = [_DOCUMENT_NAMES[k] for k in _EXPECTED_DOCUMENTS if k not in present]
    text = f"Documents in force on {ask.report.as_of.isoformat()}: " + ("; ".join(lines) or "none") + "."
    if missing:
        text += f" No {', no '.join(missing)} is recorded."
    if citations:
        text += " " + _SECTION_21
    if any(d.redacted and d.url for d in documents):
        text += " What a redacted publication withholds is not accessible there."
    return ask.draft(AnswerStatus.ANSWERED, text, [s for d in documents for s in d.sources], citations)


def _answer_products(ask: _Ask) -> DraftAnswer:
    """For each product the question names: what the register holds of it, or "no record"."""
    lines, sources = [], []
    for product in ask.question.products:
        technologies = [
            t
            for t in ask.register.technologies
            if ask.covers(t.name) and (_names(product, t.name) or _names(product, t.product))
        ]
        names = {t.name for t in technologies}
        contacts = [
            c
            for c in ask.contacts()
            if c.technology in names or _names(product, c.summary) or _names(product, c.supplier)
        ]
        if not technologies and not contacts:
            lines.append(f"{product}: no record.")
            continue
        facts = [f"{t.name} ({t.supplier}, {t.product})" for t in technologies]
        stages = [u for u in ask.stages(*UseStage) if u.technology in names]
        facts += [_stage_label(u) for u in stages]
        facts += [_contact_line(c) for c in contacts]
        if not stages and not contacts:
            facts.append(f"no contact, plan, trial or use recorded {ask.during}")
        lines.append(f"{product}: " + "; ".join(facts) + ".")
        sources += [t.audit_sequence for t in technologies] + [u.audit_sequence for u in stages]
        sources += [c.audit_sequence for c in contacts]
    return ask.draft(AnswerStatus.ANSWERED, f"As recorded {ask.during}: " + " ".join(lines), sources)


def _answer_vendors(ask: _Ask) -> DraftAnswer:
    """For each vendor the question names: contracts, products and contacts, or "no record"; with
    ``others``, every other vendor with a contract or contact too."""
    contracts, contacts = ask.contracts(), ask.contacts()
    lines, sources, named = [], [], set()
    for vendor in ask.question.vendors:
        mine = [c for c in contracts if _names(vendor, c.supplier)]
        products = [t for t in ask.register.technologies if ask.covers(t.name) and _names(vendor, t.supplier)]
        met = [c for c in contacts if _names(vendor, c.supplier)]
        named |= {c.supplier for c in mine} | {c.supplier for c in met}
        if not (mine or products or met):
            lines.append(f"{vendor}: no record.")
            continue
        facts = [f"contract {_contract_line(c)}" for c in mine] or ["no contract"]
        facts += [f"supplies {t.name} ({t.product})" for t in products]
        facts += [_contact_line(c) for c in met]
        lines.append(f"{vendor}: " + "; ".join(facts) + ".")
        sources += [c.audit_sequence for c in mine] + [t.audit_sequence for t in products]
        sources += [c.audit_sequence for c in met]
    if ask.question.others:
        others = [c for c in contracts if c.supplier not in named]
        other_contacts = [c for c in contacts if c.supplier not in named]
        if others or other_contacts:
            facts = [f"contract {_contract_line(c)}" for c in others] + [_contact_line(c) for c in other_contacts]
            lines.append("Other vendors: " + "; ".join(facts) + ".")
            sources += [c.audit_sequence for c in others] + [c.audit_sequence for c in other_contacts]
        else:
            lines.append("Other vendors: no contract or contact is recorded.")
    return ask.draft(AnswerStatus.ANSWERED, f"Vendors of {ask.name} {ask.during}: " + " ".join(lines), sources)


def _answer_contacts(ask: _Ask) -> DraftAnswer:
    contacts = ask.contacts()
    if ask.question.vendors:
        contacts = [c for c in contacts if any(_names(v, c.supplier) for v in ask.question.vendors)]
    if not contacts:
        text = f"No meeting or correspondence with a vendor of {ask.name} is recorded {ask.during}."
        return ask.draft(AnswerStatus.ANSWERED, text)
    text = f"Meetings and correspondence about {ask.name} {ask.during}: " + "; ".join(map(_contact_line, contacts))
    return ask.draft(AnswerStatus.ANSWERED, text + ".", [c.audit_sequence for c in contacts])


def _contact_line(contact: ContactRecord) -> str:
    about = f" about {contact.technology}" if contact.technology else ""
    return (
        f"{contact.kind.value} with {contact.supplier}{about} on {contact.occurred_on.isoformat()} ({contact.summary})"
    )


def _answer_plans(ask: _Ask) -> DraftAnswer:
    """Plans approved by the as-of day for the months after it; a plan whose approval date is not
    recorded is listed and said to be so."""
    start = ask.report.as_of
    end = add_months(start, ask.question.months)
    plans = [
        u
        for u in ask.register.uses
        if u.stage is UseStage.PLANNED
        and ask.covers(u.technology)
        and u.overlaps(start, end)
        and (u.approved_on is None or u.approved_on <= start)
    ]
    window = f"the {ask.question.months} months from {start.isoformat()} to {end.isoformat()}"
    if not plans:
        return ask.draft(AnswerStatus.ANSWERED, f"No plan for {ask.name} in {window} is recorded by {start}.")
    lines = []
    for plan in plans:
        approval = f"approved {plan.approved_on.isoformat()}" if plan.approved_on else "approval date not recorded"
        until = plan.ends_on.isoformat() if plan.ends_on else "no end date"
        notes = f": {plan.notes}" if plan.notes else ""
        lines.append(f"{plan.technology} from {plan.starts_on.isoformat()} to {until} ({approval}){notes}")
    text = f"Plans for {ask.name} in {window}, as approved by {start.isoformat()}: " + "; ".join(lines) + "."
    return ask.draft(AnswerStatus.ANSWERED, text, [u.audit_sequence for u in plans])


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day where it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - date.resolution).day
    return date(year, month, min(day.day, last))


def _names(name: str, text: str) -> bool:
    """Whether ``text`` names ``name`` as a whole word, ignoring case ("NEC" in "NEC Software", not in
    "connected")."""
    return re.search(rf"(?<!\w){re.escape(name.casefold())}(?!\w)", text.casefold()) is not None


def _faces(faces: int, people: int) -> str:
    return f"{faces} face image{'' if faces == 1 else 's'} of {people} {'person' if people == 1 else 'people'}"


def pounds(pence: int) -> str:
    return f"£{pence // 100:,}.{pence % 100:02d}"


_ANSWERERS: dict[QuestionKind, Callable[[_Ask], DraftAnswer]] = {
    QuestionKind.USE: _answer_use,
    QuestionKind.CAMERAS: _answer_cameras,
    QuestionKind.SUPPLIERS: _answer_suppliers,
    QuestionKind.CONTRACTS: _answer_contracts,
    QuestionKind.COSTS: _answer_costs,
    QuestionKind.FACE_IMAGES: _answer_face_images,
    QuestionKind.RETENTION: _answer_retention,
    QuestionKind.DOCUMENTS: _answer_documents,
    QuestionKind.PRODUCTS: _answer_products,
    QuestionKind.VENDORS: _answer_vendors,
    QuestionKind.CONTACTS: _answer_contacts,
    QuestionKind.PLANS: _answer_plans,
}
