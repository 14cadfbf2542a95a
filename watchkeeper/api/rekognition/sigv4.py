"""Verifying AWS Signature Version 4 on a received request, as the AWS SDKs sign it.

The algorithm, as AWS documents it ("Create a signed AWS API request") and botocore implements it
(``botocore.auth.SigV4Auth``):

1. Canonical request: the method, the canonical URI (the path with dot segments and repeated slashes
   removed, URI-encoded again except ``/`` and ``~``), the canonical query string (names and values
   URI-encoded, sorted), the canonical headers (each signed header as ``name:value`` with its values
   trimmed, inner whitespace collapsed, repeated values joined by ``,``, sorted by name, each followed by a
   newline), the signed header names joined by ``;``, and the hex SHA-256 of the body; joined by newlines.
2. String to sign: ``AWS4-HMAC-SHA256``, the request time (``YYYYMMDDTHHMMSSZ``), the credential scope
   (``date/region/service/aws4_request``) and the hex SHA-256 of the canonical request, joined by newlines.
3. Signing key: HMAC-SHA256 chained from ``"AWS4" + secret`` over the date, the region, the service and
   ``aws4_request``; the signature is the hex HMAC-SHA256 of the string to sign under that key.

The server recomputes the signature with the secret of the access key named in the credential and
compares in constant time. The request time must lie within the allowed clock skew of the server's time,
so a captured request cannot be replayed later; the body must be signed (``UNSIGNED-PAYLOAD`` is refused).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote

from watchkeeper.api.rekognition.errors import AwsError

ALGORITHM = "AWS4-HMAC-SHA256"
TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
SCOPE_TERMINATOR = "aws4_request"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_AUTHORIZATION_PARTS = re.compile(r"\s*(Credential|SignedHeaders|Signature)\s*=\s*([^,\s]*)\s*")


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """What the signature covers, as received: ``raw_path`` and ``raw_query`` still percent-encoded,
    headers as (lower-case name, value) pairs in arrival order."""

    method: str
    raw_path: str
    raw_query: str
    headers: Sequence[tuple[str, str]]
    body: bytes

    def header_values(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key == name]

    def header(self, name: str) -> str | None:
        values = self.header_values(name)
        return values[0] if values else None


@dataclass(frozen=True, slots=True)
class Credential:
    access_key_id: str
    date: str
    region: str
    service: str

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/{SCOPE_TERMINATOR}"


@dataclass(frozen=True, slots=True)
class Authorization:
    credential: Credential
    signed_headers: tuple[str, ...]
    signature: str


def verify_request(
    request: ReceivedRequest,
    service: str,
    now: datetime,
    allowed_skew: timedelta,
    secret_of: Callable[[str], str],
) -> Authorization:
    """The authorization of a correctly signed, current request; :class:`AwsError` says what is wrong otherwise.

    ``secret_of`` returns the secret of an access key id (and raises for a key that is not valid).
    """
    header = request.header("authorization")
    if header is None:
        raise AwsError("MissingAuthenticationTokenException", "Missing Authentication Token")
    authorization = parse_authorization(header)
    credential = authorization.credential
    if credential.service != service:
        raise AwsError("InvalidSignatureException", f"Credential should be scoped to correct service: '{service}'.")
    timestamp, signed_time = _request_time(request, authorization)
    if credential.date != timestamp[:8]:
        raise AwsError(
            "InvalidSignatureException",
            f"Date in Credential scope ({credential.date}) does not match the date of the request ({timestamp[:8]}).",
        )
    _check_skew(signed_time, now, allowed_skew)
    payload_hash = _payload_hash(request)
    secret = secret_of(credential.access_key_id)
    canonical = canonical_request(request, authorization.signed_headers, payload_hash)
    expected = signature(secret, credential, string_to_sign(timestamp, credential.scope, canonical))
    if not hmac.compare_digest(expected, authorization.signature):
        raise AwsError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your secret access key and signing method.",
        )
    return authorization


def parse_authorization(header: str) -> Authorization:
    """The parts of an ``Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``."""
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise AwsError("IncompleteSignatureException", f"Only {ALGORITHM} request signing is supported.")
    parts: dict[str, str] = {}
    for item in rest.split(","):
        match = _AUTHORIZATION_PARTS.fullmatch(item)
        if match is None:
            raise AwsError("IncompleteSignatureException", f"Authorization header item {item.strip()!r} is malformed.")
        parts[match.group(1)] = match.group(2)
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not parts.get(name)]
    if missing:
        raise AwsError("IncompleteSignatureException", f"Authorization header requires {', '.join(missing)}.")
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or scope[4] != SCOPE_TERMINATOR or not all(scope):
        raise AwsError(
            "IncompleteSignatureException",
            "Credential must be '<access key id>/<YYYYMMDD>/<region>/<service>/aws4_request'.",
        )
    signed_headers = tuple(parts["SignedHeaders"].split(";"))
    if "host" not in signed_headers:
        raise AwsError("InvalidSignatureException", "The host header must be signed.")
    return Authorization(Credential(*scope[:4]), signed_headers, parts["Signature"])


def canonical_request(request: ReceivedRequest, signed_headers: Sequence[str], payload_hash: str) -> str:
    headers = []
    for name in sorted(signed_headers):
        values = request.header_values(name)
        if not values:
            raise AwsError("IncompleteSignatureException", f"The signed header {name!r} is not in the request.")
        headers.append(f"{name}:{','.join(' '.join(value.split()) for value in values)}\n")
    return "\n".join(
        (
            request.method.upper(),
            quote(_remove_dot_segments(request.raw_path), safe="/~"),
            canonical_query_string(request.raw_query),
            "".join(headers),
            ";".join(sorted(signed_headers)),
            payload_hash,
        )
    )


def canonical_query_string(raw_query: str) -> str:
    pairs = []
    for item in raw_query.split("&"):
        if item:
            name, _, value = item.partition("=")
            pairs.append((quote(unquote(name), safe="-_.~"), quote(unquote(value), safe="-_.~")))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def string_to_sign(timestamp: str, scope: str, canonical: str) -> str:
    return "\n".join((ALGORITHM, timestamp, scope, hashlib.sha256(canonical.encode("utf-8")).hexdigest()))


def signing_key(secret: str, credential: Credential) -> bytes:
    key = f"AWS4{secret}".encode()
    for part in (credential.date, credential.region, credential.service, SCOPE_TERMINATOR):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def signature(secret: str, credential: Credential, to_sign: str) -> str:
    return hmac.new(signing_key(secret, credential), to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


def _request_time(request: ReceivedRequest, authorization: Authorization) -> tuple[str, datetime]:
    """The signed request time, from ``X-Amz-Date`` or else ``Date``, as the timestamp string the string
    to sign uses and as a time."""
    amz_date = request.header("x-amz-date")
    if amz_date is not None:
        if "x-amz-date" not in authorization.signed_headers:
            raise AwsError("InvalidSignatureException", "The x-amz-date header must be signed.")
        try:
            parsed = datetime.strptime(amz_date, TIMESTAMP_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise AwsError(
                "IncompleteSignatureException", f"X-Amz-Date {amz_date!r} is not YYYYMMDDTHHMMSSZ."
            ) from None
        return amz_date, parsed
    date = request.header("date")
    if date is None or "date" not in authorization.signed_headers:
        raise AwsError("IncompleteSignatureException", "Authorization requires a signed 'X-Amz-Date' or 'Date' header.")
    try:
        parsed = parsedate_to_datetime(date).astimezone(UTC)
    except (TypeError, ValueError):
        raise AwsError("IncompleteSignatureException", f"Date {date!r} is not an HTTP date.") from None
    return parsed.strftime(TIMESTAMP_FORMAT), parsed


def _check_skew(signed: datetime, now: datetime, allowed: timedelta) -> None:
    minutes = f"{allowed.total_seconds() / 60:g} min."
    if signed < now - allowed:
        raise AwsError(
            "InvalidSignatureException",
            f"Signature expired: {signed:{TIMESTAMP_FORMAT}} is now earlier than "
            f"{now - allowed:{TIMESTAMP_FORMAT}} ({now:{TIMESTAMP_FORMAT}} - {minutes})",
        )
    if signed > now + allowed:
        raise AwsError(
            "InvalidSignatureException",
            f"Signature not yet current: {signed:{TIMESTAMP_FORMAT}} is still later than "
            f"{now + allowed:{TIMESTAMP_FORMAT}} ({now:{TIMESTAMP_FORMAT}} + {minutes})",
        )


def _payload_hash(request: ReceivedRequest) -> str:
    computed = hashlib.sha256(request.body).hexdigest()
    declared = request.header("x-amz-content-sha256")
    if declared == UNSIGNED_PAYLOAD:
        raise AwsError("InvalidSignatureException", "The request body must be signed; UNSIGNED-PAYLOAD is refused.")
    if declared is not None and declared != computed:
        raise AwsError(
            "InvalidSignatureException", "The x-amz-content-sha256 header does not match the SHA-256 of the body."
        )
    return computed


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4, and repeated slashes removed, as AWS services expect."""
    if not path:
        return "/"
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    leading = "/" if path.startswith("/") else ""
    trailing = "/" if path.endswith("/") and segments else ""
    return leading + "/".join(segments) + trailing
