"""Refusals through the real boto3 client: authentication, roles, cases, bad input and limits, each with
Rekognition's error type and status, and nothing stored or recorded by a refused request."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.client import BaseClient
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from PIL import Image
from sqlalchemy import func, select

from tests.api.rekognition.conftest import REGION, ClientFactory, Server, image_bytes, stating
from watchkeeper.governance import credentials
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.governance.schema import AuditEntryRow, EnrolledFace, Search
from watchkeeper.server.app import create_app
from watchkeeper.server.embedded import serve_in_thread

OBAMA = "examples/obama.jpg"


def refusal(call: Any, **params: Any) -> tuple[str, int, str]:
    """The error type, HTTP status and message of a call that must fail."""
    with pytest.raises(ClientError) as refused:
        call(**params)
    response = refused.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Message"]


def stored(server: Server) -> tuple[int, int, int]:
    """Counts of enrolled faces, searches and audit entries: what a refused request must leave alone."""
    with server.gov.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(EnrolledFace)) or 0,
            session.scalar(select(func.count()).select_from(Search)) or 0,
            session.scalar(select(func.count()).select_from(AuditEntryRow)) or 0,
        )


@pytest.fixture(scope="module")
def collection(admin: BaseClient, faces_dir: Path) -> str:
    admin.create_collection(CollectionId="refusals")
    admin.index_faces(CollectionId="refusals", Image={"Bytes": image_bytes(faces_dir, OBAMA)}, ExternalImageId="obama")
    return "refusals"


def blank_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (128, 128, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_wrong_secret_unknown_and_revoked_keys(client_for: ClientFactory, server: Server) -> None:
    wrong_secret = client_for(Role.ADMIN, secret="not-the-secret")
    assert refusal(wrong_secret.list_collections)[:2] == ("InvalidSignatureException", 400)
    unknown = client_for(Role.ADMIN, access_key_id="WKIAUNKNOWNUNKNOWN00")
    assert refusal(unknown.list_collections)[:2] == ("UnrecognizedClientException", 400)
    issued = credentials.issue_access_key(server.gov, Actor("ada", Role.ADMIN), "ann", "to revoke", "test")
    revocable = client_for(access_key_id=issued.access_key_id, secret=issued.secret_access_key)
    revocable.list_collections()
    credentials.revoke_access_key(server.gov, Actor("ada", Role.ADMIN), issued.access_key_id, "test")
    assert refusal(revocable.list_collections)[0] == "UnrecognizedClientException"


def test_unsigned_request(unsigned: BaseClient) -> None:
    assert refusal(unsigned.list_collections)[:2] == ("MissingAuthenticationTokenException", 400)


def test_request_replayed_outside_the_clock_skew(
    admin: BaseClient, server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    skew = timedelta(seconds=server.config.allowed_clock_skew_seconds)
    signed_at = datetime.now(UTC) - skew - timedelta(seconds=30)
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: signed_at.replace(tzinfo=None))
    error_type, status, message = refusal(admin.list_collections)
    assert (error_type, status) == ("InvalidSignatureException", 400)
    assert message.startswith("Signature expired")


def test_roles_are_the_cores(
    client_for: ClientFactory, analyst: BaseClient, server: Server, collection: str, faces_dir: Path
) -> None:
    before = stored(server)
    assert refusal(analyst.create_collection, CollectionId="analysts-own")[:2] == ("AccessDeniedException", 400)
    assert refusal(analyst.delete_collection, CollectionId=collection)[0] == "AccessDeniedException"
    auditor = client_for(Role.AUDITOR)
    with stating(auditor, case="OP-1", reason="curiosity"):
        assert (
            refusal(
                auditor.search_faces_by_image, CollectionId=collection, Image={"Bytes": image_bytes(faces_dir, OBAMA)}
            )[0]
            == "AccessDeniedException"
        )
    assert refusal(auditor.delete_faces, CollectionId=collection, FaceIds=[auditor_face_id(auditor, collection)])[
        0
    ] == ("AccessDeniedException")
    assert stored(server) == before


def auditor_face_id(client: BaseClient, collection: str) -> str:
    face_id: str = client.list_faces(CollectionId=collection)["Faces"][0]["FaceId"]
    return face_id


def test_every_search_needs_a_signed_case(admin: BaseClient, server: Server, collection: str, faces_dir: Path) -> None:
    before = stored(server)
    image = {"Bytes": image_bytes(faces_dir, OBAMA)}
    error_type, _, message = refusal(admin.search_faces_by_image, CollectionId=collection, Image=image)
    assert error_type == "AccessDeniedException"
    assert "X-Watchkeeper-Case" in message
    face_id = admin.list_faces(CollectionId=collection)["Faces"][0]["FaceId"]
    assert refusal(admin.search_faces, CollectionId=collection, FaceId=face_id)[0] == "AccessDeniedException"

    def add_after_signing(request: Any, **_: Any) -> None:
        request.headers["X-Watchkeeper-Case"] = "OP-1"
        request.headers["X-Watchkeeper-Reason"] = "added after signing"

    admin.meta.events.register("before-send.rekognition", add_after_signing)
    try:
        error_type, _, message = refusal(admin.search_faces, CollectionId=collection, FaceId=face_id)
    finally:
        admin.meta.events.unregister("before-send.rekognition", add_after_signing)
    assert error_type == "InvalidParameterException"
    assert "must be signed" in message
    assert stored(server) == before


def test_bad_images(admin: BaseClient, server: Server, collection: str, faces_dir: Path) -> None:
    before = stored(server)
    obama = image_bytes(faces_dir, OBAMA)
    for corrupt in (b"\xff\xd8\xff\xe0 not really a jpeg", obama[: len(obama) // 3], b"plain text"):
        error_type, status, _ = refusal(admin.index_faces, CollectionId=collection, Image={"Bytes": corrupt})
        assert (error_type, status) == ("InvalidImageFormatException", 400)
    with stating(admin, case="OP-2", reason="identify"):
        error_type, _, message = refusal(
            admin.search_faces_by_image, CollectionId=collection, Image={"Bytes": blank_png()}
        )
    assert error_type == "InvalidParameterException"
    assert "no faces" in message
    s3 = {"S3Object": {"Bucket": "photos", "Name": "obama.jpg"}}
    assert refusal(admin.detect_faces, Image=s3)[0] == "InvalidS3ObjectException"
    too_large = os.urandom(5 * 1024 * 1024 + 1024)
    assert refusal(admin.detect_faces, Image={"Bytes": too_large})[:2] == ("ImageTooLargeException", 400)
    assert stored(server) == before


def test_bad_parameters(admin: BaseClient, server: Server, collection: str, faces_dir: Path) -> None:
    before = stored(server)
    image = {"Bytes": image_bytes(faces_dir, OBAMA)}
    assert refusal(admin.describe_collection, CollectionId="no-such-collection")[0] == "ResourceNotFoundException"
    assert refusal(admin.list_faces, CollectionId="no-such-collection")[0] == "ResourceNotFoundException"
    assert refusal(admin.index_faces, CollectionId="no-such-collection", Image=image)[0] == "ResourceNotFoundException"
    with stating(admin, case="OP-3", reason="identify"):
        assert (
            refusal(admin.search_faces, CollectionId=collection, FaceId="00000000-0000-4000-8000-000000000000")[0]
            == "ResourceNotFoundException"
        )
    with stating(admin, category="not_a_category"):
        error_type, _, message = refusal(admin.index_faces, CollectionId=collection, Image=image)
    assert error_type == "InvalidParameterException"
    assert "wanted_by_courts" in message
    assert refusal(admin.create_collection, CollectionId="tagged", Tags={"team": "a"})[0] == "InvalidParameterException"
    assert refusal(admin.list_faces, CollectionId=collection, NextToken="bm90IGEgdG9rZW4")[0] == (
        "InvalidPaginationTokenException"
    )
    assert refusal(admin.detect_labels, Image=image)[0] == "UnknownOperationException"
    assert stored(server) == before


JSON_1_1 = "application/x-amz-json-1.1"


def signed_post(server: Server, target: str, body: bytes) -> httpx.Response:
    """A request signed by botocore's signer with any body (boto3 itself only sends well-formed JSON)."""
    key = server.keys[Role.ADMIN]
    request = AWSRequest(
        method="POST",
        url=server.url + "/",
        data=body,
        headers={"Content-Type": JSON_1_1, "X-Amz-Target": f"RekognitionService.{target}"},
    )
    SigV4Auth(Credentials(key.access_key_id, key.secret_access_key), "rekognition", REGION).add_auth(request)
    return httpx.post(server.url + "/", content=body, headers=dict(request.headers.items()))


