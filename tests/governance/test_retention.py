"""Retention enforced by the system, on a clock the test moves."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from watchkeeper.config import ConfigError, Settings
from watchkeeper.face import FaceEngine
from watchkeeper.governance import audit_access, galleries, policy, retention, search
from watchkeeper.governance.audit.entry import AuditEntry
from watchkeeper.governance.audit.verify import FindingKind, runs
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.indexes import PARTIAL_SAVE_GRACE_SECONDS, GalleryVersion
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.governance.schema import AuditEntryRow, EnrolledFace, Gallery, Search, Subject

POLICY = policy.RetentionPolicy(
    enrolled_images=None,
    probe_images=timedelta(days=7),
    search_results=timedelta(days=30),
    audit=timedelta(days=60),
)


@pytest.fixture
def gov(tmp_path: Path, settings: Settings, engine: FaceEngine, clock: FixedClock) -> Iterator[Governance]:
    """A governance core with POLICY in force: its policy file says so, and its start records it in the log
    (which is what a prune is checked against)."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "watchkeeper.toml").write_text(
        '[retention]\nenrolled_images = "none"\nprobe_images = 7\nsearch_results = 30\naudit = 60\n'
    )
    governance = Governance.open(replace(settings, data_dir=data_dir), clock)
    assert (governance.policy.probe_images, governance.policy.audit) == (POLICY.probe_images, POLICY.audit)
    governance.engine = engine
    yield governance
    governance.close()


def contents(gov: Governance) -> dict[int, AuditEntry | None]:
    with gov.sessions() as session:
        rows = session.execute(select(AuditEntryRow.sequence, AuditEntryRow.canonical)).all()
    return {sequence: AuditEntry.from_canonical_bytes(data) if data else None for sequence, data in rows}


def enrol(gov: Governance, admin: Actor, faces_dir: Path, reference: str, image: str, expires_in: int) -> None:
    details = galleries.SubjectDetails(
        reference, SubjectCategory.WANTED_BY_COURTS, "warrant", "custody", gov.clock.now() + timedelta(days=expires_in)
    )
    data = (faces_dir / image).read_bytes()
    assert galleries.enrol_subject(gov, admin, "watch", details, [galleries.EnrolmentImage(image, data)]).enrolled == 1


@pytest.fixture
def stocked(gov: Governance, people: dict[Role, Actor], faces_dir: Path) -> Governance:
    admin = people[Role.ADMIN]
    galleries.create_gallery(gov, admin, "watch", "", "setup")
    enrol(gov, admin, faces_dir, "biden", "examples/biden.jpg", expires_in=10)
    enrol(gov, admin, faces_dir, "obama", "examples/obama.jpg", expires_in=100)
    request = search.SearchRequest(
        "watch", "probe.jpg", (faces_dir / "examples/obama2.jpg").read_bytes(), "C-1", "why", keep_probe=True
    )
    search.run_search(gov, people[Role.ANALYST], request)
    return gov


def count(gov: Governance, model: type, *where: object) -> int:
    with gov.sessions() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


def test_nothing_is_deleted_before_its_time(stocked: Governance, people: dict[Role, Actor], clock: FixedClock) -> None:
    clock.advance(timedelta(days=6))
    report = retention.enforce_retention(stocked, people[Role.ADMIN], POLICY)
    assert report == retention.RetentionReport(0, 0, 0, 0, 0)


