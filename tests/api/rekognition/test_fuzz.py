"""Property-based fuzzing of the Rekognition-compatible endpoint, which the OpenAPI fuzzing cannot reach.

Request bodies are generated from botocore's own model of each operation's input: well-formed ones (with
a real collection, face and image among the values, so requests get past validation into the engine and
the governance core), the same with one member replaced by arbitrary JSON or an unknown member added, and
arbitrary JSON. Each is
signed like an SDK's request, sometimes with a case and reason. Whatever arrives, the answer is never a
server error; a refusal is in AWS's error shape and a success matches botocore's output model.
"""

from __future__ import annotations

import base64
import io
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.model import ListShape, MapShape, Shape, StructureShape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.api.rekognition.botocore_shapes import operation_model, shape_problems
from tests.api.rekognition.conftest import REGION, Server, rekognition_server
from watchkeeper.api.rekognition.operations import OPERATIONS
from watchkeeper.config import Settings
from watchkeeper.face import FaceEngine
from watchkeeper.governance.roles import Role

EXAMPLES_PER_OPERATION = 25
COLLECTION = "fuzzed"
JSON_1_1 = "application/x-amz-json-1.1"

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory, settings: Settings, engine: FaceEngine) -> Iterator[Server]:
    data_dir = tmp_path_factory.mktemp("rekognition-fuzz")
    with rekognition_server(data_dir, settings, engine, requests_per_second=1000.0, burst=1000) as running:
        yield running


@pytest.fixture(scope="module")
def face_image(faces_dir: Path) -> bytes:
    """A real face photo, small so that generated requests stay quick."""
    with Image.open(faces_dir / "examples/obama.jpg") as photo:
        photo.thumbnail((480, 480))
        buffer = io.BytesIO()
        photo.convert("RGB").save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
def known(fuzzed: Server, face_image: bytes) -> dict[str, Any]:
    """Values the generator mixes in: the image, and a collection with a face indexed (made again for each
    operation, as DeleteCollection and DeleteFaces remove them)."""
    if signed_post(fuzzed, "DescribeCollection", {"CollectionId": COLLECTION}).status_code != 200:
        assert signed_post(fuzzed, "CreateCollection", {"CollectionId": COLLECTION}).status_code == 200
    listed = signed_post(fuzzed, "ListFaces", {"CollectionId": COLLECTION})
    assert listed.status_code == 200, listed.text
    faces = listed.json()["Faces"]
    if not faces:
        image = {"Bytes": b64(face_image)}
        indexed = signed_post(fuzzed, "IndexFaces", {"CollectionId": COLLECTION, "Image": image})
        assert indexed.status_code == 200, indexed.text
        faces = [record["Face"] for record in indexed.json()["FaceRecords"]]
        assert faces, indexed.text
    return {"image": face_image, "face_id": faces[0]["FaceId"]}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def signed_post(server: Server, operation: str, body: Any, statements: dict[str, str] | None = None) -> httpx.Response:
    """A request signed as an SDK signs it, with any JSON body and optional signed Watchkeeper headers."""
    key = server.keys[Role.ADMIN]
    headers = {"Content-Type": JSON_1_1, "X-Amz-Target": f"RekognitionService.{operation}"}
    headers.update({f"X-Watchkeeper-{name}": value for name, value in (statements or {}).items()})
    request = AWSRequest(method="POST", url=server.url + "/", data=json.dumps(body).encode(), headers=headers)
    SigV4Auth(Credentials(key.access_key_id, key.secret_access_key), "rekognition", REGION).add_auth(request)
    return httpx.post(server.url + "/", content=request.body, headers=dict(request.headers.items()), timeout=60)


def conforming(shape: Shape, known: dict[str, Any], name: str = "") -> st.SearchStrategy[Any]:
    """Values of ``shape`` within botocore's model (type, enum, pattern, length, range), with the known
    collection, face and image most of the time, so that requests get past validation."""
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if isinstance(shape, StructureShape) and name in ("Image", "SourceImage", "TargetImage"):
        return st.just({"Bytes": b64(known["image"])}) | st.just({"Bytes": b64(known["image"])}) | st.builds(dict)
    if isinstance(shape, StructureShape):
        members = {member: conforming(inner, known, member) for member, inner in shape.members.items()}
        required = {member: members.pop(member) for member in shape.required_members}
        return st.fixed_dictionaries(required, optional=members)
    if isinstance(shape, ListShape):
        return st.lists(conforming(shape.member, known, name), min_size=low or 0, max_size=max(low or 0, 3))
    if isinstance(shape, MapShape):
        return st.dictionaries(conforming(shape.key, known), conforming(shape.value, known), max_size=2)
    kind = shape.type_name
    if kind == "string":
        if shape.enum:
            return st.sampled_from(shape.enum)
        if name == "CollectionId":
            return st.sampled_from([COLLECTION] * 4 + ["no-such-collection"])
        if name in ("FaceId", "FaceIds"):
            return st.sampled_from([known["face_id"]] * 3 + [str(uuid.UUID(int=0))])
        pattern = shape.metadata.get("pattern")
        text = st.from_regex(pattern, fullmatch=True) if pattern and python_regex(pattern) else st.text()
        return text.filter(lambda value: (low or 0) <= len(value) <= (high or 40))
    if kind == "blob":
        return st.sampled_from([b64(b"not an image"), "not base64 at all!", ""])
    if kind in ("integer", "long"):
        return st.integers(min_value=low if low is not None else -10, max_value=high if high is not None else 100)
    if kind in ("float", "double"):
        return st.floats(min_value=low if low is not None else -10.0, max_value=high if high is not None else 100.0)
    if kind == "boolean":
        return st.booleans()
    return json_values


def python_regex(pattern: str) -> bool:
    """Whether Python's ``re`` reads ``pattern`` (botocore's use Java classes such as ``\\p{L}``)."""
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def bodies(operation: str, known: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Well-formed bodies, the same with one member replaced by arbitrary JSON or an unknown one added, and
    arbitrary JSON."""
    input_shape = operation_model(operation).input_shape
    assert input_shape is not None
    well_formed = conforming(input_shape, known)

    def spoil(body: dict[str, Any], member: str, value: Any) -> dict[str, Any]:
        return {**body, member: value}

    spoiled = st.builds(spoil, well_formed, st.sampled_from([*input_shape.members, "Unknown"]), json_values)
    return st.one_of(well_formed, well_formed, well_formed, spoiled, json_values)


printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30).map(str.strip)
stated = st.just({"Case": "CASE/2026/1", "Reason": "fuzzing the endpoint"})
statements = st.one_of(stated, stated, st.none(), st.fixed_dictionaries({"Case": printable, "Reason": printable}))


@pytest.mark.slow
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_no_request_causes_a_server_error(fuzzed: Server, known: dict[str, Any], operation: str) -> None:
    @given(body=bodies(operation, known), stated=statements)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
    )
    def answered_properly(body: Any, stated: dict[str, str] | None) -> None:
        response = signed_post(fuzzed, operation, body, stated)
        assert response.status_code < 500, (body, response.text)
        assert response.status_code != 429, "throttled: the fuzzing would not reach the operation"
        answer = response.json()
        if response.status_code == 200:
            assert shape_problems(operation, answer) == []
        else:
            assert isinstance(answer.get("__type"), str), answer
            assert isinstance(answer.get("message"), str), answer

    answered_properly()
