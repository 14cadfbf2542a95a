"""Signature Version 4 verification: AWS's published example, and requests botocore signs, accepted exactly
as signed and refused when any signed part changes, the time is out of bounds or the secret is wrong."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from watchkeeper.api.rekognition.errors import AwsError
from watchkeeper.api.rekognition.sigv4 import (
    Credential,
    ReceivedRequest,
    canonical_request,
    signature,
    signing_key,
    string_to_sign,
    verify_request,
)

KEY_ID = "WKIAEXAMPLEEXAMPLE01"
SECRET = "a-secret-of-thirty-bytes-in-base64-url-form"
SIGNED_AT = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)
SKEW = timedelta(minutes=5)


def test_aws_published_example() -> None:
    """AWS's worked example (IAM ListUsers, 2015-08-30): signing key and signature as published."""
    credential = Credential("AKIDEXAMPLE", "20150830", "us-east-1", "iam")
    key = signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", credential)
    assert key.hex() == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9"
    request = ReceivedRequest(
        method="GET",
        raw_path="/",
        raw_query="Action=ListUsers&Version=2010-05-08",
        headers=[
            ("host", "iam.amazonaws.com"),
            ("content-type", "application/x-www-form-urlencoded; charset=utf-8"),
            ("x-amz-date", "20150830T123600Z"),
        ],
        body=b"",
    )
    canonical = canonical_request(
        request,
        ("content-type", "host", "x-amz-date"),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    )
    to_sign = string_to_sign("20150830T123600Z", credential.scope, canonical)
    assert to_sign.endswith("f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59")
    assert (
        signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", credential, to_sign)
        == "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    )


def signed_by_botocore(
    monkeypatch: pytest.MonkeyPatch,
    url: str = "http://127.0.0.1:8350/",
    body: bytes = b'{"CollectionId": "custody"}',
    headers: dict[str, str] | None = None,
    service: str = "rekognition",
    at: datetime = SIGNED_AT,
) -> ReceivedRequest:
    """A request signed by botocore's own SigV4 signer, as the server receives it."""
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda: at.replace(tzinfo=None))
    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "RekognitionService.CreateCollection",
            **(headers or {}),
        },
    )
    SigV4Auth(Credentials(KEY_ID, SECRET), service, "eu-west-2").add_auth(request)
    path, _, query = url.split("/", 3)[3].partition("?")
    host = url.split("/")[2]
    received_headers = [("host", host), *((name.lower(), value) for name, value in request.headers.items())]
    return ReceivedRequest("POST", "/" + path, query, received_headers, body)


def verify(request: ReceivedRequest, now: datetime = SIGNED_AT) -> str:
    return verify_request(request, "rekognition", now, SKEW, {KEY_ID: SECRET}.__getitem__).credential.region


def test_accepts_what_botocore_signs(monkeypatch: pytest.MonkeyPatch) -> None:
    assert verify(signed_by_botocore(monkeypatch)) == "eu-west-2"


def test_accepts_query_strings_paths_and_spaced_headers(monkeypatch: pytest.MonkeyPatch) -> None:
    request = signed_by_botocore(
        monkeypatch,
        url="http://127.0.0.1:8350/a/./b/../c?b=2&a=1&a=0&space=x%20y",
        headers={"X-Watchkeeper-Reason": "  identify   the  suspect "},
    )
    assert verify(request) == "eu-west-2"


@pytest.mark.parametrize(
    ("change", "error_type"),
    [
        (lambda r: replace(r, body=r.body + b" "), "InvalidSignatureException"),
        (lambda r: replace(r, raw_path="/other"), "InvalidSignatureException"),
        (lambda r: replace(r, raw_query="extra=1"), "InvalidSignatureException"),
        (lambda r: replace(r, method="PUT"), "InvalidSignatureException"),
        (
            lambda r: replace(
                r,
                headers=[
                    (n, "RekognitionService.DeleteCollection" if n == "x-amz-target" else v) for n, v in r.headers
                ],
            ),
            "InvalidSignatureException",
        ),
        (
            lambda r: replace(r, headers=[(n, v) for n, v in r.headers if n != "authorization"]),
            "MissingAuthenticationTokenException",
        ),
        (
            lambda r: replace(r, headers=[(n, v) for n, v in r.headers if n != "x-amz-date"]),
            "IncompleteSignatureException",
        ),
    ],
    ids=["body", "path", "query", "method", "signed header", "no authorization", "no date"],
)
def test_refuses_any_change_to_what_was_signed(
    monkeypatch: pytest.MonkeyPatch, change: object, error_type: str
) -> None:
    request = change(signed_by_botocore(monkeypatch))  # type: ignore[operator]
    with pytest.raises(AwsError) as refused:
        verify(request)
    assert refused.value.error_type == error_type


def test_refuses_a_wrong_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    request = signed_by_botocore(monkeypatch)
    with pytest.raises(AwsError, match="signature we calculated does not match") as refused:
        verify_request(request, "rekognition", SIGNED_AT, SKEW, lambda _: SECRET + "x")
    assert refused.value.error_type == "InvalidSignatureException"


@pytest.mark.parametrize("offset", [SKEW + timedelta(seconds=1), -SKEW - timedelta(seconds=1)])
def test_refuses_a_request_outside_the_clock_skew(monkeypatch: pytest.MonkeyPatch, offset: timedelta) -> None:
    request = signed_by_botocore(monkeypatch)
    with pytest.raises(AwsError, match=r"Signature (expired|not yet current)") as refused:
        verify(request, now=SIGNED_AT + offset)
    assert refused.value.error_type == "InvalidSignatureException"
    assert verify(request, now=SIGNED_AT + (SKEW if offset > timedelta(0) else -SKEW)) == "eu-west-2"


def test_refuses_another_service_and_an_unsigned_payload(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AwsError, match="scoped to correct service"):
        verify(signed_by_botocore(monkeypatch, service="s3"))
    unsigned_body = signed_by_botocore(monkeypatch, headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    with pytest.raises(AwsError, match="UNSIGNED-PAYLOAD is refused"):
        verify(unsigned_body)


@pytest.mark.parametrize(
    "header",
    [
        "AWS4-HMAC-SHA1 Credential=a/20260302/eu-west-2/rekognition/aws4_request, SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=a/20260302/eu-west-2/rekognition, SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=a/20260302/eu-west-2/rekognition/aws4_request, Signature=00",
        "AWS4-HMAC-SHA256 garbage",
    ],
)
def test_refuses_malformed_authorization(monkeypatch: pytest.MonkeyPatch, header: str) -> None:
    request = signed_by_botocore(monkeypatch)
    request = replace(request, headers=[(n, header if n == "authorization" else v) for n, v in request.headers])
    with pytest.raises(AwsError) as refused:
        verify(request)
    assert refused.value.error_type == "IncompleteSignatureException"
