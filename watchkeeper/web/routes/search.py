"""Retrospective search: a probe image against a gallery, for a case and a stated reason; the candidates
are shown beside the probe for a person to review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from watchkeeper.errors import InputError, WatchkeeperError
from watchkeeper.governance import galleries, search
from watchkeeper.governance.roles import Permission
from watchkeeper.governance.search import DEFAULT_CANDIDATES, SearchPurpose, SearchRequest
from watchkeeper.server.errors import status_of
from watchkeeper.server.inputs import read_upload
from watchkeeper.web.images import preview_data_url
from watchkeeper.web.pages import FormSession, Session, Web, WebRoute, render
from watchkeeper.web.sessions import WebSession

router = APIRouter(route_class=WebRoute, include_in_schema=False)

EMPTY_SEARCH: dict[str, object] = {
    "gallery": "",
    "case_reference": "",
    "reason": "",
    "purpose": SearchPurpose.NOT_STATED.value,
    "candidates": DEFAULT_CANDIDATES,
    "face_index": "",
}


@router.get("/search")
def search_page(request: Request, session: Session, web: Web) -> Response:
    session.signed_in.actor.require(Permission.SEARCH)
    return _page(request, session, web, {})


@router.post("/search")
async def run_search(
    request: Request,
    session: FormSession,
    web: Web,
    gallery: Annotated[str, Form(min_length=1, max_length=100)],
    probe: Annotated[UploadFile, File()],
    case_reference: Annotated[str, Form(min_length=1, max_length=200)],
    reason: Annotated[str, Form(min_length=1, max_length=2000)],
    purpose: Annotated[SearchPurpose, Form()] = SearchPurpose.NOT_STATED,
    candidates: Annotated[int, Form(ge=1, le=100)] = DEFAULT_CANDIDATES,
    keep_probe: Annotated[bool, Form()] = False,
    face_index: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    asked: dict[str, object] = {
        "gallery": gallery,
        "case_reference": case_reference,
        "reason": reason,
        "purpose": purpose.value,
        "candidates": candidates,
        "face_index": face_index,
    }
    try:
        data = await read_upload(probe)
        request_ = SearchRequest(
            gallery=gallery,
            probe_name=probe.filename or "probe",
            probe=data,
            case_reference=case_reference.strip(),
            face_index=_face_index(face_index),
            reason=reason.strip(),
            purpose=purpose,
            candidates=candidates,
            keep_probe=keep_probe,
        )
        outcome = await run_in_threadpool(search.run_search, web.server.gov, session.signed_in.actor, request_)
    except WatchkeeperError as error:
        return _page(request, session, web, asked, error=str(error), status_code=status_of(error))
    preview = preview_data_url(data)
    return _page(request, session, web, asked, outcome=outcome, probe_name=request_.probe_name, probe_preview=preview)


def _face_index(text: str) -> int | None:
    """The form's face number (empty: the image's only face)."""
    if not text.strip():
        return None
    try:
        return int(text)
    except ValueError:
        raise InputError("face", f"{text!r} is not a face number (0 for the leftmost)") from None


def _page(
    request: Request, session: WebSession, web: Web, asked: dict[str, object], status_code: int = 200, **results: object
) -> Response:
    choices = galleries.list_galleries(web.server.gov, session.signed_in.actor)
    context: dict[str, object] = {"outcome": None, "error": None, "probe_name": "", "probe_preview": None, **results}
    return render(
        request,
        session,
        "search.html",
        status_code=status_code,
        galleries=choices,
        purposes=[(p.value, p.value.replace("_", " ")) for p in SearchPurpose],
        asked={**EMPTY_SEARCH, **asked},
        **context,
    )
