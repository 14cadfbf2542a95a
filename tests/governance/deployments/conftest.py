"""The gallery the deployment tests watch for: two people wanted on warrant."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from watchkeeper.governance import galleries
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor, Role


@pytest.fixture
def watchlist_gallery(gov: Governance, people: dict[Role, Actor], faces_dir: Path, clock: FixedClock) -> str:
    admin = people[Role.ADMIN]
    galleries.create_gallery(gov, admin, "watch", "", "watchlist source")
    for reference, image in (("biden", "examples/biden.jpg"), ("obama", "examples/obama.jpg")):
        details = galleries.SubjectDetails(
            reference, SubjectCategory.WANTED_BY_COURTS, "warrant", "court", clock.now() + timedelta(days=30)
        )
        galleries.enrol_subject(
            gov, admin, "watch", details, [galleries.EnrolmentImage(image, (faces_dir / image).read_bytes())]
        )
    return "watch"
