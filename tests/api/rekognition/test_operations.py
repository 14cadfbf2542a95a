"""Every operation through the real boto3 client, each response checked against botocore's output shape,
and what each did checked in the governance core: galleries, subjects, audit entries, search records."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from sqlalchemy import select

from tests.api.rekognition.conftest import (
    CONFIGURED_CATEGORY,
    CONFIGURED_REASON,
    Server,
    call_checked,
    image_bytes,
    stating,
)
from watchkeeper.governance import galleries
from watchkeeper.governance.roles import SYSTEM_ACTOR
from watchkeeper.governance.schema import AuditEntryRow, Search

OBAMA = "examples/obama.jpg"
OBAMA_AGAIN = "examples/obama2.jpg"
BIDEN = "examples/biden.jpg"
OBAMA_AND_BIDEN = "examples/knn_examples/test/obama_and_biden.jpg"
KIT_WITH_ROSE = "examples/knn_examples/test/kit_with_rose.jpg"
SMALL_OBAMA = "examples/obama-240p.jpg"


def audit_entries(server: Server, action: str) -> list[dict[str, Any]]:
    with server.gov.sessions() as session:
        rows = session.scalars(select(AuditEntryRow.canonical).order_by(AuditEntryRow.sequence)).all()
    entries = [json.loads(row) for row in rows if row is not None]
    return [entry for entry in entries if entry["action"] == action]


def index_faces(admin: BaseClient, collection: str, image: bytes, **params: Any) -> dict[str, Any]:
    """IndexFaces of one image, its response checked against botocore's shape."""
    return call_checked(admin, "IndexFaces", CollectionId=collection, Image={"Bytes": image}, **params)


def test_collection_lifecycle(admin: BaseClient, server: Server) -> None:
    created = call_checked(admin, "CreateCollection", CollectionId="lifecycle")
    assert created["StatusCode"] == 200
    assert created["CollectionArn"].endswith(":collection/lifecycle")
    assert ":eu-west-2:" in created["CollectionArn"]
    assert "lifecycle" in [g.name for g in galleries.list_galleries(server.gov, SYSTEM_ACTOR)]
    described = call_checked(admin, "DescribeCollection", CollectionId="lifecycle")
    assert described["FaceCount"] == 0
    assert described["CollectionARN"] == created["CollectionArn"]
    assert described["FaceModelVersion"] == created["FaceModelVersion"]
    listed = call_checked(admin, "ListCollections")
    assert "lifecycle" in listed["CollectionIds"]
    assert len(listed["FaceModelVersions"]) == len(listed["CollectionIds"])
    with pytest.raises(ClientError) as again:
        admin.create_collection(CollectionId="lifecycle")
    assert again.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    assert call_checked(admin, "DeleteCollection", CollectionId="lifecycle")["StatusCode"] == 200
    with pytest.raises(ClientError) as gone:
        admin.describe_collection(CollectionId="lifecycle")
    assert gone.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert gone.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert [e["target"] for e in audit_entries(server, "gallery.delete")][-1] == "gallery:lifecycle"