def test_each_kind_goes_at_its_own_time(stocked: Governance, people: dict[Role, Actor], clock: FixedClock) -> None:
    admin, auditor = people[Role.ADMIN], people[Role.AUDITOR]
    clock.advance(timedelta(days=8))  # the kept probe is past 7 days
    assert retention.enforce_retention(stocked, admin, POLICY).probes_cleared == 1
    assert count(stocked, Search, Search.probe_descriptor.is_not(None)) == 0
    assert count(stocked, Search) == 1

    clock.advance(timedelta(days=3))  # day 11: biden's expiry (day 10) has passed
    report = retention.enforce_retention(stocked, admin, POLICY)
    assert report.expired_subjects == 1
    assert count(stocked, Subject) == 1
    assert count(stocked, EnrolledFace) == 1
    with stocked.sessions() as session:
        gallery = session.scalars(select(Gallery)).one()
        remaining = stocked.indexes.get(GalleryVersion.of(gallery))
    assert len(remaining) == 1

    clock.advance(timedelta(days=20))  # day 31: the search record is past 30 days
    assert retention.enforce_retention(stocked, admin, POLICY).searches_deleted == 1
    assert count(stocked, Search) == 0

    clock.advance(timedelta(days=30))  # day 61: entries from day 0 are past 60 days
    pruned = retention.enforce_retention(stocked, admin, POLICY).audit_entries_pruned
    assert pruned > 0
    assert count(stocked, AuditEntryRow, AuditEntryRow.canonical.is_(None)) == pruned
    verified = audit_access.verify(stocked, auditor)
    assert verified.ok, verified.findings  # pruned content, intact tree

    kept = contents(stocked)
    actions = [entry.action for entry in kept.values() if entry]
    for action in ("retention.probes_cleared", "retention.subject_expired", "retention.searches_deleted"):
        assert action in actions
    assert actions[-1] == "retention.audit_pruned"
    assert actions[0] == "config.change"  # kept: it is what the prune is checked against
    prune = [entry for entry in kept.values() if entry][-1]
    nulls = sorted(sequence for sequence, entry in kept.items() if entry is None)
    assert prune.details["sequences"] == [[first, last] for first, last in runs(nulls)]
    assert (prune.details["period_days"], prune.details["entries"]) == (60, pruned)


def test_a_prune_the_policy_in_force_did_not_allow_fails_verification(
    stocked: Governance, people: dict[Role, Actor], clock: FixedClock
) -> None:
    """Retention run with a shorter audit period than the configuration in force: the log says so."""
    clock.advance(timedelta(days=40))
    hasty = replace(POLICY, audit=timedelta(days=30))
    assert retention.enforce_retention(stocked, people[Role.ADMIN], hasty).audit_entries_pruned > 0
    report = audit_access.verify(stocked, people[Role.AUDITOR])
    refused = report.of_kind(FindingKind.PRUNE_NOT_ALLOWED)
    assert len(refused) == 1
    assert "under a period of 30 days, shorter than the 60 days of the configuration in force" in refused[0].message
    assert FindingKind.ENTRY_PRUNED_UNACCOUNTED in {finding.kind for finding in report.findings}
    assert not report.ok


def test_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "watchkeeper.toml"
    assert policy.read_policy(path) == policy.RetentionPolicy()
    path.write_text('[retention]\nprobe_images = 3\nenrolled_images = 365\naudit = "none"\n')
    read = policy.read_policy(path)
    assert read.probe_images == timedelta(days=3)
    assert read.enrolled_images == timedelta(days=365)
    assert read.audit is None
    assert read.search_results == policy.RetentionPolicy().search_results
    path.write_text("[retention]\nprobes = 3\n")
    with pytest.raises(ConfigError, match="unknown retention kind"):
        policy.read_policy(path)
    path.write_text("[retention]\naudit = -1\n")
    with pytest.raises(ConfigError, match="whole number of days"):
        policy.read_policy(path)


def test_index_files_no_gallery_owns_are_deleted_and_counted(stocked: Governance, people: dict[Role, Actor]) -> None:
    """A deletion killed between its commit and the unlink, or a save killed mid-write, leaves a file that
    may hold deleted faces' descriptors; retention deletes it (an honest partial save only once it is old)."""
    indexes = stocked.indexes
    (live,) = sorted(indexes.index_dir.glob("gallery-*.index"))
    orphan = indexes.index_dir / "gallery-999.index"
    orphan.write_bytes(live.read_bytes())
    partial, fresh = (indexes.index_dir / f".{live.name}.{name}.tmp" for name in ("killed", "writing"))
    partial.write_bytes(live.read_bytes()[:100])
    fresh.write_bytes(b"")
    long_ago = time.time() - 2 * PARTIAL_SAVE_GRACE_SECONDS
    os.utime(partial, (long_ago, long_ago))
    report = retention.enforce_retention(stocked, people[Role.ADMIN], POLICY)
    assert report.orphaned_index_files == 2
    assert sorted(path.name for path in indexes.index_dir.iterdir()) == sorted([live.name, fresh.name])
    (entry,) = [e for e in contents(stocked).values() if e and e.action == "retention.orphaned_indexes_deleted"]
    assert entry.details == {"files": 2}
    assert retention.enforce_retention(stocked, people[Role.ADMIN], POLICY).orphaned_index_files == 0
