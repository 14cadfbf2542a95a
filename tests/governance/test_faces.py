"""Faces one at a time: each indexed face a subject of its own, single faces listed, removed and used as
probes, every change audited; and existing faces given identifiers by the migration that adds them."""

from __future__ import annotations

import io
import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from PIL import Image
from sqlalchemy import func, select

from watchkeeper.face import decode_image
from watchkeeper.governance import faces, galleries
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import alembic_config, make_engine, open_database
from watchkeeper.governance.roles import Actor, PermissionDeniedError, Role
from watchkeeper.governance.schema import AuditEntryRow, EnrolledFace, Search, Subject

GROUP = "examples/knn_examples/test/obama_and_biden.jpg"
OBAMA = "examples/knn_examples/train/obama"


def criteria(clock: FixedClock) -> faces.EntryCriteria:
    return faces.EntryCriteria(
        SubjectCategory.SUSPECTED_OFFENCE, "arrested", "custody suite", clock.now() + timedelta(days=30)
    )


def index(
    gov: Governance, actor: Actor, faces_dir: Path, relative: str, clock: FixedClock, label: str
) -> list[faces.FaceRecord]:
    data = (faces_dir / relative).read_bytes()
    loaded = decode_image(data, relative)
    analysis = gov.engine.analyse(loaded)
    image = galleries.EnrolmentImage(Path(relative).name, data)
    return faces.index_faces(
        gov,
        actor,
        gallery_name="custody",
        image=image,
        size=loaded.size,
        faces=analysis.faces,
        criteria=criteria(clock),
        external_image_id=label,
    )


@pytest.fixture
def custody(gov: Governance, people: dict[Role, Actor]) -> str:
    galleries.create_gallery(gov, people[Role.ADMIN], "custody", "", "tests")
    return "custody"


def audit_actions(gov: Governance) -> list[str]:
    with gov.sessions() as session:
        rows = session.scalars(select(AuditEntryRow.canonical).order_by(AuditEntryRow.sequence)).all()
    return [json.loads(row)["action"] for row in rows if row is not None]


def test_each_face_of_an_image_is_a_subject_of_its_own(
    gov: Governance, people: dict[Role, Actor], custody: str, faces_dir: Path, clock: FixedClock
) -> None:
    records = index(gov, people[Role.ANALYST], faces_dir, GROUP, clock, "group")
    assert len(records) == 3
    assert len({r.image_id for r in records}) == 1
    assert sorted(r.subject_reference for r in records) == sorted(r.face_id for r in records)
    assert {r.external_image_id for r in records} == {"group"}
    assert {(r.image_size.width, r.image_size.height) for r in records} == {(2000, 1428)}
    subjects = galleries.list_subjects(gov, people[Role.AUDITOR], custody)
    assert sorted(s.reference for s in subjects) == sorted(r.face_id for r in records)
    assert {s.faces for s in subjects} == {1}
    assert audit_actions(gov)[-3:] == ["subject.enrol"] * 3
    with pytest.raises(PermissionDeniedError):
        index(gov, people[Role.AUDITOR], faces_dir, GROUP, clock, "group")


def test_listing_pages_by_face_identifier(
    gov: Governance, people: dict[Role, Actor], custody: str, faces_dir: Path, clock: FixedClock
) -> None:
    records = index(gov, people[Role.ADMIN], faces_dir, GROUP, clock, "group")
    ordered = sorted(r.face_id for r in records)
    first = faces.list_faces(gov, people[Role.AUDITOR], custody, limit=2)
    rest = faces.list_faces(gov, people[Role.AUDITOR], custody, limit=2, after_face_id=first[-1].face_id)
    assert [r.face_id for r in first + rest] == ordered
    assert [
        r.face_id for r in faces.list_faces(gov, people[Role.AUDITOR], custody, 10, face_ids=ordered[1:2])
    ] == ordered[1:2]


