"""The figures of a transparency report for a period, each with the audit entries it was computed from.

One typed model (:class:`TransparencyReport`) holds every figure; the renderers (Markdown, CSV, PDF) only
lay it out, and the FOI answers are drawn from the same figures, so a number is computed once. Biometric
activity is replayed from the audit log (see :mod:`.history`); the register and the FOI log are read from
their tables, each row citing the audit entry that recorded it. Days are UTC calendar days; a period runs
from the start of its first day to the end of its last.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from watchkeeper.errors import InvalidArgumentError
from watchkeeper.governance.audit.errors import EventError
from watchkeeper.governance.audit.events import (
    AlertAdjudicated,
    AlertRaised,
    AuditEvent,
    ConfigurationChanged,
    DeploymentAuthorised,
    DeploymentEnded,
    FacesAgedOut,
    FootageSearched,
    GalleryCreated,
    GalleryDeleted,
    GallerySearched,
    RecordedEvent,
    RunStarted,
    RunStopped,
    SubjectEnrolled,
    SubjectExpired,
    SubjectRemoved,
)
from watchkeeper.governance.foi import FoiRecord
from watchkeeper.governance.register import CostRecord, Register
from watchkeeper.governance.search import SearchPurpose
from watchkeeper.governance.vocabulary import TechnologyCategory, UseStage
from watchkeeper.reports.history import AuditHistory

Sources = tuple[int, ...]
"""Audit entry sequence numbers a figure was computed from (``watchkeeper audit verify --entry N`` proves
each one is in the signed log)."""


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidArgumentError(f"a period cannot end ({self.last}) before it starts ({self.first})")

    @property
    def start(self) -> datetime:
        return start_of(self.first)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return start_of(self.last + timedelta(days=1))

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def is_calendar_year(self) -> bool:
        return self == Period.year(self.first.year)

    def up_to(self, as_of: date) -> Period | None:
        """The part of this period on or before ``as_of`` (None if the period had not begun by then)."""
        if as_of < self.first:
            return None
        return Period(self.first, min(self.last, as_of))

    def describe(self) -> str:
        """``2022``, or ``2022-03-01 to 2022-06-30``."""
        if self.is_calendar_year:
            return str(self.first.year)
        return f"{self.first.isoformat()} to {self.last.isoformat()}"


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class TechnologyFigure:
    name: str
    categories: tuple[str, ...]
    supplier: str
    product: str
    stages: tuple[str, ...]
    """Stages of use (planned, trial, ongoing) recorded in the register during the period."""
    components: tuple[str, ...]
    sources: Sources


@dataclass(frozen=True, slots=True)
class DeploymentFigure:
    """A live deployment whose authorised window or runs fall in the period."""

    name: str
    kind: str
    """``live`` (retrospective use is counted under searches)."""
    trial: bool
    mode: str
    location: str
    cameras: tuple[str, ...]
    gallery: str
    watchlist_subjects: int
    watchlist_faces: int
    authorised_from: datetime
    authorised_to: datetime
    hours_authorised: float
    hours_run: float
    """Hours cameras ran inside the period (a run still going at the period's end counts to the end)."""
    runs: int
    frames_processed: int
    faces_seen: int
    alerts: int
    confirmed: int
    rejected: int
    pending: int
    sources: Sources


@dataclass(frozen=True, slots=True)
class HoldingFigure:
    """How many subjects and face images a gallery or a deployment's watchlist held at the end of a day."""

    at: date
    kind: str
    name: str
    subjects: int
    faces: int
    sources: Sources


@dataclass(frozen=True, slots=True)
class RetentionFigure:
    in_force_from: datetime
    retention_days: dict[str, int | None]
    """Days per kind of data (``None``: no period of its own)."""
    sources: Sources


@dataclass(frozen=True, slots=True)
class ProcessingFigure:
    """Counts only: Watchkeeper keeps no record of a face that matched nothing."""

    kind: str
    """``live`` (deployment runs) or ``footage`` (searches through recorded video)."""
    frames_processed: int
    faces_seen: int
    sources: Sources


@dataclass(frozen=True, slots=True)
class AlertFigure:
    raised: int
    confirmed: int
    rejected: int
    pending: int
    false_alert_rate: float | None
    """Rejected alerts over adjudicated alerts (confirmed + rejected); None when none was adjudicated."""
    false_alerts_per_thousand_faces: float | None
    """Rejected alerts per 1,000 faces seen by live deployments in the period; None when no face was seen."""
    sources: Sources


@dataclass(frozen=True, slots=True)
class SearchFigure:
    purpose: str
    gallery_searches: int
    footage_searches: int
    sources: Sources


@dataclass(frozen=True, slots=True)
class SpendFigure:
    year: int
    """The year the costs were recorded for (costs are recorded per year)."""
    supplier: str
    technology: str
    stage: str
    amount_pence: int
    counts_from: date
    """When the costs count as spent: the start of their year, or of the stage they paid for if that began
    later (a cost recorded for a year before its stage began is reported from the stage's start)."""
    sources: Sources


@dataclass(frozen=True, slots=True)
class DocumentFigure:
    technology: str
    kind: str
    title: str
    version: str
    issued_on: date
    published_on: date | None
    url: str | None
    """Set only if published by the as-of day."""
    redacted: bool
    """Published in redacted form."""
    sources: Sources


@dataclass(frozen=True, slots=True)
class FoiFigure:
    received: int
    valid: int
    awaiting_details: int
    answered: int
    answered_late: int
    overdue: int
    """Valid requests received in the period, unanswered and past their due date at the period's end."""
    neither_confirm_nor_deny: int
    provisions: dict[str, int]
    sources: Sources


@dataclass(frozen=True, slots=True)
class TransparencyReport:
    period: Period
    as_of: date
    """Figures are as they stood at the end of this day: activity up to it, holdings on it, documents in
    force on it (the last day of the period unless earlier)."""
    generated_at: datetime
    snapshot_dates: tuple[date, ...]
    technologies: tuple[TechnologyFigure, ...]
    deployments: tuple[DeploymentFigure, ...]
    holdings: tuple[HoldingFigure, ...]
    retention: tuple[RetentionFigure, ...]
    processing: tuple[ProcessingFigure, ...]
    alerts: AlertFigure
    searches: tuple[SearchFigure, ...]
    spend: tuple[SpendFigure, ...]
    documents: tuple[DocumentFigure, ...]
    foi: FoiFigure
    gaps: tuple[str, ...]
    """What the records cannot show for this period, said plainly instead of guessed."""


def build_report(
    history: AuditHistory,
    register: Register,
    requests: list[FoiRecord],
    period: Period,
    generated_at: datetime,
    snapshot_dates: tuple[date, ...] = (),
    as_of: date | None = None,
) -> TransparencyReport:
    """Every figure for ``period`` as it stood at the end of ``as_of`` (default: the period's last day, or
    today if that is earlier); holdings at each of ``snapshot_dates`` (default: the as-of day).
    InvalidArgumentError if the period had not begun by the as-of day."""
    today = generated_at.astimezone(UTC).date()
    as_of = min(as_of or period.last, period.last, today)
    seen = period.up_to(as_of)
    if seen is None:
        raise InvalidArgumentError(
            f"the period {period.describe()} had not begun on {as_of.isoformat()}: nothing to report as of then"
        )
    dates = tuple(sorted(set(snapshot_dates))) or (as_of,)
    processing = _processing(history, seen)
    live_faces = next(p.faces_seen for p in processing if p.kind == "live")
    return TransparencyReport(
        period=period,
        as_of=as_of,
        generated_at=generated_at,
        snapshot_dates=dates,
        technologies=_technologies(register, seen),
        deployments=_deployments(history, seen),
        holdings=tuple(h for day in dates for h in holdings_at(history, day)),
        retention=_retention(history, seen),
        processing=processing,
        alerts=_alerts(history, seen, live_faces),
        searches=_searches(history, seen),
        spend=_spend(register, seen),
        documents=_documents(register, as_of),
        foi=_foi(requests, seen),
        gaps=_gaps(history, seen),
    )


def _technologies(register: Register, period: Period) -> tuple[TechnologyFigure, ...]:
    figures = []
    for technology in register.technologies:
        uses = [u for u in register.uses if u.technology == technology.name and u.overlaps(period.first, period.last)]
        figures.append(
            TechnologyFigure(
                name=technology.name,
                categories=tuple(c.value for c in technology.categories),
                supplier=technology.supplier,
                product=technology.product,
                stages=tuple(dict.fromkeys(u.stage.value for u in uses)),
                components=tuple(f"{c.name} {c.version}" for c in technology.components),
                sources=(technology.audit_sequence, *(u.audit_sequence for u in uses)),
            )
        )
    return tuple(figures)


def _deployments(history: AuditHistory, period: Period) -> tuple[DeploymentFigure, ...]:
    runs = _runs(history, period)
    alerts = _alert_outcomes(history, period)
    figures = []
    for entry in history.of(DeploymentAuthorised):
        details = entry.event
        name = details.deployment
        window = (details.starts_at.astimezone(UTC), details.ends_at.astimezone(UTC))
        mine = [run for run in runs if run.deployment == name]
        if not (window[0] < period.end and window[1] > period.start) and not mine:
            continue
        raised = [a for a in alerts if a.deployment == name]
        outcomes = Counter(a.outcome for a in raised)
        figures.append(
            DeploymentFigure(
                name=name,
                kind="live",
                trial=details.trial,
                mode=details.mode,
                location=details.location,
                cameras=details.cameras,
                gallery=details.gallery,
                watchlist_subjects=len(details.watchlist_subjects),
                watchlist_faces=details.watchlist_faces,
                authorised_from=window[0],
                authorised_to=window[1],
                hours_authorised=_hours(window[1] - window[0]),
                hours_run=_hours(sum((r.duration for r in mine), timedelta())),
                runs=len(mine),
                frames_processed=sum(r.frames for r in mine),
                faces_seen=sum(r.faces for r in mine),
                alerts=len(raised),
                confirmed=outcomes["confirmed"],
                rejected=outcomes["rejected"],
                pending=outcomes["pending"],
                sources=_sorted(
                    [entry.sequence, *(s for r in mine for s in r.sources), *(s for a in raised for s in a.sources)]
                ),
            )
        )
    return tuple(figures)


@dataclass(slots=True)
class _Run:
    deployment: str
    duration: timedelta = timedelta()
    frames: int = 0
    faces: int = 0
    sources: list[int] = field(default_factory=list)


def _runs(history: AuditHistory, period: Period) -> list[_Run]:
    """Camera runs (a ``deployment.start`` to its ``deployment.stop``) clipped to the period; counts are
    those of stops inside it. A run closed because its process died ends at its last checkpoint (the stop's
    ``last_seen``), not when its silence was noticed."""
    open_runs: dict[tuple[str, str], RecordedEvent[AuditEvent]] = {}
    runs: list[_Run] = []
    for entry in history.of(RunStarted, RunStopped):
        act = entry.event
        assert isinstance(act, RunStarted | RunStopped)
        camera = (act.deployment, act.camera)
        if isinstance(act, RunStarted):
            open_runs[camera] = entry
            continue
        started = open_runs.pop(camera, None)
        stopped = act.last_seen.astimezone(UTC) if act.last_seen is not None else entry.timestamp
        run = _clipped_run(act.deployment, started, stopped, period)
        if period.contains(entry.timestamp):
            run.frames = act.counts.frames_processed
            run.faces = act.counts.faces_seen
            run.sources.append(entry.sequence)
        if run.sources:
            runs.append(run)
    for (deployment, _), started in open_runs.items():
        run = _clipped_run(deployment, started, period.end, period)
        if run.sources:
            runs.append(run)
    return runs


def _clipped_run(deployment: str, started: RecordedEvent[AuditEvent] | None, stopped: datetime, period: Period) -> _Run:
    run = _Run(deployment=deployment)
    if started is None:
        return run
    begin, end = max(started.timestamp, period.start), min(stopped, period.end)
    if begin < end:
        run.duration = end - begin
        run.sources.append(started.sequence)
    return run


@dataclass(frozen=True, slots=True)
class _AlertOutcome:
    deployment: str
    outcome: str
    sources: tuple[int, ...]


def _alert_outcomes(history: AuditHistory, period: Period) -> list[_AlertOutcome]:
    """Alerts raised in the period with their outcome as adjudicated by its end (the report's as-of day)."""
    decisions = {
        (e.event.deployment, e.event.alert): e for e in history.of(AlertAdjudicated) if e.timestamp < period.end
    }
    outcomes = []
    for entry in history.of(AlertRaised):
        if not period.contains(entry.timestamp):
            continue
        decision = decisions.get((entry.event.deployment, entry.event.alert))
        outcome = decision.event.outcome if decision else "pending"
        sources = (entry.sequence, decision.sequence) if decision else (entry.sequence,)
        outcomes.append(_AlertOutcome(entry.event.deployment, outcome, sources))
    return outcomes


def _alerts(history: AuditHistory, period: Period, live_faces: int) -> AlertFigure:
    outcomes = _alert_outcomes(history, period)
    counted = Counter(o.outcome for o in outcomes)
    adjudicated = counted["confirmed"] + counted["rejected"]
    return AlertFigure(
        raised=len(outcomes),
        confirmed=counted["confirmed"],
        rejected=counted["rejected"],
        pending=counted["pending"],
        false_alert_rate=counted["rejected"] / adjudicated if adjudicated else None,
        false_alerts_per_thousand_faces=1000 * counted["rejected"] / live_faces if live_faces else None,
        sources=_sorted([s for o in outcomes for s in o.sources]),
    )


def holdings_at(history: AuditHistory, day: date) -> list[HoldingFigure]:
    """Subjects and face images of every gallery and live watchlist at the end of ``day``, replayed from
    enrolments, removals, expiries, ageing out and deletions in the audit log, each at the time it took
    effect (an imported history's enrolments at their original dates)."""
    moment = start_of(day + timedelta(days=1))
    galleries: dict[str, dict[str, int]] = {}
    gallery_sources: dict[str, list[int]] = defaultdict(list)
    watchlists: dict[str, tuple[int, int, int]] = {}
    effective = sorted((_took_effect(entry), entry.sequence, entry) for entry in history.entries)
    for took_effect, _, entry in effective:
        if took_effect >= moment:
            break
        _replay(entry, galleries, gallery_sources, watchlists)
    figures = [
        HoldingFigure(day, "gallery", name, len(subjects), sum(subjects.values()), tuple(gallery_sources[name]))
        for name, subjects in sorted(galleries.items())
    ]
    figures += [
        HoldingFigure(day, "watchlist", name, subjects, faces, (sequence,))
        for name, (subjects, faces, sequence) in sorted(watchlists.items())
    ]
    return figures


def _took_effect(entry: RecordedEvent[AuditEvent]) -> datetime:
    act = entry.event
    if isinstance(act, SubjectEnrolled) and act.enrolled_on is not None:
        return start_of(act.enrolled_on)
    return entry.timestamp


def _replay(
    entry: RecordedEvent[AuditEvent],
    galleries: dict[str, dict[str, int]],
    sources: dict[str, list[int]],
    watchlists: dict[str, tuple[int, int, int]],
) -> None:
    act = entry.event
    if isinstance(act, GalleryCreated):  # after an imported history dated before it: keep that history
        galleries.setdefault(act.gallery, {})
        sources[act.gallery].append(entry.sequence)
    elif isinstance(act, GalleryDeleted):
        galleries.pop(act.gallery, None)
        sources.pop(act.gallery, None)
    elif isinstance(act, SubjectEnrolled | SubjectRemoved | SubjectExpired):
        subjects = galleries.setdefault(act.gallery, {})
        if isinstance(act, SubjectEnrolled):
            subjects[act.subject] = subjects.get(act.subject, 0) + len(act.images)
        else:
            subjects.pop(act.subject, None)
        sources[act.gallery].append(entry.sequence)
    elif isinstance(act, FacesAgedOut):
        subjects = galleries.setdefault(act.gallery, {})
        for reference, faces in (act.faces_by_subject or {}).items():
            subjects[reference] = subjects.get(reference, 0) - faces
        for deleted in act.subjects_deleted or ():
            subjects.pop(deleted, None)
        sources[act.gallery].append(entry.sequence)
    elif isinstance(act, DeploymentAuthorised):
        watchlists[act.deployment] = (len(act.watchlist_subjects), act.watchlist_faces, entry.sequence)
    elif isinstance(act, DeploymentEnded):
        watchlists.pop(act.deployment, None)


def _retention(history: AuditHistory, period: Period) -> tuple[RetentionFigure, ...]:
    """The configuration in force at the period's start and every change during it."""
    changes = [e for e in history.of(ConfigurationChanged) if e.timestamp < period.end]
    before = [e for e in changes if e.timestamp <= period.start]
    chosen = before[-1:] + [e for e in changes if e.timestamp > period.start]
    return tuple(
        RetentionFigure(
            in_force_from=e.timestamp,
            retention_days=_retention_days(e),
            sources=(e.sequence,),
        )
        for e in chosen
    )


def _retention_days(change: RecordedEvent[ConfigurationChanged]) -> dict[str, int | None]:
    """Days per kind of the recorded configuration; EventError naming the entry if it does not say them
    (the configuration is free-form in the entry, so its shape is checked here, where it is read)."""
    retention = change.event.configuration.get("retention_days")
    if isinstance(retention, dict) and all(days is None or (type(days) is int) for days in retention.values()):
        return {str(kind): days for kind, days in retention.items()}
    raise EventError(
        f"audit entry {change.sequence} ({ConfigurationChanged.ACTION}): its configuration's retention_days "
        f"is not days (whole numbers or null) per kind: {retention!r}"
    )


def _processing(history: AuditHistory, period: Period) -> tuple[ProcessingFigure, ...]:
    stops = [e for e in history.of(RunStopped) if period.contains(e.timestamp)]
    searches = [e for e in history.of(FootageSearched) if period.contains(e.timestamp)]
    return (
        ProcessingFigure(
            kind="live",
            frames_processed=sum(e.event.counts.frames_processed for e in stops),
            faces_seen=sum(e.event.counts.faces_seen for e in stops),
            sources=tuple(e.sequence for e in stops),
        ),
        ProcessingFigure(
            kind="footage",
            frames_processed=sum(e.event.frames_processed for e in searches),
            faces_seen=sum(e.event.faces_seen for e in searches),
            sources=tuple(e.sequence for e in searches),
        ),
    )


def _searches(history: AuditHistory, period: Period) -> tuple[SearchFigure, ...]:
    by_purpose: dict[str, list[RecordedEvent[GallerySearched | FootageSearched]]] = defaultdict(list)
    searches: list[RecordedEvent[GallerySearched | FootageSearched]] = [*history.of(GallerySearched)]
    searches += history.of(FootageSearched)
    for entry in sorted(searches, key=lambda searched: searched.sequence):
        if period.contains(entry.timestamp):
            by_purpose[entry.event.purpose or SearchPurpose.NOT_STATED.value].append(entry)
    order = [p.value for p in SearchPurpose]
    return tuple(
        SearchFigure(
            purpose=purpose,
            gallery_searches=sum(isinstance(e.event, GallerySearched) for e in entries),
            footage_searches=sum(isinstance(e.event, FootageSearched) for e in entries),
            sources=tuple(e.sequence for e in entries),
        )
        for purpose, entries in sorted(by_purpose.items(), key=lambda item: _rank(order, item[0]))
    )


def _spend(register: Register, period: Period) -> tuple[SpendFigure, ...]:
    """Costs that count as spent within the period (see :attr:`SpendFigure.counts_from`), totalled by year,
    supplier, technology and stage."""
    totals: dict[tuple[int, str, str, str, date], list[Any]] = {}
    for cost in register.costs:
        counts_from = _counts_from(register, cost)
        if not period.first <= counts_from <= period.last:
            continue
        key = (cost.year, cost.supplier, cost.technology, cost.stage.value, counts_from)
        total = totals.setdefault(key, [0, []])
        total[0] += cost.amount_pence
        total[1].append(cost.audit_sequence)
    return tuple(
        SpendFigure(year, supplier, technology, stage, amount, counts_from, tuple(sources))
        for (year, supplier, technology, stage, counts_from), (amount, sources) in sorted(totals.items())
    )


def _counts_from(register: Register, cost: CostRecord) -> date:
    """The start of the cost's year, or of the stage it paid for if that began later: the stage named by
    the cost, else the technology's first stage of that kind."""
    stages = [u for u in register.uses_of(cost.technology) if u.stage is cost.stage]
    paid_for = next((u for u in stages if u.id == cost.use_id), None) if cost.use_id is not None else None
    if paid_for is None and stages:
        paid_for = min(stages, key=lambda u: u.starts_on)
    start_of_year = date(cost.year, 1, 1)
    return max(start_of_year, paid_for.starts_on) if paid_for else start_of_year


def _documents(register: Register, day: date) -> tuple[DocumentFigure, ...]:
    return tuple(
        DocumentFigure(
            technology=d.technology,
            kind=d.kind.value,
            title=d.title,
            version=d.version,
            issued_on=d.issued_on,
            published_on=d.published_on if d.published_by(day) else None,
            url=d.url if d.published_by(day) else None,
            redacted=d.redacted and d.published_by(day),
            sources=(d.audit_sequence,),
        )
        for d in register.documents_in_force(day)
    )


def _foi(requests: list[FoiRecord], period: Period) -> FoiFigure:
    received = [r for r in requests if period.first <= r.received_on <= period.last]
    answered = [r for r in received if r.answered_on is not None and r.answered_on <= period.last]
    provisions = Counter(p.value for r in answered for p in r.provisions)
    return FoiFigure(
        received=len(received),
        valid=sum(r.valid_from is not None for r in received),
        awaiting_details=sum(r.valid_from is None or r.valid_from > period.last for r in received),
        answered=len(answered),
        answered_late=sum(bool(r.late) for r in answered),
        overdue=sum(
            r.due_on is not None and r.due_on < period.last and (r.answered_on is None or r.answered_on > period.last)
            for r in received
        ),
        neither_confirm_nor_deny=sum(r.neither_confirm_nor_deny for r in answered),
        provisions=dict(sorted(provisions.items())),
        sources=_sorted(
            [r.audit_sequence for r in received]
            + [r.answer_audit_sequence for r in answered if r.answer_audit_sequence is not None]
        ),
    )


def _gaps(history: AuditHistory, period: Period) -> tuple[str, ...]:
    gaps = []
    pruned = history.pruned_before(period.end)
    if pruned:
        gaps.append(
            f"{pruned} audit entries recorded before the end of the period had their content deleted under the "
            "audit retention period; figures that depend on them (holdings, deployments, searches, alerts) "
            "cannot be reconstructed and may be undercounted."
        )
    if not [e for e in history.of(ConfigurationChanged) if e.timestamp < period.end]:
        gaps.append("No configuration is recorded as in force during the period: retention periods are unknown.")
    interrupted = [e for e in history.of(RunStopped) if period.contains(e.timestamp) and e.event.interrupted]
    if interrupted:
        gaps.append(
            f"{len(interrupted)} camera run(s) ended without being stopped (their process died) and were closed at "
            "their last checkpoint: what they counted and the time they ran after it (up to one checkpoint "
            "interval, a minute by default) are not in these figures."
        )
    return tuple(gaps)


def in_category(register: Register, name: str, category: TechnologyCategory) -> bool:
    technology = register.technology(name)
    return technology is not None and category in technology.categories


def stages_in(register: Register, category: TechnologyCategory, period: Period) -> dict[UseStage, list[int]]:
    """Register stages of use of technologies in ``category`` that overlap ``period``, with their sources."""
    found: dict[UseStage, list[int]] = defaultdict(list)
    for use in register.uses:
        if in_category(register, use.technology, category) and use.overlaps(period.first, period.last):
            found[use.stage].append(use.audit_sequence)
    return dict(found)


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 2)


def _sorted(sources: list[int]) -> Sources:
    return tuple(sorted(set(sources)))


def _rank(order: list[str], value: str) -> tuple[int, str]:
    return (order.index(value) if value in order else len(order), value)
