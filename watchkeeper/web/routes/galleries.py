"""Galleries and watchlists: creating them, enrolling subjects (upload or drag and drop), removing them."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from watchkeeper.governance import galleries
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.galleries import EnrolmentImage, EnrolmentOutcome, SubjectDetails
from watchkeeper.matching import IndexKind
from watchkeeper.server.inputs import RecordNumber, read_upload
from watchkeeper.web.images import face_response
from watchkeeper.web.pages import (
    FormSession,
    Session,
    Text,
    Web,
    WebRoute,
    done,
    form_time,
    render,
    time_from_form,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)

DEFAULT_EXPIRY = timedelta(days=90)
"""The expiry a new subject's form suggests; the enrolling officer sets the real one."""
SUBJECTS_PER_PAGE = 25
"""Subjects listed per page, each with a face image (within the server's per-client request rate)."""


@router.get("/galleries")
def galleries_page(request: Request, session: Session, web: Web) -> Response:
    records = galleries.list_galleries(web.server.gov, session.signed_in.actor)
    return render(request, session, "galleries.html", galleries=records, index_kinds=list(IndexKind))


@router.post("/galleries")
def create_gallery(
    session: FormSession,
    web: Web,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    reason: Text,
    description: Annotated[str, Form(max_length=2000)] = "",
    index_kind: Annotated[IndexKind, Form()] = IndexKind.EXACT,
) -> Response:
    record = galleries.create_gallery(
        web.server.gov, session.signed_in.actor, name, description.strip(), reason.strip(), index_kind
    )
    return done(session, f"/galleries/{record.name}", f"Gallery {record.name} created.")


@router.post("/galleries/{gallery}/deletion")
def delete_gallery(gallery: str, session: FormSession, web: Web, reason: Text) -> Response:
    subjects = galleries.delete_gallery(web.server.gov, session.signed_in.actor, gallery, reason.strip())
    return done(session, "/galleries", f"Gallery {gallery} deleted with its {subjects} subjects.")


@router.get("/galleries/{gallery}")
def gallery_page(
    request: Request, gallery: str, session: Session, web: Web, page: Annotated[RecordNumber, Query(ge=1)] = 1
) -> Response:
    gov = web.server.gov
    subjects = galleries.list_subjects(gov, session.signed_in.actor, gallery)
    pages = max(1, -(-len(subjects) // SUBJECTS_PER_PAGE))
    first = (page - 1) * SUBJECTS_PER_PAGE
    shown = subjects[first : first + SUBJECTS_PER_PAGE]
    return render(
        request,
        session,
        "gallery.html",
        gallery=gallery,
        subjects=shown,
        total=len(subjects),
        first=first + 1,
        page=page,
        pages=pages,
        categories=list(SubjectCategory),
        default_expiry=form_time(gov.clock.now() + DEFAULT_EXPIRY),
    )


@router.post("/galleries/{gallery}/subjects")
async def enrol(
    gallery: str,
    session: FormSession,
    web: Web,
    reference: Annotated[str, Form(min_length=1, max_length=200)],
    category: Annotated[SubjectCategory, Form()],
    reason: Text,
    source: Annotated[str, Form(min_length=1, max_length=500)],
    expires_at: Annotated[str, Form(min_length=1, max_length=40)],
    images: Annotated[list[UploadFile], File()],
) -> Response:
    details = SubjectDetails(
        reference.strip(), category, reason.strip(), source.strip(), time_from_form(expires_at, "expiry")
    )
    offered = [
        EnrolmentImage(upload.filename or f"image {n + 1}", await read_upload(upload))
        for n, upload in enumerate(images)
    ]
    outcome = await run_in_threadpool(
        galleries.enrol_subject, web.server.gov, session.signed_in.actor, gallery, details, offered
    )
    return done(session, f"/galleries/{gallery}", _enrolled(outcome), is_error=outcome.enrolled == 0)


@router.post("/galleries/{gallery}/subjects/{reference}/removal")
def remove_subject(gallery: str, reference: str, session: FormSession, web: Web, reason: Text) -> Response:
    faces = galleries.remove_subject(web.server.gov, session.signed_in.actor, gallery, reference, reason.strip())
    return done(session, f"/galleries/{gallery}", f"Subject {reference} removed with {faces} enrolled faces.")


@router.get("/galleries/{gallery}/subjects/{reference}/image")
def subject_image(gallery: str, reference: str, session: Session, web: Web) -> Response:
    return face_response(galleries.subject_image(web.server.gov, session.signed_in.actor, gallery, reference))


@router.get("/faces/{face_id}/image")
def face_image(face_id: RecordNumber, session: Session, web: Web) -> Response:
    return face_response(galleries.face_image(web.server.gov, session.signed_in.actor, face_id))


def _enrolled(outcome: EnrolmentOutcome) -> str:
    message = f"Enrolled {outcome.enrolled} image(s) of {outcome.reference}."
    if outcome.skipped:
        message += " Not enrolled: " + "; ".join(outcome.skipped)
    return message
