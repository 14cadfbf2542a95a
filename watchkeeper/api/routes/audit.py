"""The audit log: read, verified (against heads a witness kept, too), its newest signed tree head for
witnesses, and proofs that an entry is in a signed tree head (RFC 9162 style)."""

from __future__ import annotations

import base64
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from watchkeeper.api.auth import CurrentActor, State
from watchkeeper.governance import audit_access
from watchkeeper.governance.audit.checkpoint import open_checkpoint, split_checkpoints
from watchkeeper.governance.audit.verify import VerificationReport
from watchkeeper.serialise import plain
from watchkeeper.server.inputs import RecordNumber

router = APIRouter(tags=["audit"])


class AuditEntryOut(BaseModel):
    sequence: int
    pruned: bool
    """True when retention removed the entry's content; its leaf hash is still in the log."""
    entry: dict[str, Any] | None


class AuditPage(BaseModel):
    size: int
    entries: list[AuditEntryOut]


class Verification(BaseModel):
    ok: bool
    size: int
    root_hash: str
    latest_checkpoint: dict[str, Any] | None
    heads_checked: int
    """Signed heads kept outside the database that the log was checked against (file and witness)."""
    findings: list[dict[str, Any]]


class WitnessHeads(BaseModel):
    heads: str
    """Signed tree heads kept elsewhere, as ``GET /audit/checkpoint`` gave them (one or more, concatenated)."""


class Consistency(BaseModel):
    """The RFC 9162 consistency proof from a witness's older head to ``signed`` (hashes in hex)."""

    old_size: int
    new_size: int
    old_root: str
    new_root: str
    proof: list[str]


class SignedHead(BaseModel):
    origin: str
    size: int
    root_hash: str
    signed: str
    """The signed tree head (a C2SP signed note), to keep outside the server."""
    consistency: Consistency | None = None
    """With ``since``: the proof that ``signed`` extends the witness's head of that size."""


class InclusionProof(BaseModel):
    sequence: int
    entry: dict[str, Any] | None
    leaf_hash: str
    proof: list[str]
    """Base64 SHA-256 hashes from the leaf up to the root of the checkpoint."""
    checkpoint: str
    """The signed tree head (a C2SP signed note) the proof is against."""


@router.get("/audit/entries")
def read_entries(
    actor: CurrentActor,
    state: State,
    start: Annotated[RecordNumber, Query()] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    rows = audit_access.entries(state.gov, actor, start, limit)
    return AuditPage(
        size=state.gov.audit.size(),
        entries=[
            AuditEntryOut(sequence=sequence, pruned=entry is None, entry=plain(asdict(entry)) if entry else None)
            for sequence, entry in rows
        ],
    )


def _verification(report: VerificationReport) -> Verification:
    document = plain(asdict(report))
    return Verification(
        ok=report.ok,
        size=report.size,
        root_hash=document["root_hash"],
        latest_checkpoint=document["latest_checkpoint"],
        heads_checked=report.heads_checked,
        findings=document["findings"],
    )


@router.get("/audit/verification")
def verify(actor: CurrentActor, state: State) -> Verification:
    """Every stored entry checked against every signed checkpoint and the heads in the checkpoints file."""
    return _verification(audit_access.verify(state.gov, actor))


@router.post("/audit/verification")
def verify_against_witness(body: WitnessHeads, actor: CurrentActor, state: State) -> Verification:
    """The same, and against heads a witness kept elsewhere: a log cut short or rolled back fails."""
    return _verification(audit_access.verify(state.gov, actor, split_checkpoints(body.heads)))


@router.get("/audit/checkpoint")
def newest_head(
    actor: CurrentActor,
    state: State,
    since: Annotated[RecordNumber | None, Query(description="The size of the witness's newest head.")] = None,
) -> SignedHead:
    """The newest signed tree head, for a witness to keep; with ``since``, with the consistency proof from
    the witness's head of that size (the shape ``audit checkpoint --since --json`` prints, which
    :func:`watchkeeper.governance.audit.witness.check_update` checks)."""
    update = audit_access.update_since(state.gov, actor, since) if since is not None else None
    signed = update.signed if update else audit_access.newest_head(state.gov, actor)
    head = open_checkpoint(signed, state.gov.audit.verifier)
    consistency = Consistency.model_validate(update.to_json()["consistency"]) if update else None
    return SignedHead(
        origin=head.origin, size=head.size, root_hash=plain(head.root_hash), signed=signed, consistency=consistency
    )


@router.get("/audit/entries/{sequence}/proof")
def prove_inclusion(sequence: RecordNumber, actor: CurrentActor, state: State) -> InclusionProof:
    entry, leaf, path, head = audit_access.inclusion(state.gov, actor, sequence)
    return InclusionProof(
        sequence=sequence,
        entry=plain(asdict(entry)) if entry else None,
        leaf_hash=base64.b64encode(leaf).decode(),
        proof=[base64.b64encode(node).decode() for node in path],
        checkpoint=head,
    )