@pytest.mark.slow
def test_index_list_search_and_delete_faces(admin: BaseClient, server: Server, faces_dir: Path) -> None:
    call_checked(admin, "CreateCollection", CollectionId="custody")
    obama = index_faces(admin, "custody", image_bytes(faces_dir, OBAMA), ExternalImageId="obama")
    [obama_record] = obama["FaceRecords"]
    assert obama_record["Face"]["ExternalImageId"] == "obama"
    assert uuid.UUID(obama_record["Face"]["FaceId"]).version == 4
    assert obama["UnindexedFaces"] == []
    box = obama_record["Face"]["BoundingBox"]
    # HOG's box for this image is left 349, top 142, right 617, bottom 409 in 910 x 1137 pixels.
    assert box["Left"] == pytest.approx(349 / 910, abs=0.01)
    assert box["Top"] == pytest.approx(142 / 1137, abs=0.01)
    assert {mark["Type"] for mark in obama_record["FaceDetail"]["Landmarks"]} == {"eyeLeft", "eyeRight", "nose"}

    with stating(admin, category="wanted_by_courts", reason="warrant issued"):
        index_faces(admin, "custody", image_bytes(faces_dir, BIDEN), ExternalImageId="biden")
    group = index_faces(admin, "custody", image_bytes(faces_dir, OBAMA_AND_BIDEN), ExternalImageId="group", MaxFaces=1)
    assert len(group["FaceRecords"]) == 1
    assert [f["Reasons"] for f in group["UnindexedFaces"]].count(["EXCEEDS_MAX_FACES"]) == 2
    small = index_faces(admin, "custody", image_bytes(faces_dir, SMALL_OBAMA))
    assert small["FaceRecords"] == []
    assert small["UnindexedFaces"][0]["Reasons"] == ["SMALL_BOUNDING_BOX"]

    enrolments = audit_entries(server, "subject.enrol")[-3:]
    assert [e["details"]["category"] for e in enrolments] == [
        CONFIGURED_CATEGORY.value,
        "wanted_by_courts",
        CONFIGURED_CATEGORY.value,
    ]
    assert [e["reason"] for e in enrolments] == [CONFIGURED_REASON, "warrant issued", CONFIGURED_REASON]
    assert call_checked(admin, "DescribeCollection", CollectionId="custody")["FaceCount"] == 3

    listed = call_checked(admin, "ListFaces", CollectionId="custody")
    assert len(listed["Faces"]) == 3
    assert [f["FaceId"] for f in listed["Faces"]] == sorted(f["FaceId"] for f in listed["Faces"])
    assert "NextToken" not in listed
    subjects = galleries.list_subjects(server.gov, SYSTEM_ACTOR, "custody")
    assert sorted(s.reference for s in subjects) == [f["FaceId"] for f in listed["Faces"]]
    assert {s.faces for s in subjects} == {1}

    with stating(admin, case="OP-7", reason="identify the man in the photo"):
        by_image = call_checked(
            admin, "SearchFacesByImage", CollectionId="custody", Image={"Bytes": image_bytes(faces_dir, OBAMA_AGAIN)}
        )
        by_face = call_checked(admin, "SearchFaces", CollectionId="custody", FaceId=obama_record["Face"]["FaceId"])
    labels = [match["Face"].get("ExternalImageId") for match in by_image["FaceMatches"]]
    assert labels[0] == "obama"
    assert "biden" not in labels
    assert all(match["Similarity"] >= 50 for match in by_image["FaceMatches"])
    assert by_image["SearchedFaceConfidence"] > 50
    assert by_face["SearchedFaceId"] == obama_record["Face"]["FaceId"]
    assert obama_record["Face"]["FaceId"] not in [m["Face"]["FaceId"] for m in by_face["FaceMatches"]]
    with server.gov.sessions() as session:
        recorded = session.scalars(select(Search).where(Search.case_reference == "OP-7")).all()
        assert [len(s.candidates) for s in recorded] == [len(by_image["FaceMatches"]), len(by_face["FaceMatches"])]
        assert {s.reason for s in recorded} == {"identify the man in the photo"}
        assert {s.performed_by for s in recorded} == {"ada"}

    with stating(admin, case="OP-7", reason="identify the man in the photo"):
        strict = call_checked(
            admin,
            "SearchFacesByImage",
            CollectionId="custody",
            Image={"Bytes": image_bytes(faces_dir, OBAMA_AGAIN)},
            FaceMatchThreshold=99,
        )
    assert strict["FaceMatches"] == []

    missing = str(uuid.uuid4())
    deleted = call_checked(
        admin, "DeleteFaces", CollectionId="custody", FaceIds=[obama_record["Face"]["FaceId"], missing]
    )
    assert deleted["DeletedFaces"] == [obama_record["Face"]["FaceId"]]
    assert deleted["UnsuccessfulFaceDeletions"] == [{"FaceId": missing, "Reasons": ["FACE_NOT_FOUND"]}]
    assert call_checked(admin, "DescribeCollection", CollectionId="custody")["FaceCount"] == 2
    again = call_checked(admin, "DeleteFaces", CollectionId="custody", FaceIds=[obama_record["Face"]["FaceId"]])
    assert "DeletedFaces" not in again  # the model allows no empty list
    assert again["UnsuccessfulFaceDeletions"][0]["Reasons"] == ["FACE_NOT_FOUND"]
    assert audit_entries(server, "face.remove")[-1]["details"] == {
        "face_id": obama_record["Face"]["FaceId"],
        "subject_removed": True,
    }


def test_detect_faces(admin: BaseClient, faces_dir: Path) -> None:
    detected = call_checked(
        admin, "DetectFaces", Image={"Bytes": image_bytes(faces_dir, KIT_WITH_ROSE)}, Attributes=["ALL"]
    )
    assert len(detected["FaceDetails"]) == 2
    for face in detected["FaceDetails"]:
        box = face["BoundingBox"]
        assert 0 <= box["Left"] < box["Left"] + box["Width"] <= 1
        assert 0 <= box["Top"] < box["Top"] + box["Height"] <= 1
        eyes = {mark["Type"]: mark for mark in face["Landmarks"]}
        assert box["Left"] < eyes["eyeLeft"]["X"] < eyes["eyeRight"]["X"] < box["Left"] + box["Width"]
        assert 0 <= face["Quality"]["Brightness"] <= 100
        assert 0 <= face["Quality"]["Sharpness"] <= 100


def test_compare_faces(admin: BaseClient, faces_dir: Path) -> None:
    compared = call_checked(
        admin,
        "CompareFaces",
        SourceImage={"Bytes": image_bytes(faces_dir, OBAMA)},
        TargetImage={"Bytes": image_bytes(faces_dir, OBAMA_AND_BIDEN)},
    )
    assert len(compared["FaceMatches"]) == 1
    assert len(compared["UnmatchedFaces"]) == 2
    assert compared["FaceMatches"][0]["Similarity"] > 50
    assert compared["SourceImageFace"]["Confidence"] > 50


def test_pagination(admin: BaseClient, faces_dir: Path) -> None:
    names = [f"paged-{n}" for n in range(5)]
    for name in names:
        call_checked(admin, "CreateCollection", CollectionId=name)
    seen: list[str] = []
    token: dict[str, str] = {}
    pages = 0
    while True:
        page = call_checked(admin, "ListCollections", MaxResults=2, **token)
        assert len(page["CollectionIds"]) <= 2
        seen.extend(page["CollectionIds"])
        pages += 1
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    assert seen == sorted(seen)
    assert set(names) <= set(seen)
    assert pages >= 3

    group = index_faces(admin, "paged-0", image_bytes(faces_dir, OBAMA_AND_BIDEN), QualityFilter="NONE")
    indexed = sorted(record["Face"]["FaceId"] for record in group["FaceRecords"])
    assert len(indexed) == 3
    paged = [page["Faces"] for page in admin.get_paginator("list_faces").paginate(CollectionId="paged-0", MaxResults=1)]
    assert [len(faces) for faces in paged] == [1, 1, 1]
    assert [faces[0]["FaceId"] for faces in paged] == indexed
    with pytest.raises(ClientError) as bad_token:
        admin.list_faces(
            CollectionId="paged-1", NextToken=admin.list_faces(CollectionId="paged-0", MaxResults=1)["NextToken"]
        )
    assert bad_token.value.response["Error"]["Code"] == "InvalidPaginationTokenException"
