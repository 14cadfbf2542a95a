"""``POST /`` with ``X-Amz-Target: RekognitionService.<Operation>``: the wire protocol of the AWS SDKs.

Each request is checked in the order that costs least to refuse: the operation named, then the signature
(SigV4, service ``rekognition``, any region, with a Watchkeeper access key), then the body. Every refusal
is an AWS-shaped error; nothing reaches the governance core unsigned.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import Response

from watchkeeper.api.rekognition.context import Call, signed_statements
from watchkeeper.api.rekognition.errors import AwsError, aws_error_of, aws_response, error_response
from watchkeeper.api.rekognition.inputs import parse_body
from watchkeeper.api.rekognition.operations import OPERATIONS
from watchkeeper.api.rekognition.shapes import JsonObject
from watchkeeper.api.rekognition.sigv4 import ReceivedRequest, verify_request
from watchkeeper.governance import credentials
from watchkeeper.governance.roles import Actor
from watchkeeper.server.errors import retry_after_header
from watchkeeper.server.limits import RequestCharge, request_charge
from watchkeeper.server.state import ServerState, server_state

TARGET_HEADER = "x-amz-target"
TARGET_PREFIX = "RekognitionService."
SERVICE = "rekognition"

router = APIRouter()


def is_rekognition_request(headers: Headers) -> bool:
    """Whether a request speaks the AWS protocol (so its refusals must be AWS-shaped)."""
    return TARGET_HEADER in headers


@router.post("/", include_in_schema=False)
async def rekognition(request: Request) -> Response:
    try:
        body = await request.body()
        received = ReceivedRequest(
            method=request.method,
            raw_path=request.scope.get("raw_path", request.url.path.encode()).decode("latin-1"),
            raw_query=request.scope.get("query_string", b"").decode("latin-1"),
            headers=[(name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in request.headers.raw],
            body=body,
        )
        answer = await run_in_threadpool(serve_request, server_state(request), received, request_charge(request.scope))
    except Exception as error:  # every failure is answered in the protocol's shape
        return error_response(aws_error_of(error), retry_after_header(error))
    return aws_response(200, answer)


def serve_request(state: ServerState, received: ReceivedRequest, charge: RequestCharge) -> JsonObject:
    target = received.header(TARGET_HEADER) or ""
    operation_name = target.removeprefix(TARGET_PREFIX)
    operation = OPERATIONS.get(operation_name) if target.startswith(TARGET_PREFIX) else None
    if operation is None:
        raise AwsError(
            "UnknownOperationException",
            f"X-Amz-Target {target!r} is not an operation Watchkeeper serves "
            f"(RekognitionService.{', RekognitionService.'.join(OPERATIONS)})",
        )
    if received.header("x-amz-security-token") is not None:
        raise AwsError("UnrecognizedClientException", "Watchkeeper issues no session tokens; sign with an access key")
    holders: dict[str, Actor] = {}

    def secret_of(access_key_id: str) -> str:
        holder = credentials.key_holder(state.gov, access_key_id)
        holders[access_key_id] = holder.actor
        return holder.secret_access_key

    skew = timedelta(seconds=state.config.allowed_clock_skew_seconds)
    authorization = verify_request(received, SERVICE, state.gov.clock.now(), skew, secret_of)
    charge.key_verified(authorization.credential.access_key_id)
    if TARGET_HEADER not in authorization.signed_headers:
        # Otherwise a captured DescribeCollection could be replayed, within the skew, as DeleteCollection.
        raise AwsError("InvalidSignatureException", "The X-Amz-Target header must be signed.")
    credential = authorization.credential
    call = Call(
        gov=state.gov,
        config=state.config.rekognition,
        actor=holders[credential.access_key_id],
        access_key_id=credential.access_key_id,
        region=credential.region,
        operation=operation_name,
        statements=signed_statements(dict(received.headers), authorization.signed_headers),
    )
    return operation(call, parse_body(received.body))
