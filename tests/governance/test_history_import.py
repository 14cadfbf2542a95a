"""Importing a gallery's history from another system: original dates counted, bad manifests refused whole,
an interrupted import resumed, and the import's origin on record."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from watchkeeper.errors import InputError
from watchkeeper.governance import galleries
from watchkeeper.governance.audit.events import HistoryImported, SubjectEnrolled
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.context import Governance
from watchkeeper.governance.history_import import HistoricEnrolment, import_history, read_manifest
from watchkeeper.governance.roles import Actor, PermissionDeniedError, Role
from watchkeeper.reports.figures import holdings_at
from watchkeeper.reports.history import read_history

STATEMENT = "export of the old custody system"


def historic(
    faces_dir: Path, subject: str, image: str, day: date, expires: date = date(2035, 1, 1)
) -> HistoricEnrolment:
    return HistoricEnrolment(
        subject=subject,
        image=galleries.EnrolmentImage(Path(image).name, (faces_dir / image).read_bytes()),
        enrolled_on=day,
        category=SubjectCategory.SUSPECTED_OFFENCE,
        expires_at=datetime.combine(expires, datetime.min.time(), UTC),
    )


def test_holdings_count_each_image_from_its_original_date(
    gov: Governance, people: dict[Role, Actor], faces_dir: Path
) -> None:
    admin = people[Role.ADMIN]
    galleries.create_gallery(gov, admin, "custody", "", "custody images")
    enrolments = [
        historic(faces_dir, "obama", "examples/obama.jpg", date(2019, 2, 1)),
        historic(faces_dir, "obama", "examples/obama2.jpg", date(2019, 2, 1)),
        historic(faces_dir, "biden", "examples/biden.jpg", date(2020, 6, 10)),
    ]
    imported = import_history(gov, admin, gallery="custody", enrolments=enrolments, statement=STATEMENT,
                              manifest_sha256="ab" * 32, reason="migration")  # fmt: skip
    assert imported.images == 3
    history = read_history(gov, admin)
    counts = {day: [(h.subjects, h.faces) for h in holdings_at(history, day) if h.name == "custody"]
              for day in (date(2019, 1, 31), date(2019, 2, 1), date(2020, 6, 10))}  # fmt: skip
    assert counts == {date(2019, 1, 31): [], date(2019, 2, 1): [(1, 2)], date(2020, 6, 10): [(2, 3)]}
    recorded = history.entries[imported.audit_sequence].event
    assert recorded == HistoryImported(gallery="custody", statement=STATEMENT, manifest_sha256="ab" * 32, images=3,
                                       subjects=2, first_enrolled_on=date(2019, 2, 1),
                                       last_enrolled_on=date(2020, 6, 10))  # fmt: skip
    enrolled = [e.event for e in history.of(SubjectEnrolled)]
    assert [(e.subject, e.enrolled_on, e.source) for e in enrolled] == [
        ("biden", date(2020, 6, 10), STATEMENT),
        ("obama", date(2019, 2, 1), STATEMENT),
    ]

    again = import_history(gov, admin, gallery="custody", enrolments=enrolments, statement=STATEMENT,
                           manifest_sha256="ab" * 32, reason="resumed")  # fmt: skip
    assert again.images == 0  # every image already enrolled: a re-run resumes, never repeats


@pytest.mark.parametrize(
    ("day", "expires", "problem"),
    [
        (date(2099, 1, 1), date(2100, 1, 1), "which is in the future"),
        (date(2010, 1, 1), date(2012, 1, 1), "its retention ended on 2012-01-01"),
    ],
)
def test_a_bad_enrolment_refuses_the_whole_import(
    gov: Governance, people: dict[Role, Actor], faces_dir: Path, day: date, expires: date, problem: str
) -> None:
    admin = people[Role.ADMIN]
    galleries.create_gallery(gov, admin, "custody", "", "custody images")
    size = gov.audit.size()
    enrolments = [
        historic(faces_dir, "obama", "examples/obama.jpg", date(2019, 2, 1)),
        historic(faces_dir, "biden", "examples/biden.jpg", day, expires),
    ]
    with pytest.raises(ValueError, match=f"biden \\(biden.jpg\\): .*{problem}"):
        import_history(gov, admin, gallery="custody", enrolments=enrolments, statement=STATEMENT,
                       manifest_sha256="ab" * 32, reason="migration")  # fmt: skip
    assert gov.audit.size() == size
    assert galleries.list_subjects(gov, admin, "custody") == []


def test_only_an_enroller_imports(gov: Governance, people: dict[Role, Actor], faces_dir: Path) -> None:
    with pytest.raises(PermissionDeniedError):
        import_history(gov, people[Role.AUDITOR], gallery="custody",
                       enrolments=[historic(faces_dir, "obama", "examples/obama.jpg", date(2019, 2, 1))],
                       statement=STATEMENT, manifest_sha256="ab" * 32, reason="r")  # fmt: skip


def test_a_manifest_names_its_bad_line(tmp_path: Path, faces_dir: Path) -> None:
    manifest = tmp_path / "manifest.csv"
    obama = faces_dir / "examples" / "obama.jpg"
    manifest.write_text(f"subject,image,enrolled_on\nobama,{obama},2019-02-01\nbiden,{obama},01/02/2019\n")
    with pytest.raises(InputError, match=r"manifest.csv:3: Invalid isoformat string: '01/02/2019'"):
        read_manifest(manifest, category=SubjectCategory.SUSPECTED_OFFENCE, expires_on=date(2035, 1, 1))
    manifest.write_text(f"subject,picture\nobama,{obama}\n")
    with pytest.raises(InputError, match="a manifest needs a header with the columns subject, image, enrolled_on"):
        read_manifest(manifest, category=SubjectCategory.SUSPECTED_OFFENCE, expires_on=date(2035, 1, 1))
    manifest.write_text("subject,image,enrolled_on,category\nobama,missing.jpg,2019-02-01,suspected_offence\n")
    with pytest.raises(InputError, match=r"manifest.csv:2: .*missing.jpg"):
        read_manifest(manifest, category=SubjectCategory.SUSPECTED_OFFENCE, expires_on=date(2035, 1, 1))
    manifest.write_text(f"subject,image,enrolled_on,expires_on\nobama,{obama},2019-02-01,2030-05-01\n")
    read = read_manifest(manifest, category=SubjectCategory.SUSPECTED_OFFENCE, expires_on=date(2035, 1, 1))
    assert read.enrolments[0].expires_at.date() == date(2030, 5, 1)
    assert len(read.sha256) == 64
