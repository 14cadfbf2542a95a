"""Watchkeeper's own audited use tied to the register entries it belongs to, whatever they are called.

A force may register this system once, or under names of its own (one entry for retrospective search, one
for live deployments). Its deployments are live facial recognition and its searches retrospective; each is
tied to an entry marked as this system in that category, preferring the entry whose stage of use (trial
for a trial deployment, ongoing for an operational one) covers the day, so that suppliers, camera kinds and
stages are answered from the right entry instead of from a literal name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

from watchkeeper.governance.audit.events import DeploymentAuthorised, FootageSearched, GallerySearched
from watchkeeper.governance.register import Register, TechnologyRecord, UseRecord
from watchkeeper.governance.vocabulary import TechnologyCategory, UseStage
from watchkeeper.reports.figures import Period
from watchkeeper.reports.history import AuditHistory


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnAct:
    """A deployment or search by this system, and the register entry and stage it belongs to."""

    category: TechnologyCategory
    day: date
    trial: bool | None
    """Deployments say whether they were trials; a search says nothing, and takes its entry's stage."""
    mode: str | None
    """A deployment's camera kind (``static`` or ``portable``)."""
    sequence: int
    entry: TechnologyRecord | None
    """None if no register entry is marked as this system in the category."""
    stage: UseRecord | None
    """The entry's trial or ongoing stage covering the day, if the register has one."""

    @property
    def stage_kind(self) -> UseStage | None:
        """Trial or ongoing: the deployment's own flag, else its stage's; None if neither says."""
        if self.trial is not None:
            return UseStage.TRIAL if self.trial else UseStage.ONGOING
        return self.stage.stage if self.stage else None


def own_acts(register: Register, history: AuditHistory, period: Period) -> tuple[OwnAct, ...]:
    """This system's deployments whose authorised window touches ``period`` (dated by the window's start)
    and its searches in ``period``."""
    acts = [
        _tied(
            register,
            TechnologyCategory.LIVE_FACIAL_RECOGNITION,
            day=e.event.starts_at.astimezone(UTC).date(),
            trial=e.event.trial,
            mode=e.event.mode,
            sequence=e.sequence,
        )
        for e in history.of(DeploymentAuthorised)
        if e.event.starts_at < period.end and e.event.ends_at > period.start
    ]
    acts += [
        _tied(
            register,
            TechnologyCategory.RETROSPECTIVE_FACIAL_RECOGNITION,
            day=e.timestamp.date(),
            trial=None,
            mode=None,
            sequence=e.sequence,
        )
        for e in history.of(GallerySearched, FootageSearched)
        if period.contains(e.timestamp)
    ]
    return tuple(acts)


def entries_of_this_system(register: Register, category: TechnologyCategory) -> tuple[TechnologyRecord, ...]:
    return tuple(t for t in register.in_category(category) if t.this_system)


def _tied(
    register: Register, category: TechnologyCategory, *, day: date, trial: bool | None, mode: str | None, sequence: int
) -> OwnAct:
    entries = entries_of_this_system(register, category)
    wanted = {True: (UseStage.TRIAL,), False: (UseStage.ONGOING,), None: (UseStage.TRIAL, UseStage.ONGOING)}[trial]
    covering = [
        (entry, use)
        for entry in entries
        for use in register.uses_of(entry.name)
        if use.stage in wanted and use.covers(day)
    ]
    entry, stage = covering[0] if covering else (entries[0] if entries else None, None)
    return OwnAct(category=category, day=day, trial=trial, mode=mode, sequence=sequence, entry=entry, stage=stage)
