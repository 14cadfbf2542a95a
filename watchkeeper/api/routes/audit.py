"""The audit log: read, verified, and proofs that an entry is in a signed tree head (RFC 9162 style)."""

from __future__ import annotations

import base64
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from watchkeeper.api.auth import CurrentActor, State
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
    findings: list[dict[str, Any]]


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
    rows = state.gov.audit.entries(actor, start, limit)
    return AuditPage(
        size=state.gov.audit.size(),
        entries=[
            AuditEntryOut(sequence=sequence, pruned=entry is None, entry=plain(asdict(entry)) if entry else None)
            for sequence, entry in rows
        ],
    )


@router.get("/audit/verification")
def verify(actor: CurrentActor, state: State) -> Verification:
    """Every stored entry checked against every signed checkpoint."""
    report = state.gov.audit.verify(actor)
    document = plain(asdict(report))
    return Verification(
        ok=report.ok,
        size=report.size,
        root_hash=document["root_hash"],
        latest_checkpoint=document["latest_checkpoint"],
        findings=document["findings"],
    )


@router.get("/audit/entries/{sequence}/proof")
def prove_inclusion(sequence: RecordNumber, actor: CurrentActor, state: State) -> InclusionProof:
    entry, leaf, path, head = state.gov.audit.inclusion(actor, sequence)
    return InclusionProof(
        sequence=sequence,
        entry=plain(asdict(entry)) if entry else None,
        leaf_hash=base64.b64encode(leaf).decode(),
        proof=[base64.b64encode(node).decode() for node in path],
        checkpoint=head,
    )
