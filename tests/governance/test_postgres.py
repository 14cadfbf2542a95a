"""The governance core on a real PostgreSQL server, started by the project's own script."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from watchkeeper.config import Settings
from watchkeeper.face import FaceEngine
from watchkeeper.governance import audit_access, galleries, search, users
from watchkeeper.governance.audit.checkpoint import open_checkpoint
from watchkeeper.governance.audit.proofs import verify_consistency, verify_inclusion
from watchkeeper.governance.audit.selection import EntryFilter
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.clock import SystemClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Role

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postgres-test-server.sh"


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    """A server of our own for this module (or the one WATCHKEEPER_TEST_POSTGRES_URL names)."""
    given = os.environ.get("WATCHKEEPER_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    directory = Path(tempfile.mkdtemp(prefix="watchkeeper-pg-"))
    directory.chmod(0o755)  # the server runs as its own user
    started = subprocess.run(
        [str(SCRIPT), "start", str(directory / "server")], capture_output=True, text=True, check=False
    )
    if started.returncode != 0:
        pytest.fail(f"could not start PostgreSQL with {SCRIPT.name}: {started.stderr.strip()}")
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(SCRIPT), "stop", str(directory / "server")], check=False, capture_output=True)


@pytest.fixture
def pg_gov(postgres_url: str, tmp_path: Path, settings: Settings, engine: FaceEngine) -> Iterator[Governance]:
    from sqlalchemy import create_engine

    cleaner = create_engine(postgres_url)
    with cleaner.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    cleaner.dispose()
    local = replace(settings, data_dir=tmp_path / "data", database_url=postgres_url)
    gov = Governance.open(local, SystemClock(), engine=engine)
    yield gov
    gov.close()


def test_enrol_search_remove_and_audit_on_postgres(pg_gov: Governance, faces_dir: Path) -> None:
    admin = users.resolve_actor(pg_gov, users.add_user(pg_gov, None, "ada", Role.ADMIN, "first").name)
    analyst_record = users.add_user(pg_gov, admin, "ann", Role.ANALYST, "staff")
    analyst = users.resolve_actor(pg_gov, analyst_record.name)
    galleries.create_gallery(pg_gov, admin, "custody", "", "setup")
    expiry = datetime.now(UTC) + timedelta(days=30)
    for person in sorted((faces_dir / "examples/knn_examples/train").iterdir()):
        details = galleries.SubjectDetails(person.name, SubjectCategory.SUSPECTED_OFFENCE, "r", "s", expiry)
        images = [galleries.EnrolmentImage(p.name, p.read_bytes()) for p in sorted(person.iterdir())]
        galleries.enrol_subject(pg_gov, admin, "custody", details, images)
    probe = (faces_dir / "examples/knn_examples/test/obama1.jpg").read_bytes()
    outcome = search.run_search(pg_gov, analyst, search.SearchRequest("custody", "obama1.jpg", probe, "C-9", "why"))
    assert outcome.candidates[0].reference == "obama"
    assert galleries.remove_subject(pg_gov, admin, "custody", "obama", "done") == 2
    outcome = search.run_search(pg_gov, analyst, search.SearchRequest("custody", "obama1.jpg", probe, "C-9", "again"))
    assert "obama" not in [c.reference for c in outcome.candidates]
    auditor = users.resolve_actor(pg_gov, users.add_user(pg_gov, admin, "aud", Role.AUDITOR, "staff").name)
    assert audit_access.verify(pg_gov, auditor).ok
    # configuration, users, gallery, enrolments, searches, removal, auditor
    assert pg_gov.audit.size() == 1 + 2 + 1 + 5 + 1 + 1 + 1 + 1


def test_concurrent_writers_take_sequence_numbers_one_at_a_time(pg_gov: Governance) -> None:
    admin = users.resolve_actor(pg_gov, users.add_user(pg_gov, None, "ada", Role.ADMIN, "first").name)
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda i: galleries.create_gallery(pg_gov, admin, f"g{i}", "", "parallel"), range(40)))
    auditor = users.resolve_actor(pg_gov, users.add_user(pg_gov, admin, "aud", Role.AUDITOR, "staff").name)
    report = audit_access.verify(pg_gov, auditor)
    assert report.ok, report.findings
    assert report.size == 43  # configuration, two users, 40 galleries
    for sequence in range(report.size):  # each proof read from the nodes the concurrent appends stored
        _, leaf, proof, head = audit_access.inclusion(pg_gov, auditor, sequence)
        checkpoint = open_checkpoint(head, pg_gov.audit.verifier)
        verify_inclusion(leaf, sequence, checkpoint.size, proof, checkpoint.root_hash)
    update = audit_access.update_since(pg_gov, auditor, 7)
    verify_consistency(7, update.new_size, update.old_root, update.new_root, update.proof)


def test_audit_filters_read_the_canonical_bytes_on_postgres(pg_gov: Governance) -> None:
    """The filters' JSON reading of the stored bytes, in PostgreSQL's dialect."""
    admin = users.resolve_actor(pg_gov, users.add_user(pg_gov, None, "ada", Role.ADMIN, "first").name)
    for name in ("custody", "Case-7"):
        galleries.create_gallery(pg_gov, admin, name, "", "setup")
    auditor = users.resolve_actor(pg_gov, users.add_user(pg_gov, admin, "aud", Role.AUDITOR, "staff").name)
    today = datetime.now(UTC).date()
    chosen = EntryFilter(action="gallery.create", actor="ada", target="gallery:case", first_day=today, last_day=today)
    page = audit_access.page(pg_gov, auditor, chosen, None, 10)
    assert [(sequence, entry.target if entry else None) for sequence, entry in page.entries] == [(3, "gallery:Case-7")]
