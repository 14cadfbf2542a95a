"""Request bodies shared by several routes: why an action is taken is asked for everywhere the same way."""

from __future__ import annotations

from typing import Annotated, TypedDict

from fastapi import Depends, Form
from pydantic import BaseModel, Field

from watchkeeper.face import DEFAULT_MATCH_THRESHOLD, MAX_MATCH_THRESHOLD
from watchkeeper.governance.search import SearchPurpose

ReasonText = Annotated[str, Field(min_length=1, max_length=2000, description="Why this is done (audited).")]
CaseReference = Annotated[str, Form(min_length=1, max_length=200, description="The case this search is for.")]
SearchReason = Annotated[str, Form(min_length=1, max_length=2000, description="Why this search is needed.")]
Purpose = Annotated[SearchPurpose, Form(description="What the search is for, by category (counted in reports).")]


class Reasoned(BaseModel):
    reason: ReasonText


class SearchStatement(TypedDict):
    """What a search through an uploaded probe states besides the probe, under the field names of both
    :class:`~watchkeeper.governance.search.SearchRequest` and
    :class:`~watchkeeper.governance.footage.FootageRequest`."""

    case_reference: str
    reason: str
    purpose: SearchPurpose
    face_index: int | None
    threshold: float


def search_statement(
    case_reference: CaseReference,
    reason: SearchReason,
    purpose: Purpose = SearchPurpose.NOT_STATED,
    threshold: Annotated[float, Form(gt=0.0, le=MAX_MATCH_THRESHOLD)] = DEFAULT_MATCH_THRESHOLD,
    face_index: Annotated[int | None, Form(ge=0)] = None,
) -> SearchStatement:
    """The statement's form fields, asked for by gallery and footage searches alike."""
    return {
        "case_reference": case_reference,
        "reason": reason,
        "purpose": purpose,
        "face_index": face_index,
        "threshold": threshold,
    }


Statement = Annotated[SearchStatement, Depends(search_statement)]
