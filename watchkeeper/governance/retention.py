"""Retention: the system, not a person's memory, deletes data when its time is up, and records that it did.

Policies are per kind of data (configuration file, ``[retention]`` section, in days). Enforcement deletes
from the database and the vector indexes (enrolled images live in the database, so nothing is left on
disk), one audited transaction per kind, so an interruption leaves each kind either done or untouched;
then the database's write-ahead log is emptied, so what was deleted is in no file (see :mod:`.db`).
Audit entries are the exception that proves the log: past their period their *content* is pruned while
their leaf hashes stay, so the signed tree heads and every remaining entry's proof still verify; the prune
entry names each pruned sequence and the period, so a verifier can tell a lawful prune from a blanked entry.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from watchkeeper.governance.audit.events import (
    AlertsDeleted,
    FacesAgedOut,
    OrphanedIndexesDeleted,
    ProbesCleared,
    SearchesDeleted,
    SubjectExpired,
)
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import erase_deleted, transaction
from watchkeeper.governance.galleries import remove_subjects
from watchkeeper.governance.indexes import Removal, new_generation
from watchkeeper.governance.policy import RetentionPolicy
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import Alert, EnrolledFace, Gallery, Search, Subject


@dataclass(frozen=True, slots=True)
class RetentionReport:
    """What one enforcement deleted, by kind."""

    expired_subjects: int
    aged_faces: int
    probes_cleared: int
    searches_deleted: int
    audit_entries_pruned: int
    alerts_deleted: int = 0
    orphaned_index_files: int = 0


def enforce_retention(gov: Governance, actor: Actor, policy: RetentionPolicy) -> RetentionReport:
    """Delete everything past its retention period now (by ``gov.clock``), auditing each kind."""
    actor.require(Permission.ENFORCE_RETENTION)
    now = gov.clock.now()
    expired = _expire_subjects(gov, actor)
    aged = _age_out_faces(gov, actor, now - policy.enrolled_images) if policy.enrolled_images else 0
    probes = _clear_probes(gov, actor, now - policy.probe_images) if policy.probe_images else 0
    searches = _delete_searches(gov, actor, now - policy.search_results) if policy.search_results else 0
    alerts = _delete_alerts(gov, actor, now - policy.alerts) if policy.alerts else 0
    pruned = gov.audit.prune(actor, policy.audit) if policy.audit else 0
    orphans = _delete_orphaned_indexes(gov, actor)
    erase_deleted(gov.sessions)
    return RetentionReport(expired, aged, probes, searches, pruned, alerts, orphans)


def _delete_orphaned_indexes(gov: Governance, actor: Actor) -> int:
    """Index files of galleries that no longer exist, or half-written by a killed process: derived copies
    that may still hold deleted faces' descriptors, whatever the retention periods."""
    with transaction(gov.sessions) as session:
        count = gov.indexes.delete_orphans(set(session.scalars(select(Gallery.id))))
        if count:
            reason = "index files no gallery owns, or left half-written"
            gov.audit.append(session, actor, OrphanedIndexesDeleted(files=count), reason)
    return count


def _expire_subjects(gov: Governance, actor: Actor) -> int:
    now = gov.clock.now()
    total = 0
    with gov.sessions() as session:
        galleries = session.scalars(select(Gallery)).all()
    for gallery in galleries:
        with transaction(gov.sessions) as session:
            references = list(
                session.scalars(
                    select(Subject.reference).where(Subject.gallery_id == gallery.id, Subject.expires_at <= now)
                ).all()
            )
            if not references:
                continue
            current = _locked(session, gallery.id)
            removal = remove_subjects(
                session,
                current,
                references=references,
                gov=gov,
                actor=actor,
                removal=SubjectExpired,
                reason="expiry date reached",
            )
        gov.indexes.remove(removal)
        total += len(references)
    return total


def _locked(session: Session, gallery_id: int) -> Gallery:
    """The gallery's row, locked for this transaction (see :func:`galleries.find_gallery`)."""
    gallery = session.get(Gallery, gallery_id, with_for_update=True)
    assert gallery is not None
    return gallery


def _age_out_faces(gov: Governance, actor: Actor, cutoff: datetime) -> int:
    total = 0
    with gov.sessions() as session:
        galleries = session.scalars(select(Gallery)).all()
    for gallery in galleries:
        with transaction(gov.sessions) as session:
            aged = session.execute(
                select(EnrolledFace.id, Subject.reference)
                .join(Subject, Subject.id == EnrolledFace.subject_id)
                .where(EnrolledFace.gallery_id == gallery.id, EnrolledFace.enrolled_at <= cutoff)
            ).all()
            if not aged:
                continue
            face_ids = [face_id for face_id, _ in aged]
            by_subject = Counter(reference for _, reference in aged)
            session.execute(delete(EnrolledFace).where(EnrolledFace.id.in_(face_ids)))
            faceless = select(EnrolledFace.id).where(EnrolledFace.subject_id == Subject.id).exists()
            emptied = tuple(
                session.scalars(select(Subject.reference).where(Subject.gallery_id == gallery.id, ~faceless)).all()
            )
            session.execute(delete(Subject).where(Subject.gallery_id == gallery.id, ~faceless))
            before, after = new_generation(_locked(session, gallery.id))
            aged_out = FacesAgedOut(
                gallery=gallery.name,
                faces=len(face_ids),
                faces_by_subject=dict(sorted(by_subject.items())),
                subjects_deleted=emptied,
            )
            gov.audit.append(session, actor, aged_out, "enrolled image retention period reached")
        gov.indexes.remove(Removal(before, after, np.array(face_ids, dtype=np.int64)))
        total += len(face_ids)
    return total


def _clear_probes(gov: Governance, actor: Actor, cutoff: datetime) -> int:
    with transaction(gov.sessions) as session:
        kept = Search.probe_kept_at.is_not(None) & (Search.probe_kept_at <= cutoff)
        count = session.scalar(select(func.count()).select_from(Search).where(kept)) or 0
        if count:
            session.execute(
                update(Search).where(kept).values(probe_descriptor=None, probe_image=None, probe_kept_at=None)
            )
            gov.audit.append(session, actor, ProbesCleared(probes=count), "probe retention period reached")
    return count


def _delete_searches(gov: Governance, actor: Actor, cutoff: datetime) -> int:
    with transaction(gov.sessions) as session:
        ids = list(session.scalars(select(Search.id).where(Search.performed_at <= cutoff)).all())
        if ids:
            for search in session.scalars(select(Search).where(Search.id.in_(ids))).all():
                session.delete(search)
            gov.audit.append(
                session, actor, SearchesDeleted(searches=len(ids)), "search result retention period reached"
            )
    return len(ids)


def _delete_alerts(gov: Governance, actor: Actor, cutoff: datetime) -> int:
    """Alerts (with their live crops) past their period; the audit entries of raising and adjudicating
    them remain."""
    with transaction(gov.sessions) as session:
        count = session.scalar(select(func.count()).select_from(Alert).where(Alert.raised_at <= cutoff)) or 0
        if count:
            session.execute(delete(Alert).where(Alert.raised_at <= cutoff))
            gov.audit.append(session, actor, AlertsDeleted(alerts=count), "alert retention period reached")
    return count
