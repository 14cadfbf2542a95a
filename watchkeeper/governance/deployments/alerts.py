"""Alerts raised by a deployment's runs: listed, their crops shown, and confirmed or rejected on record by
an operator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import defer

from watchkeeper.errors import InvalidArgumentError, NotFoundError
from watchkeeper.governance.audit.events import AlertAdjudicated
from watchkeeper.governance.context import Governance
from watchkeeper.governance.db import transaction
from watchkeeper.governance.deployments.records import AlertOutcome, DeploymentError
from watchkeeper.governance.records import record_from_row
from watchkeeper.governance.roles import Actor, Permission
from watchkeeper.governance.schema import Alert, WatchlistEntry


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertRecord:
    id: int
    deployment: str
    camera: str
    raised_at: datetime
    stream_seconds: float
    track_id: int
    subject_reference: str
    category: str
    distance: float
    similarity: float
    outcome: AlertOutcome
    outcome_reason: str | None
    action_taken: str | None
    adjudicated_by: str | None


def adjudicate_alert(
    gov: Governance, actor: Actor, alert_id: int, outcome: AlertOutcome, reason: str, action_taken: str
) -> AlertRecord:
    """An operator's decision on an alert: confirmed or rejected, why, and what was done."""
    actor.require(Permission.ADJUDICATE_ALERTS)
    if outcome is AlertOutcome.PENDING:
        raise InvalidArgumentError("an adjudication confirms or rejects")
    if not reason.strip():
        raise InvalidArgumentError("an adjudication needs a reason")
    with transaction(gov.sessions) as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFoundError(f"no alert {alert_id}")
        if alert.outcome != AlertOutcome.PENDING.value:
            raise DeploymentError(f"alert {alert_id} was already {alert.outcome} by {alert.adjudicated_by}")
        alert.outcome = outcome.value
        alert.outcome_reason = reason
        alert.action_taken = action_taken
        alert.adjudicated_by = actor.name
        alert.adjudicated_at = gov.clock.now()
        adjudicated = AlertAdjudicated(
            deployment=alert.deployment_name, alert=alert_id, outcome=outcome.value, action_taken=action_taken
        )
        gov.audit.append(session, actor, adjudicated, reason)
        return _alert_record(alert)


def list_alerts(
    gov: Governance,
    actor: Actor,
    deployment: str | None = None,
    after_id: int = 0,
    limit: int | None = None,
    *,
    newest_first: bool = False,
) -> list[AlertRecord]:
    """Alerts in the order raised (or the reverse); ``after_id`` and ``limit`` page through them (and let a
    live display ask only for the alerts it has not shown yet, or open with the latest few)."""
    actor.require(Permission.ADJUDICATE_ALERTS)
    with gov.sessions() as session:
        order = Alert.id.desc() if newest_first else Alert.id
        query = select(Alert).options(defer(Alert.crop)).where(Alert.id > after_id).order_by(order).limit(limit)
        if deployment is not None:
            query = query.where(Alert.deployment_name == deployment)
        return [_alert_record(a) for a in session.scalars(query)]


def alert_crop(gov: Governance, actor: Actor, alert_id: int) -> bytes:
    """The JPEG of the live face that raised an alert, for the operator who adjudicates it."""
    actor.require(Permission.ADJUDICATE_ALERTS)
    with gov.sessions() as session:
        alert = session.get(Alert, alert_id)
        if alert is None:
            raise NotFoundError(f"no alert {alert_id}")
        return bytes(alert.crop)


def watchlist_image(gov: Governance, actor: Actor, alert_id: int) -> bytes:
    """The watchlist portrait (:func:`face_portrait`) of the person an alert names, to show beside the live
    crop; it goes with the watchlist snapshot when the deployment ends."""
    actor.require(Permission.ADJUDICATE_ALERTS)
    with gov.sessions() as session:
        alert = session.get(Alert, alert_id, options=[defer(Alert.crop)])
        if alert is None:
            raise NotFoundError(f"no alert {alert_id}")
        image = session.scalar(
            select(WatchlistEntry.image)
            .where(
                WatchlistEntry.deployment_id == alert.deployment_id,
                WatchlistEntry.subject_reference == alert.subject_reference,
            )
            .order_by(WatchlistEntry.id)
            .limit(1)
        )
    if image is None:
        raise NotFoundError(f"alert {alert_id}: the watchlist of {alert.deployment_name!r} was deleted when it ended")
    return bytes(image)


def _alert_record(alert: Alert) -> AlertRecord:
    return record_from_row(AlertRecord, alert, deployment=alert.deployment_name, outcome=AlertOutcome(alert.outcome))
