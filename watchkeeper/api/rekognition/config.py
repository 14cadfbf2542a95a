"""The ``[rekognition]`` section of the configuration file: what faces indexed through the endpoint are
enrolled under, and the endpoint's image limit.

Rekognition's IndexFaces carries no entry criteria, yet every subject needs a category, a reason and an
expiry. They come from here (a request may state its own in headers, see :mod:`.context`), so who may be
enrolled through the endpoint is decided by policy, and each enrolment's audit entry records what applied.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from watchkeeper.governance.categories import SubjectCategory

REKOGNITION_IMAGE_BYTES = 5 * 1024 * 1024
"""Rekognition's own limit on image bytes passed in a request."""


class RekognitionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    category: SubjectCategory | None = None
    """Category of subjects indexed without an ``X-Watchkeeper-Category`` header; with neither, IndexFaces
    is refused: no default category is assumed."""
    index_reason: str | None = Field(default=None, min_length=1, max_length=2000)
    """Reason recorded for faces indexed without an ``X-Watchkeeper-Reason`` header; with neither, IndexFaces
    is refused."""
    subject_days: int = Field(default=365, ge=1, le=36500)
    """Days until an indexed face's subject expires (shortened to the retention policy's
    ``enrolled_images`` period when that is shorter: the face would be deleted then anyway)."""
    max_image_bytes: int = Field(default=REKOGNITION_IMAGE_BYTES, ge=1024)
    """Largest image accepted in ``Image.Bytes`` (Rekognition's limit by default)."""
