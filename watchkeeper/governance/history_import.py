"""A gallery's history brought from another system, with the dates its images were first enrolled there.

A force moving to Watchkeeper is still asked how many face images it held on past dates. Enrolling the old
system's images today would make every count before today wrong (zero) and every count after it right only
by accident; so each image is enrolled here as usual (analysed, one audited transaction per subject and
date, resumable) but carries its original enrolment date, and holdings are counted from that date. The
import as a whole is recorded with the importer's statement of where the history came from and the SHA-256
of the manifest it was read from, so the dates rest on an audited claim rather than on the clock.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from itertools import groupby
from pathlib import Path

from watchkeeper.errors import InputError, InvalidArgumentError
from watchkeeper.governance.audit.events import HistoryImported
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.galleries import EnrolmentImage, EnrolmentOutcome, SubjectDetails, enrol_subject
from watchkeeper.governance.roles import Actor, Permission


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoricEnrolment:
    """One image of the old system's gallery: whose, when it was enrolled there, and until when it may be
    kept."""

    subject: str
    image: EnrolmentImage
    enrolled_on: date
    category: SubjectCategory
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    outcomes: tuple[EnrolmentOutcome, ...]
    audit_sequence: int
    """The entry recording the import's statement and manifest."""

    @property
    def images(self) -> int:
        return sum(o.enrolled for o in self.outcomes)


def import_history(
    gov: Governance,
    actor: Actor,
    *,
    gallery: str,
    enrolments: Sequence[HistoricEnrolment],
    statement: str,
    manifest_sha256: str,
    reason: str,
    progress: Callable[[int], None] = lambda done: None,
) -> ImportOutcome:
    """Enrol ``enrolments`` into ``gallery`` dated as the old system enrolled them, then record the import.

    Every enrolment is checked before any is stored (an original date in the future or after the image's
    expiry is refused with the subject named); images already enrolled are skipped, so an interrupted
    import is resumed by running it again. ``progress`` is told how many images are done.
    """
    actor.require(Permission.ENROL)
    if not statement.strip():
        raise InvalidArgumentError("an imported history needs a statement of where it came from")
    if not enrolments:
        raise InvalidArgumentError("an imported history needs at least one enrolment")
    today = gov.clock.now().date()
    for enrolment in enrolments:
        _check(enrolment, today)
    outcomes, done = [], 0
    for (subject, enrolled_on), batch in groupby(sorted(enrolments, key=_batch_key), key=_batch_key):
        items = list(batch)
        first = items[0]
        details = SubjectDetails(subject, first.category, reason, statement, first.expires_at, enrolled_on)
        outcomes.append(enrol_subject(gov, actor, gallery, details, [i.image for i in items]))
        done += len(items)
        progress(done)
    days = [e.enrolled_on for e in enrolments]
    imported = HistoryImported(
        gallery=gallery,
        statement=statement,
        manifest_sha256=manifest_sha256,
        images=sum(o.enrolled for o in outcomes),
        subjects=len({e.subject for e in enrolments}),
        first_enrolled_on=min(days),
        last_enrolled_on=max(days),
    )
    with transaction(gov.sessions) as session:
        sequence = gov.audit.append(session, actor, imported, reason).sequence
    return ImportOutcome(tuple(outcomes), sequence)


MANIFEST_COLUMNS = ("subject", "image", "enrolled_on")
"""Required columns of a manifest; ``category`` and ``expires_on`` may be given per row too."""


@dataclass(frozen=True, slots=True)
class Manifest:
    enrolments: tuple[HistoricEnrolment, ...]
    sha256: str


def read_manifest(path: Path, *, category: SubjectCategory, expires_on: date) -> Manifest:
    """The enrolments a CSV manifest lists (``subject,image,enrolled_on[,category][,expires_on]``, images
    relative to the manifest's folder), with the manifest's SHA-256; InputError naming the first bad line,
    before anything is enrolled."""
    try:
        content = path.read_bytes()
        rows = list(csv.DictReader(content.decode("utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(str(path), f"cannot read the manifest: {error}") from None
    if not rows or any(column not in rows[0] for column in MANIFEST_COLUMNS):
        raise InputError(str(path), f"a manifest needs a header with the columns {', '.join(MANIFEST_COLUMNS)}")
    enrolments = []
    for line, row in enumerate(rows, start=2):
        try:
            enrolments.append(_enrolment(row, path.parent, category, expires_on))
        except (OSError, ValueError) as error:
            raise InputError(f"{path}:{line}", str(error)) from None
    return Manifest(tuple(enrolments), hashlib.sha256(content).hexdigest())


def _enrolment(row: dict[str, str], folder: Path, category: SubjectCategory, expires_on: date) -> HistoricEnrolment:
    subject, image = (row.get("subject") or "").strip(), (row.get("image") or "").strip()
    if not subject or not image:
        raise ValueError("every row needs a subject and an image")
    expiry = date.fromisoformat(row["expires_on"].strip()) if (row.get("expires_on") or "").strip() else expires_on
    return HistoricEnrolment(
        subject=subject,
        image=EnrolmentImage(Path(image).name, (folder / image).read_bytes()),
        enrolled_on=date.fromisoformat((row.get("enrolled_on") or "").strip()),
        category=SubjectCategory(row["category"].strip()) if (row.get("category") or "").strip() else category,
        expires_at=datetime.combine(expiry, time(), UTC),
    )


def _batch_key(enrolment: HistoricEnrolment) -> tuple[str, date]:
    return enrolment.subject, enrolment.enrolled_on


def _check(enrolment: HistoricEnrolment, today: date) -> None:
    where = f"{enrolment.subject} ({enrolment.image.name})"
    if enrolment.enrolled_on > today:
        raise InvalidArgumentError(f"{where}: enrolled on {enrolment.enrolled_on}, which is in the future")
    if enrolment.expires_at.date() <= today:
        raise InvalidArgumentError(
            f"{where}: its retention ended on {enrolment.expires_at.date()}; an expired image is not imported"
        )