def test_the_operation_must_be_signed(server: Server) -> None:
    """A signature that does not cover X-Amz-Target would let a captured request be replayed as another
    operation with the same body (DescribeCollection as DeleteCollection)."""
    key = server.keys[Role.ADMIN]
    body = b'{"CollectionId": "anything"}'
    request = AWSRequest(method="POST", url=server.url + "/", data=body, headers={"Content-Type": JSON_1_1})
    SigV4Auth(Credentials(key.access_key_id, key.secret_access_key), "rekognition", REGION).add_auth(request)
    headers = {**dict(request.headers.items()), "X-Amz-Target": "RekognitionService.DeleteCollection"}
    before = stored(server)
    response = httpx.post(server.url + "/", content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["__type"] == "InvalidSignatureException"
    assert "X-Amz-Target" in response.json()["message"]
    assert stored(server) == before


def test_malformed_json(server: Server) -> None:
    before = stored(server)
    for body in (b'{"CollectionId": ', b"[1, 2]", b"\xff\xfe"):
        response = signed_post(server, "CreateCollection", body)
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/x-amz-json-1.1"
        assert response.json()["__type"] == "SerializationException"
    assert signed_post(server, "CreateCollection", b'{"CollectionId": "x", "Unknown": 1}').json()["__type"] == (
        "InvalidParameterException"
    )
    assert stored(server) == before


def test_request_too_large(admin: BaseClient) -> None:
    """A body past the server's request limit is refused from its declared length, in AWS's shape."""
    too_large = os.urandom(7 * 1024 * 1024)
    assert refusal(admin.detect_faces, Image={"Bytes": too_large})[:2] == ("ImageTooLargeException", 400)


def test_rate_limit(client_for: ClientFactory, server: Server) -> None:
    """A key past its rate is refused before any work, as Rekognition refuses a throughput overrun."""
    limited = server.config.model_copy(update={"requests_per_second": 0.5, "burst": 2})
    with serve_in_thread(create_app(server.gov, limited)) as url:
        client = client_for(url=url)
        client.list_collections(MaxResults=1)
        client.list_collections(MaxResults=1)
        with pytest.raises(ClientError) as refused:
            client.list_collections(MaxResults=1)
    response = refused.value.response
    assert response["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert int(response["ResponseMetadata"]["HTTPHeaders"]["retry-after"]) >= 1
