"""The operations: each reads its Rekognition request, calls the governance core or the face engine, and
answers in Rekognition's response shape.

Collections are galleries; IndexFaces enrols each face as a subject of its own (see
:mod:`watchkeeper.governance.faces`); searches are the core's recorded, audited searches, recording only
the matches the client is shown; DetectFaces and CompareFaces use the engine and store nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Any

from watchkeeper.api.rekognition import inputs
from watchkeeper.api.rekognition.context import Call
from watchkeeper.api.rekognition.errors import AwsError, invalid_parameter
from watchkeeper.api.rekognition.shapes import (
    FACE_MODEL_VERSION,
    JsonObject,
    QualityFilter,
    bounding_box,
    confidence,
    face_detail,
    largest_first,
    quality_problems,
    similarity_percent,
)
from watchkeeper.errors import NotFoundError
from watchkeeper.face import Face, FaceAnalysis, compare_descriptors, decode_image, distance_from_similarity
from watchkeeper.governance import faces, galleries, search
from watchkeeper.governance.galleries import EnrolmentImage
from watchkeeper.governance.search import SearchOutcome, SearchRequest

DEFAULT_PAGE_SIZE = 1000
DEFAULT_MAX_FACES = 80
"""Matches returned by a search when MaxFaces is not given."""
_EXTERNAL_IMAGE_ID = re.compile(r"[a-zA-Z0-9_.\-:]{1,255}")

Operation = Callable[[Call, dict[str, Any]], JsonObject]


def create_collection(call: Call, document: dict[str, Any]) -> JsonObject:
    request = inputs.read_input(inputs.CreateCollection, document)
    galleries.create_gallery(
        call.gov,
        call.actor,
        request.collection_id,
        "created through the Rekognition-compatible endpoint",
        call.reason(),
    )
    return {
        "StatusCode": 200,
        "CollectionArn": call.collection_arn(request.collection_id),
        "FaceModelVersion": FACE_MODEL_VERSION,
    }


def describe_collection(call: Call, document: dict[str, Any]) -> JsonObject:
    request = inputs.read_input(inputs.CollectionRequest, document)
    found = [g for g in galleries.list_galleries(call.gov, call.actor) if g.name == request.collection_id]
    if not found:
        raise NotFoundError(f"no collection called {request.collection_id!r}")
    return {
        "FaceCount": found[0].faces,
        "FaceModelVersion": FACE_MODEL_VERSION,
        "CollectionARN": call.collection_arn(request.collection_id),
        "CreationTimestamp": found[0].created_at.timestamp(),
        "UserCount": 0,
    }


def list_collections(call: Call, document: dict[str, Any]) -> JsonObject:
    request = inputs.read_input(inputs.ListCollections, document)
    after = _read_token(request.next_token, "collections", "")
    names = [g.name for g in galleries.list_galleries(call.gov, call.actor) if after is None or g.name > after]
    page = names[: request.max_results or DEFAULT_PAGE_SIZE]
    answer: JsonObject = {"CollectionIds": page, "FaceModelVersions": [FACE_MODEL_VERSION] * len(page)}
    if len(names) > len(page):
        answer["NextToken"] = _token("collections", "", page[-1])
    return answer


def delete_collection(call: Call, document: dict[str, Any]) -> JsonObject:
    request = inputs.read_input(inputs.CollectionRequest, document)
    galleries.delete_gallery(call.gov, call.actor, request.collection_id, call.reason())
    return {"StatusCode": 200}


def index_faces(call: Call, document: dict[str, Any]) -> JsonObject:
    request = inputs.read_input(inputs.IndexFaces, document)
    criteria = call.entry_criteria()
    data = request.image.data("Image", call.config.max_image_bytes)
    analysis = _analyse(call, data, "Image")
    chosen: list[Face] = []
    unindexed: list[JsonObject] = []
    for face in largest_first(analysis.faces):
        reasons = quality_problems(face, request.quality_filter)
        if not reasons and request.max_faces is not None and len(chosen) >= request.max_faces:
            reasons = ["EXCEEDS_MAX_FACES"]
        if reasons:
            unindexed.append({"Reasons": reasons, "FaceDetail": face_detail(face, analysis.size)})
        else:
            chosen.append(face)
    image_format = analysis.source.rpartition(".")[2]
    name = f"{request.external_image_id or 'image'}.{image_format}"
    records = faces.index_faces(
        call.gov,
        call.actor,
        gallery_name=request.collection_id,
        image=EnrolmentImage(name, data),
        size=analysis.size,
        faces=chosen,
        criteria=criteria,
        external_image_id=request.external_image_id,
    )
    return {
        "FaceRecords": [
            {"Face": _face(record), "FaceDetail": face_detail(face, analysis.size)}
            for record, face in zip(records, chosen, strict=True)
        ],
        "UnindexedFaces": unindexed,
        "FaceModelVersion": FACE_MODEL_VERSION,
    }


def list_faces(call: Call, document: dict[str, Any]) -> JsonObject:
    request = inputs.read_input(inputs.ListFaces, document)
    after = _read_token(request.next_token, "faces", request.collection_id)
    limit = request.max_results or DEFAULT_PAGE_SIZE
    found = faces.list_faces(call.gov, call.actor, request.collection_id, limit + 1, after, request.face_ids)
    page = found[:limit]
    answer: JsonObject = {"Faces": [_face(record) for record in page], "FaceModelVersion": FACE_MODEL_VERSION}
    if len(found) > limit:
        answer["NextToken"] = _token("faces", request.collection_id, page[-1].face_id)
    return answer


def delete_faces(call: Call, document: dict[str, Any]) -> JsonObject:
    request = inputs.read_input(inputs.DeleteFaces, document)
    removed, missing = faces.remove_faces(call.gov, call.actor, request.collection_id, request.face_ids, call.reason())
    answer: JsonObject = {"UnsuccessfulFaceDeletions": [{"FaceId": f, "Reasons": ["FACE_NOT_FOUND"]} for f in missing]}
    if removed:  # Rekognition's model allows no empty DeletedFaces list: when nothing was deleted it is absent
        answer["DeletedFaces"] = removed
    return answer


def search_faces(call: Call, document: dict[str, Any]) -> JsonObject:
    request = inputs.read_input(inputs.SearchFaces, document)
    case, reason = call.case_and_reason()
    outcome = faces.search_by_face(
        call.gov,
        call.actor,
        faces.FaceSearch(
            gallery=request.collection_id,
            face_id=request.face_id,
            case_reference=case,
            reason=reason,
            candidates=request.max_faces or DEFAULT_MAX_FACES,
            threshold=distance_from_similarity(request.face_match_threshold / 100.0),
        ),
    )
    return {
        "SearchedFaceId": request.face_id,
        "FaceMatches": _matches(call, outcome),
        "FaceModelVersion": FACE_MODEL_VERSION,
    }


def search_faces_by_image(call: Call, document: dict[str, Any]) -> JsonObject:
    request = inputs.read_input(inputs.SearchFacesByImage, document)
    case, reason = call.case_and_reason()
    data = request.image.data("Image", call.config.max_image_bytes)
    analysis = _analyse(call, data, "Image")
    probe = _chosen_face(analysis, request.quality_filter, "Image")
    search_request = SearchRequest(
        gallery=request.collection_id,
        probe_name=analysis.source,
        probe=data,
        case_reference=case,
        reason=reason,
        face_index=probe.index,
        candidates=request.max_faces or DEFAULT_MAX_FACES,
        threshold=distance_from_similarity(request.face_match_threshold / 100.0),
        matches_only=True,
    )
    outcome = search.search_with_descriptor(call.gov, call.actor, search_request, probe.require_descriptor())
    return {
        "SearchedFaceBoundingBox": bounding_box(probe.box, analysis.size),
        "SearchedFaceConfidence": confidence(probe.detection.score),
        "FaceMatches": _matches(call, outcome),
        "FaceModelVersion": FACE_MODEL_VERSION,
    }


def detect_faces(call: Call, document: dict[str, Any]) -> JsonObject:
    request = inputs.read_input(inputs.DetectFaces, document)
    analysis = _analyse(call, request.image.data("Image", call.config.max_image_bytes), "Image")
    return {"FaceDetails": [face_detail(face, analysis.size) for face in analysis.faces]}


def compare_faces(call: Call, document: dict[str, Any]) -> JsonObject:
    request = inputs.read_input(inputs.CompareFaces, document)
    limit = call.config.max_image_bytes
    source = _analyse(call, request.source_image.data("SourceImage", limit), "SourceImage")
    target = _analyse(call, request.target_image.data("TargetImage", limit), "TargetImage")
    source_face = _chosen_face(source, request.quality_filter, "SourceImage")
    matches: list[tuple[float, JsonObject]] = []
    unmatched: list[JsonObject] = []
    for face in largest_first(target.faces):
        if quality_problems(face, request.quality_filter):
            continue
        comparison = compare_descriptors(source_face.require_descriptor(), face.require_descriptor())
        similarity = 100.0 * comparison.similarity
        if similarity >= request.similarity_threshold:
            matches.append((similarity, face_detail(face, target.size)))
        else:
            unmatched.append(face_detail(face, target.size))
    matches.sort(key=lambda match: match[0], reverse=True)
    return {
        "SourceImageFace": {
            "BoundingBox": bounding_box(source_face.box, source.size),
            "Confidence": confidence(source_face.detection.score),
        },
        "FaceMatches": [{"Similarity": similarity, "Face": detail} for similarity, detail in matches],
        "UnmatchedFaces": unmatched,
    }


OPERATIONS: dict[str, Operation] = {
    "CreateCollection": create_collection,
    "DescribeCollection": describe_collection,
    "ListCollections": list_collections,
    "DeleteCollection": delete_collection,
    "IndexFaces": index_faces,
    "ListFaces": list_faces,
    "DeleteFaces": delete_faces,
    "SearchFaces": search_faces,
    "SearchFacesByImage": search_faces_by_image,
    "DetectFaces": detect_faces,
    "CompareFaces": compare_faces,
}


def _analyse(call: Call, data: bytes, member: str) -> FaceAnalysis:
    """Every face of an image given in a request; its source names the member and the format."""
    engine = call.gov.engine
    loaded = decode_image(data, member, engine.options.image_limits)
    analysis = engine.analyse(loaded)
    return FaceAnalysis(f"{member}.{loaded.format.lower()}", analysis.size, analysis.faces)


def _chosen_face(analysis: FaceAnalysis, level: QualityFilter, member: str) -> Face:
    """The largest face, as Rekognition chooses the face to search or compare; none is a parameter error."""
    if not analysis.faces:
        raise invalid_parameter(f"{member}: there are no faces in the image; there should be at least one")
    face = largest_first(analysis.faces)[0]
    problems = quality_problems(face, level)
    if problems:
        raise invalid_parameter(
            f"{member}: the largest face fails the {level.value} quality filter ({', '.join(problems)})"
        )
    return face


def _matches(call: Call, outcome: SearchOutcome) -> list[JsonObject]:
    records = faces.faces_by_row(call.gov, call.actor, [candidate.face_id for candidate in outcome.candidates])
    return [
        {"Similarity": similarity_percent(candidate.distance), "Face": _face(records[candidate.face_id])}
        for candidate in outcome.candidates
        if candidate.face_id in records
    ]


def _face(record: faces.FaceRecord) -> JsonObject:
    """Rekognition's ``Face``: identifiers, box, the client's label; a face enrolled as a named subject
    (command line, REST API) shows the subject's reference as its label when it fits the pattern."""
    shape: JsonObject = {
        "FaceId": record.face_id,
        "BoundingBox": bounding_box(record.box, record.image_size),
        "ImageId": record.image_id,
        "IndexFacesModelVersion": FACE_MODEL_VERSION,
    }
    label = record.external_image_id
    if (
        label is None
        and record.subject_reference != record.face_id
        and _EXTERNAL_IMAGE_ID.fullmatch(record.subject_reference)
    ):
        label = record.subject_reference
    if label is not None:
        shape["ExternalImageId"] = label
    if record.detection_score is not None:
        shape["Confidence"] = confidence(record.detection_score)
    return shape


def _token(kind: str, scope: str, after: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([kind, scope, after]).encode()).decode()


def _read_token(token: str | None, kind: str, scope: str) -> str | None:
    """The key a page ends after, from a NextToken this endpoint issued for the same listing."""
    if token is None:
        return None
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        decoded = None
    if not (
        isinstance(decoded, list) and len(decoded) == 3 and decoded[:2] == [kind, scope] and isinstance(decoded[2], str)
    ):
        raise AwsError("InvalidPaginationTokenException", "NextToken was not issued for this listing")
    after: str = decoded[2]
    return after
