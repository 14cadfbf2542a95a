"""Choosing audit entries by action, actor, target and day, in the database's query, page by page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from watchkeeper.errors import InputError
from watchkeeper.governance import audit_access, galleries
from watchkeeper.governance.audit.selection import EntryFilter
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, PermissionDeniedError, Role
from watchkeeper.governance.schema import AuditEntryRow

FIRST_DAY = date(2026, 3, 2)
"""The test clock's day; the history below spans it and the two days after."""


def make_history(gov: Governance, people: dict[Role, Actor], clock: FixedClock) -> None:
    """Galleries created on three days, one a day by ada and the last one also deleted."""
    for day, name in enumerate(("custody", "Case-7", "spare")):
        clock.current = clock.current.replace(day=FIRST_DAY.day + day)
        galleries.create_gallery(gov, people[Role.ADMIN], name, "", f"create {name}")
    galleries.delete_gallery(gov, people[Role.ADMIN], "spare", "not needed")


def actions(gov: Governance, actor: Actor, criteria: EntryFilter) -> list[tuple[int, str]]:
    page = audit_access.page(gov, actor, criteria, None, 100)
    return [(sequence, entry.action) for sequence, entry in page.entries if entry is not None]


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (EntryFilter(action="gallery.create"), [(7, "gallery.create"), (6, "gallery.create"), (5, "gallery.create")]),
        (EntryFilter(actor="ada", action="gallery.delete"), [(8, "gallery.delete")]),
        (EntryFilter(actor="nobody"), []),
        (EntryFilter(target="GALLERY:case-"), [(6, "gallery.create")]),
        (EntryFilter(target="_"), []),  # a LIKE wildcard is matched as itself
        (
            EntryFilter(first_day=FIRST_DAY + timedelta(days=1), action="gallery.create"),
            [(7, "gallery.create"), (6, "gallery.create")],
        ),
        (EntryFilter(last_day=FIRST_DAY, action="gallery.create"), [(5, "gallery.create")]),
        (
            EntryFilter(first_day=FIRST_DAY + timedelta(days=2), last_day=FIRST_DAY + timedelta(days=2)),
            [(8, "gallery.delete"), (7, "gallery.create")],
        ),
    ],
)
def test_a_filter_selects_the_entries_that_record_what_it_names(
    gov: Governance,
    people: dict[Role, Actor],
    clock: FixedClock,
    criteria: EntryFilter,
    expected: list[tuple[int, str]],
) -> None:
    make_history(gov, people, clock)
    assert actions(gov, people[Role.AUDITOR], criteria) == expected


def test_a_filter_reads_the_hashed_bytes_not_a_copy_beside_them(
    gov: Governance, people: dict[Role, Actor], clock: FixedClock
) -> None:
    """The date filter goes by the entry's own timestamp: moving the stored ``recorded_at`` of an entry (a
    column verification does not cover) neither hides it nor brings it in."""
    make_history(gov, people, clock)
    with gov.sessions() as session, session.begin():
        session.execute(update(AuditEntryRow).values(recorded_at=clock.now() + timedelta(days=400)))
    assert actions(gov, people[Role.AUDITOR], EntryFilter(last_day=FIRST_DAY, action="gallery.create")) == [
        (5, "gallery.create")
    ]


def test_pages_of_a_filter_follow_one_another_by_sequence(
    gov: Governance, people: dict[Role, Actor], clock: FixedClock
) -> None:
    make_history(gov, people, clock)
    auditor = people[Role.AUDITOR]
    only_creations = EntryFilter(action="gallery.create")
    newest = audit_access.page(gov, auditor, only_creations, None, 2)
    assert [sequence for sequence, _ in newest.entries] == [7, 6]
    assert (newest.older, newest.newer) == (6, None)
    older = audit_access.page(gov, auditor, only_creations, newest.older, 2)
    assert [sequence for sequence, _ in older.entries] == [5]
    assert older.older is None
    assert older.newer is not None
    back = audit_access.page(gov, auditor, only_creations, older.newer, 2)
    assert [sequence for sequence, _ in back.entries] == [7, 6]


def test_pruned_entries_show_unfiltered_and_match_no_condition(
    gov: Governance, people: dict[Role, Actor], clock: FixedClock
) -> None:
    make_history(gov, people, clock)
    with gov.sessions() as session, session.begin():
        session.execute(update(AuditEntryRow).where(AuditEntryRow.sequence == 5).values(canonical=None))
    auditor = people[Role.AUDITOR]
    assert (5, None) in audit_access.page(gov, auditor, EntryFilter(), None, 100).entries
    assert [sequence for sequence, _ in actions(gov, auditor, EntryFilter(action="gallery.create"))] == [7, 6]


def test_a_period_that_ends_before_it_begins_is_refused() -> None:
    with pytest.raises(InputError, match="before the first day"):
        EntryFilter(first_day=FIRST_DAY, last_day=FIRST_DAY - timedelta(days=1))


def test_only_roles_that_read_the_audit_log_may_filter_it(gov: Governance, people: dict[Role, Actor]) -> None:
    with pytest.raises(PermissionDeniedError):
        audit_access.page(gov, people[Role.OPERATOR], EntryFilter(), None, 10)
