"""Retention: the periods in force, and enforcing them now."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from watchkeeper.api.auth import CurrentActor, State
from watchkeeper.governance import retention
from watchkeeper.governance.policy import POLICY_KINDS
from watchkeeper.governance.retention import RetentionReport

router = APIRouter(tags=["retention"])


class RetentionPeriods(BaseModel):
    """Days each kind of data is kept (None: no period of its own); set in the configuration file."""

    periods_days: dict[str, int | None]


@router.get("/retention")
def periods(_actor: CurrentActor, state: State) -> RetentionPeriods:
    policy = state.gov.policy
    return RetentionPeriods(
        periods_days={
            kind: (period.days if (period := getattr(policy, kind)) is not None else None) for kind in POLICY_KINDS
        }
    )


@router.post("/retention/enforcement")
def enforce(actor: CurrentActor, state: State) -> RetentionReport:
    """Delete everything past its period now (each kind audited); also done by the server daily."""
    return retention.enforce_retention(state.gov, actor, state.gov.policy)
