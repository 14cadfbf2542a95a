"""The request bodies of the operations served, with Rekognition's names and constraints (botocore's
service model for ``rekognition`` 2016-06-27 is the reference); anything else is refused, not ignored.

A body that is not valid JSON is a ``SerializationException``; a member out of its constraints, unknown or
unsupported is an ``InvalidParameterException`` naming it.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator
from pydantic.alias_generators import to_pascal

from watchkeeper.api.rekognition.errors import AwsError, invalid_parameter
from watchkeeper.api.rekognition.shapes import QualityFilter
from watchkeeper.server.errors import NESTED_TOO_DEEPLY

CollectionId = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[a-zA-Z0-9_.\-]+$")]
FaceId = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")]
ExternalImageId = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[a-zA-Z0-9_.\-:]+$")]
PaginationToken = Annotated[str, StringConstraints(max_length=255)]
Percent = Annotated[float, Field(ge=0, le=100)]
MaxFaces = Annotated[int, Field(ge=1, le=4096)]
PageSize = Annotated[int, Field(ge=0, le=4096)]
Attribute = Literal[
    "DEFAULT",
    "ALL",
    "AGE_RANGE",
    "BEARD",
    "EMOTIONS",
    "EYE_DIRECTION",
    "EYEGLASSES",
    "EYES_OPEN",
    "GENDER",
    "MOUTH_OPEN",
    "MUSTACHE",
    "FACE_OCCLUDED",
    "SMILE",
    "SUNGLASSES",
]
"""Accepted for compatibility; the default attributes are what is returned whichever are asked for."""

DEFAULT_SIMILARITY_THRESHOLD = 50.0
"""Watchkeeper's default same-person threshold (distance 0.6) on the percentage scale; Rekognition's own
default of 80 would mean distance 0.24 here, far stricter than the model's calibration."""


class Input(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, extra="forbid", frozen=True)


class S3Object(Input):
    bucket: str | None = None
    name: str | None = None
    version: str | None = None


class Image(Input):
    bytes_: str | None = Field(default=None, alias="Bytes")
    s3_object: S3Object | None = None

    def data(self, member: str, limit: int) -> bytes:
        """The image's bytes; an S3 reference is refused, as Watchkeeper has no object store."""
        if self.s3_object is not None:
            raise AwsError(
                "InvalidS3ObjectException",
                f"{member}.S3Object: Watchkeeper has no object store configured; send the image as {member}.Bytes",
            )
        if not self.bytes_:
            raise invalid_parameter(f"{member}.Bytes is required")
        if len(self.bytes_) > 4 * (limit // 3 + 1):
            raise AwsError("ImageTooLargeException", f"{member}: the image is larger than the limit of {limit} bytes")
        try:
            data = base64.b64decode(self.bytes_, validate=True)
        except (binascii.Error, ValueError):
            raise invalid_parameter(f"{member}.Bytes is not valid base64") from None
        if len(data) > limit:
            raise AwsError("ImageTooLargeException", f"{member}: {len(data)} bytes exceeds the limit of {limit} bytes")
        return data


class CreateCollection(Input):
    collection_id: CollectionId
    tags: dict[str, str] | None = None

    @model_validator(mode="after")
    def _no_tags(self) -> CreateCollection:
        if self.tags:
            raise ValueError("Tags are not supported: Watchkeeper keeps no tags on collections")
        return self


class CollectionRequest(Input):
    """DescribeCollection and DeleteCollection."""

    collection_id: CollectionId


class ListCollections(Input):
    next_token: PaginationToken | None = None
    max_results: PageSize | None = None


class IndexFaces(Input):
    collection_id: CollectionId
    image: Image
    external_image_id: ExternalImageId | None = None
    detection_attributes: list[Attribute] | None = None
    max_faces: Annotated[int, Field(ge=1)] | None = None
    quality_filter: QualityFilter = QualityFilter.AUTO


class ListFaces(Input):
    collection_id: CollectionId
    next_token: PaginationToken | None = None
    max_results: PageSize | None = None
    user_id: str | None = None
    face_ids: Annotated[list[FaceId], Field(min_length=1, max_length=4096)] | None = None

    @model_validator(mode="after")
    def _no_users(self) -> ListFaces:
        if self.user_id is not None:
            raise ValueError("UserId is not supported: Watchkeeper collections have no users")
        return self


class DeleteFaces(Input):
    collection_id: CollectionId
    face_ids: Annotated[list[FaceId], Field(min_length=1, max_length=4096)]


class SearchFaces(Input):
    collection_id: CollectionId
    face_id: FaceId
    max_faces: MaxFaces | None = None
    face_match_threshold: Percent = DEFAULT_SIMILARITY_THRESHOLD


class SearchFacesByImage(Input):
    collection_id: CollectionId
    image: Image
    max_faces: MaxFaces | None = None
    face_match_threshold: Percent = DEFAULT_SIMILARITY_THRESHOLD
    quality_filter: QualityFilter = QualityFilter.NONE


class DetectFaces(Input):
    image: Image
    attributes: list[Attribute] | None = None


class CompareFaces(Input):
    source_image: Image
    target_image: Image
    similarity_threshold: Percent = DEFAULT_SIMILARITY_THRESHOLD
    quality_filter: QualityFilter = QualityFilter.NONE


InputT = TypeVar("InputT", bound=Input)


def parse_body(body: bytes) -> dict[str, Any]:
    """The JSON object of a request body (an empty body is an empty object, as AWS SDKs send ``{}``)."""
    if not body.strip():
        return {}
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise AwsError("SerializationException", f"the request body is not valid JSON ({error})") from None
    except RecursionError:
        raise AwsError("SerializationException", NESTED_TOO_DEEPLY) from None
    if not isinstance(document, dict):
        raise AwsError("SerializationException", "the request body must be a JSON object")
    return document


def read_input(model: type[InputT], document: dict[str, Any]) -> InputT:
    try:
        return model.model_validate(document)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'request'}: {problem['msg']}"
            for problem in error.errors()
        )
        raise invalid_parameter(problems) from None