def test_removing_faces(
    gov: Governance, people: dict[Role, Actor], custody: str, faces_dir: Path, clock: FixedClock
) -> None:
    admin = people[Role.ADMIN]
    images = [galleries.EnrolmentImage(p.name, p.read_bytes()) for p in sorted((faces_dir / OBAMA).iterdir())]
    details = galleries.SubjectDetails(
        "obama", SubjectCategory.SUSPECTED_OFFENCE, "arrested", "custody", clock.now() + timedelta(days=9)
    )
    galleries.enrol_subject(gov, admin, custody, details, images)
    obama_faces = faces.list_faces(gov, admin, custody, 10)
    assert len(obama_faces) == 2
    indexed = index(gov, admin, faces_dir, "examples/biden.jpg", clock, "biden")
    missing = str(uuid.uuid4())
    with pytest.raises(PermissionDeniedError):
        faces.remove_faces(gov, people[Role.ANALYST], custody, [indexed[0].face_id], "mistake")
    removed, not_found = faces.remove_faces(
        gov, admin, custody, [obama_faces[0].face_id, indexed[0].face_id, missing], "mistake"
    )
    assert removed == [obama_faces[0].face_id, indexed[0].face_id]
    assert not_found == [missing]
    assert [s.reference for s in galleries.list_subjects(gov, admin, custody)] == ["obama"]
    assert [r.face_id for r in faces.list_faces(gov, admin, custody, 10)] == [obama_faces[1].face_id]
    assert audit_actions(gov)[-2:] == ["face.remove", "face.remove"]
    with gov.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Subject)) == 1


def test_searching_with_an_enrolled_face(
    gov: Governance, people: dict[Role, Actor], custody: str, faces_dir: Path, clock: FixedClock
) -> None:
    admin = people[Role.ADMIN]
    obama = [index(gov, admin, faces_dir, f"{OBAMA}/{name}", clock, name)[0] for name in ("obama.jpg", "obama2.jpg")]
    index(gov, admin, faces_dir, "examples/biden.jpg", clock, "biden")
    request = faces.FaceSearch(custody, obama[0].face_id, "OP-9", "who else is this", candidates=5, threshold=0.6)
    outcome = faces.search_by_face(gov, people[Role.ANALYST], request)
    found = faces.faces_by_row(gov, admin, [c.face_id for c in outcome.candidates])
    assert [found[c.face_id].face_id for c in outcome.candidates] == [obama[1].face_id]
    with gov.sessions() as session:
        recorded = session.scalars(select(Search)).one()
        assert (recorded.case_reference, recorded.probe_name) == ("OP-9", f"enrolled face {obama[0].face_id}")
        assert len(recorded.candidates) == 1
    with pytest.raises(PermissionDeniedError):
        faces.search_by_face(gov, people[Role.AUDITOR], request)


def test_the_migration_gives_existing_faces_identifiers_and_upright_sizes(tmp_path: Path) -> None:
    """A face enrolled before revision 0006, in a portrait photo stored sideways (EXIF orientation 6)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), "0005")
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (300, 200), (90, 90, 90)).save(buffer, format="JPEG", exif=exif)
    engine = make_engine(url)
    with engine.begin() as connection:
        now = "2026-01-01 00:00:00"
        connection.execute(sa.text(f"INSERT INTO galleries VALUES (1, 'old', '', 'exact', 1, 'ada', '{now}')"))
        connection.execute(
            sa.text(
                f"INSERT INTO subjects VALUES (1, 1, 'someone', 'suspected_offence', 'r', 's', 'ada', '{now}', '{now}')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO enrolled_faces VALUES "
                f"(1, 1, 1, :descriptor, 'old.jpg', 'x', 'jpg', :image, 10, 20, 110, 120, 40.0, 'ada', '{now}')"
            ),
            {"descriptor": bytes(512), "image": buffer.getvalue()},
        )
    engine.dispose()
    open_database(url).kw["bind"].dispose()
    engine = make_engine(url)
    with engine.connect() as connection:
        row = connection.execute(sa.select(EnrolledFace.__table__)).one()
    engine.dispose()
    assert uuid.UUID(row.face_uuid).version == 4
    assert uuid.UUID(row.image_uuid).version == 4
    assert (row.image_width, row.image_height) == (200, 300)
    assert row.detection_score is None
