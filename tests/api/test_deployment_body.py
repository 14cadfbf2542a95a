"""The authorisation body is the deployment spec: the route passes its fields on by name."""

from __future__ import annotations

from typing import get_type_hints

from watchkeeper.api.routes.deployments import NewDeployment
from watchkeeper.governance.deployments import DeploymentMode, DeploymentSpec


def test_the_body_has_the_specs_fields_by_name_and_type() -> None:
    assert get_type_hints(NewDeployment) == get_type_hints(DeploymentSpec)


def test_a_validated_body_becomes_the_spec_it_states() -> None:
    body = NewDeployment.model_validate(
        {
            "name": "foyer",
            "purpose": "missing people",
            "location": "theatre",
            "cameras": ["door", "stage"],
            "mode": "static",
            "trial": True,
            "gallery": "watch",
            "authorising_officer": "Supt. X",
            "starts_at": "2026-01-01T00:00:00Z",
            "ends_at": "2026-01-02T00:00:00Z",
        }
    )
    spec = DeploymentSpec(**body.model_dump())
    assert spec.cameras == ("door", "stage")
    assert spec.mode is DeploymentMode.STATIC
    assert spec.threshold == body.threshold
