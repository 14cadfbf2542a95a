"""Galleries, their subjects and enrolment, and retrospective search of a gallery."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from watchkeeper.api.auth import CurrentActor, State
from watchkeeper.api.routes.forms import ReasonText, Statement
from watchkeeper.governance import galleries, search
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.galleries import EnrolmentImage, EnrolmentOutcome, GalleryRecord, SubjectRecord
from watchkeeper.governance.search import DEFAULT_CANDIDATES, SearchOutcome, SearchRequest
from watchkeeper.matching import IndexKind
from watchkeeper.server.inputs import read_upload

router = APIRouter(tags=["galleries"])

ReasonQuery = Annotated[str, Query(min_length=1, max_length=2000, description="Why this is removed (audited).")]


class NewGallery(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(default="", max_length=2000)
    reason: ReasonText
    index_kind: IndexKind = IndexKind.EXACT


class Removed(BaseModel):
    faces_removed: int


@router.get("/galleries")
def list_galleries(actor: CurrentActor, state: State) -> list[GalleryRecord]:
    return galleries.list_galleries(state.gov, actor)


@router.post("/galleries", status_code=status.HTTP_201_CREATED)
def create_gallery(body: NewGallery, actor: CurrentActor, state: State) -> GalleryRecord:
    return galleries.create_gallery(state.gov, actor, body.name, body.description, body.reason, body.index_kind)


@router.delete("/galleries/{gallery}")
def delete_gallery(gallery: str, reason: ReasonQuery, actor: CurrentActor, state: State) -> Removed:
    return Removed(faces_removed=galleries.delete_gallery(state.gov, actor, gallery, reason))


@router.get("/galleries/{gallery}/subjects")
def list_subjects(gallery: str, actor: CurrentActor, state: State) -> list[SubjectRecord]:
    return galleries.list_subjects(state.gov, actor, gallery)


@router.post("/galleries/{gallery}/subjects", status_code=status.HTTP_201_CREATED)
async def enrol_subject(
    gallery: str,
    actor: CurrentActor,
    state: State,
    reference: Annotated[str, Form(min_length=1, max_length=200, description="The subject's reference.")],
    category: Annotated[SubjectCategory, Form(description="Why this person may be in the gallery.")],
    reason: Annotated[str, Form(min_length=1, max_length=2000, description="Why they are enrolled (audited).")],
    source: Annotated[str, Form(min_length=1, max_length=500, description="Where the images come from.")],
    expires_at: Annotated[datetime, Form(description="When the subject must be deleted (with a time zone).")],
    images: Annotated[list[UploadFile], File(description="Face images, one face each.")],
) -> EnrolmentOutcome:
    """Enrol images of one person (created, or added to); images without exactly one face are skipped
    with the reason."""
    details = galleries.SubjectDetails(reference, category, reason, source, expires_at)
    offered = [
        EnrolmentImage(image.filename or f"image-{n}", await read_upload(image)) for n, image in enumerate(images)
    ]
    return await run_in_threadpool(galleries.enrol_subject, state.gov, actor, gallery, details, offered)


@router.delete("/galleries/{gallery}/subjects/{reference}")
def remove_subject(gallery: str, reference: str, reason: ReasonQuery, actor: CurrentActor, state: State) -> Removed:
    return Removed(faces_removed=galleries.remove_subject(state.gov, actor, gallery, reference, reason))


@router.post("/galleries/{gallery}/searches")
async def search_gallery(
    gallery: str,
    actor: CurrentActor,
    state: State,
    probe: Annotated[UploadFile, File(description="The probe image.")],
    statement: Statement,
    candidates: Annotated[int, Form(ge=1, le=100)] = DEFAULT_CANDIDATES,
    keep_probe: Annotated[bool, Form(description="Keep the probe with the case record.")] = False,
) -> SearchOutcome:
    """A ranked candidate list for a person to review, never an identification; recorded and audited."""
    request = SearchRequest(
        gallery=gallery,
        probe_name=probe.filename or "probe",
        probe=await read_upload(probe),
        candidates=candidates,
        keep_probe=keep_probe,
        **statement,
    )
    return await run_in_threadpool(search.run_search, state.gov, actor, request)
