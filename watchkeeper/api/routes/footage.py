"""Retrospective search through recorded footage: a probe person through an uploaded video."""

from __future__ import annotations

import shutil
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from starlette.concurrency import run_in_threadpool

from watchkeeper.api.auth import CurrentActor, State
from watchkeeper.api.routes.forms import Statement
from watchkeeper.errors import InputError
from watchkeeper.governance.footage import FootageRequest
from watchkeeper.governance.uploads import upload_file
from watchkeeper.live.footage import FootageOutcome, search_footage
from watchkeeper.server.inputs import read_upload
from watchkeeper.video.sources import VideoSource, VideoSourceError

router = APIRouter(tags=["searches"])


class UnreadableFootageError(InputError):
    """The uploaded footage cannot be read as video: the client's input, not the server's failure."""

    code = VideoSourceError.code


@router.post("/footage-searches")
async def search_in_footage(
    actor: CurrentActor,
    state: State,
    footage: Annotated[UploadFile, File(description="The recorded video to search.")],
    probe: Annotated[UploadFile, File(description="An image of the person to look for.")],
    statement: Statement,
) -> FootageOutcome:
    """The time segments where the probe person appears, with scores; recorded and audited like any
    search. The uploaded video is held for the search only, in a private file in the data directory
    that is deleted after (or, if the server is killed meanwhile, at its next start)."""
    request = FootageRequest(
        footage_name=footage.filename or "footage",
        probe_name=probe.filename or "probe",
        probe=await read_upload(probe),
        **statement,
    )
    with upload_file(state.gov.settings, ".video") as copy:
        await run_in_threadpool(shutil.copyfileobj, footage.file, copy)
        copy.flush()

        def search() -> FootageOutcome:
            try:
                with VideoSource(copy.name, name=request.footage_name) as video:
                    return search_footage(state.gov, actor, request, video.frames())
            except VideoSourceError as error:  # the upload is not a video we can read: the client's input
                raise UnreadableFootageError(request.footage_name, error.reason) from None

        return await run_in_threadpool(search)
