"""Setting up a watchlist gallery and an authorised deployment on it, for the live tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from watchkeeper.governance import deployments, galleries, users
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.context import Governance

CLIP = "examples/short_hamilton_clip.mp4"


def authorise(gov: Governance, faces_dir: Path, name: str, people: dict[str, str], **terms: Any) -> None:
    """A gallery of ``people`` (reference -> image under the shared faces folder) and a deployment on it,
    with the further ``terms`` of its spec given (a minimum face size, zones)."""
    admin = users.resolve_actor(gov, "ada")
    now = datetime.now(UTC)
    galleries.create_gallery(gov, admin, name, "", "watchlist")
    for reference, image in people.items():
        details = galleries.SubjectDetails(
            reference, SubjectCategory.MISSING_OR_VULNERABLE, "welfare concern", "family", now + timedelta(days=7)
        )
        data = (faces_dir / image).read_bytes()
        galleries.enrol_subject(gov, admin, name, details, [galleries.EnrolmentImage(Path(image).name, data)])
    spec = deployments.DeploymentSpec(
        name=name,
        purpose="find missing people at the venue",
        location="theatre foyer",
        cameras=("foyer",),
        mode=deployments.DeploymentMode.STATIC,
        trial=True,
        gallery=name,
        authorising_officer="Supt. A. Example",
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
        **terms,
    )
    deployments.authorise_deployment(gov, admin, spec)
