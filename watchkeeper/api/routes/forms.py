"""Request bodies shared by several routes: why an action is taken is asked for everywhere the same way."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form
from pydantic import BaseModel, Field

from watchkeeper.governance.search import SearchPurpose

ReasonText = Annotated[str, Field(min_length=1, max_length=2000, description="Why this is done (audited).")]
CaseReference = Annotated[str, Form(min_length=1, max_length=200, description="The case this search is for.")]
SearchReason = Annotated[str, Form(min_length=1, max_length=2000, description="Why this search is needed.")]
Purpose = Annotated[SearchPurpose, Form(description="What the search is for, by category (counted in reports).")]


class Reasoned(BaseModel):
    reason: ReasonText
