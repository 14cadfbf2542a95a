"""Who is calling and what they state: the verified key's holder, and the signed Watchkeeper headers.

Rekognition's requests carry no case, reason or category, which Watchkeeper asks of every search and every
enrolment. A client states them in request headers, which must be signed (so they cannot be altered or
added on the way, and the audit log records what the key holder signed):

- ``X-Watchkeeper-Case`` and ``X-Watchkeeper-Reason``: required by SearchFaces and SearchFacesByImage,
  refused with ``AccessDeniedException`` without them; there is no default case.
- ``X-Watchkeeper-Reason``: the reason recorded for IndexFaces, CreateCollection, DeleteCollection and
  DeleteFaces; IndexFaces falls back to ``[rekognition] index_reason``, the others to a reason naming the
  operation and the endpoint (the audit entry names the user in any case).
- ``X-Watchkeeper-Category``: the subject category of faces indexed, else ``[rekognition] category``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from watchkeeper.api.rekognition.errors import AwsError, invalid_parameter
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.context import Governance
from watchkeeper.governance.faces import EntryCriteria
from watchkeeper.governance.roles import Actor
from watchkeeper.server.config import RekognitionConfig

HEADER_PREFIX = "x-watchkeeper-"
CASE_HEADER = "x-watchkeeper-case"
REASON_HEADER = "x-watchkeeper-reason"
CATEGORY_HEADER = "x-watchkeeper-category"
STATEMENT_HEADERS = (CASE_HEADER, REASON_HEADER, CATEGORY_HEADER)
ACCOUNT_ID = "000000000000"
"""Collections' ARNs need an account; Watchkeeper has none, so the placeholder AWS's own examples use."""


@dataclass(frozen=True, slots=True)
class Call:
    """One verified request: the core, the endpoint's settings, the key holder and what they signed."""

    gov: Governance
    config: RekognitionConfig
    actor: Actor
    access_key_id: str
    region: str
    operation: str
    statements: Mapping[str, str]
    """The signed ``X-Watchkeeper-*`` headers, by lower-case name."""

    def collection_arn(self, collection_id: str) -> str:
        return f"aws:rekognition:{self.region}:{ACCOUNT_ID}:collection/{collection_id}"

    def reason(self) -> str:
        """The stated reason of a change, or one naming the operation and the endpoint."""
        return self.statements.get(REASON_HEADER) or f"{self.operation} through the Rekognition-compatible endpoint"

    def case_and_reason(self) -> tuple[str, str]:
        case, reason = self.statements.get(CASE_HEADER), self.statements.get(REASON_HEADER)
        if not case or not reason:
            raise AwsError(
                "AccessDeniedException",
                f"{self.operation}: every search is tied to a case and a reason; send them in the signed headers "
                "X-Watchkeeper-Case and X-Watchkeeper-Reason",
            )
        return case, reason

    def entry_criteria(self) -> EntryCriteria:
        """What faces indexed by this request are enrolled under: stated, else configured, else refused."""
        category_name = self.statements.get(CATEGORY_HEADER) or (self.config.category and self.config.category.value)
        reason = self.statements.get(REASON_HEADER) or self.config.index_reason
        if not category_name or not reason:
            raise invalid_parameter(
                "IndexFaces enrols people, which needs a subject category and a reason: send the signed headers "
                "X-Watchkeeper-Category and X-Watchkeeper-Reason, or set category and index_reason in the "
                "[rekognition] section of the configuration"
            )
        try:
            category = SubjectCategory(category_name)
        except ValueError:
            choices = ", ".join(c.value for c in SubjectCategory)
            raise invalid_parameter(f"X-Watchkeeper-Category {category_name!r} is not one of: {choices}") from None
        days = timedelta(days=self.config.subject_days)
        if self.gov.policy.enrolled_images is not None:
            days = min(days, self.gov.policy.enrolled_images)
        source = f"Rekognition-compatible IndexFaces by {self.actor.name} with access key {self.access_key_id}"
        return EntryCriteria(category, reason, source, self.gov.clock.now() + days)


def signed_statements(headers: Mapping[str, str], signed_headers: tuple[str, ...]) -> dict[str, str]:
    """The ``X-Watchkeeper-*`` headers of a request, all of which must be signed and known."""
    statements = {}
    for name, value in headers.items():
        if not name.startswith(HEADER_PREFIX):
            continue
        if name not in STATEMENT_HEADERS:
            raise invalid_parameter(f"unknown header {name}; known: {', '.join(STATEMENT_HEADERS)}")
        if name not in signed_headers:
            raise invalid_parameter(f"the header {name} must be signed (add it before the request is signed)")
        statements[name] = value.strip()
    return statements
