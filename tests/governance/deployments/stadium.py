"""The deployment the tests authorise, changed as each test needs."""

from __future__ import annotations

from datetime import timedelta

from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.deployments import DeploymentMode, DeploymentSpec


def spec(clock: FixedClock, **changes: object) -> DeploymentSpec:
    values: dict[str, object] = {
        "name": "stadium",
        "purpose": "locate people wanted on warrant at the match",
        "location": "North stand entrance",
        "cameras": ("gate-1",),
        "mode": DeploymentMode.STATIC,
        "trial": True,
        "gallery": "watch",
        "authorising_officer": "Supt. A. Example",
        "starts_at": clock.now(),
        "ends_at": clock.now() + timedelta(hours=4),
    }
    values.update(changes)
    return DeploymentSpec(**values)  # type: ignore[arg-type]
