"""The authorisation body is the deployment spec: the route passes its fields on by name."""

from __future__ import annotations

from typing import get_type_hints

import pytest
from pydantic import ValidationError

from watchkeeper.api.routes.deployments import NewDeployment
from watchkeeper.governance.deployments import DeploymentMode, DeploymentSpec
from watchkeeper.types import FrameRegion


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
            "minimum_face_px": 12,
            "recognition_zones": {"door": {"left": 0.0, "top": 0.25, "right": 1.0, "bottom": 1.0}},
        }
    )
    spec = DeploymentSpec(**dict(body))
    assert spec.cameras == ("door", "stage")
    assert spec.minimum_face_px == 12
    assert spec.recognition_zones == {"door": FrameRegion(left=0.0, top=0.25, right=1.0, bottom=1.0)}
    assert spec.mode is DeploymentMode.STATIC
    assert spec.threshold == body.threshold


def test_a_zone_outside_the_picture_is_refused_by_validation() -> None:
    with pytest.raises(ValidationError, match="frame region"):
        NewDeployment.model_validate(
            {
                "name": "foyer", "purpose": "p", "location": "l", "cameras": ["door"], "mode": "static",
                "trial": True, "gallery": "g", "authorising_officer": "o", "starts_at": "2026-01-01T00:00:00Z",
                "ends_at": "2026-01-02T00:00:00Z",
                "recognition_zones": {"door": {"left": 0.5, "top": 0.0, "right": 1.5, "bottom": 1.0}},
            }
        )  # fmt: skip
