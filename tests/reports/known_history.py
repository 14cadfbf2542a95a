"""A known history, 2021 to 2024, built through the governance services with a fixed clock.

2021: Watchkeeper registered; a predictive policing product planned, never used. No use of recognition.
2022: a custody gallery (obama x2 images, biden x1); two searches; an LFR trial deployment (static) with two
      alerts, one confirmed and one rejected; a trial contract and its cost; policy, SOP and DPIA issued.
2023: retention of alerts cut from 31 to 14 days (configuration change); kit enrolled and biden removed;
      one search; an operational LFR deployment (portable, over two days) with two alerts, one confirmed, one never
      adjudicated; ongoing use and its costs; the DPIA published, policy v2.0; two FOI requests (one
      received invalid on a Saturday, completed on Monday, answered late); retention enforced on 2 December
      (obama's expiry passed; the 2022 searches and all alerts deleted from the tables).
2024: no use of Watchkeeper; a risk assessment tool and an operator-initiated recognition app trialled,
      recorded without costs, documents or cameras; one FOI request, unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np

from watchkeeper.governance import deployments, foi, galleries, register, retention, search, users, vocabulary
from watchkeeper.governance.categories import SubjectCategory
from watchkeeper.governance.clock import FixedClock
from watchkeeper.governance.context import Governance
from watchkeeper.governance.register import TechnologySpec
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.governance.vocabulary import ContactKind, DocumentKind, TechnologyCategory, UseStage

POLICY_V1 = "https://force.example/lfr-policy-v1.pdf"
POLICY_V2 = "https://force.example/lfr-policy-v2.pdf"
DPIA = "https://force.example/dpia.pdf"
SUPPLIER = "Open Recognition Ltd"


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Story:
    gov: Governance
    disclosure: Actor


def build_history(gov: Governance, people: dict[Role, Actor], clock: FixedClock, faces_dir: Path) -> Story:
    admin, operator, analyst = people[Role.ADMIN], people[Role.OPERATOR], people[Role.ANALYST]
    dee = users.add_user(gov, admin, "dee", Role.DISCLOSURE, "FOI officer")
    disclosure = Actor(dee.name, dee.role)

    def image(relative: str) -> galleries.EnrolmentImage:
        return galleries.EnrolmentImage(Path(relative).name, (faces_dir / relative).read_bytes())

    def enrol(reference: str, expires: datetime, *images: str) -> None:
        details = galleries.SubjectDetails(reference, SubjectCategory.SUSPECTED_OFFENCE, "arrested", "custody", expires)
        galleries.enrol_subject(gov, admin, "custody", details, [image(i) for i in images])

    def probe(relative: str, case: str, purpose: search.SearchPurpose) -> None:
        data = (faces_dir / relative).read_bytes()
        request = search.SearchRequest("custody", relative, data, case, "identify suspect", purpose=purpose)
        search.run_search(gov, analyst, request)

    # 2021: the register only.
    register.register_watchkeeper(gov, disclosure, SUPPLIER, "our own system")
    register.add_technology(
        gov,
        disclosure,
        TechnologySpec("Hotspot", (TechnologyCategory.GEOGRAPHIC_PREDICTIVE_POLICING,), "Geo Analytics", "Hotspot 3"),
        "evaluated",
    )
    register.record_use(
        gov,
        disclosure,
        technology="Hotspot",
        stage=UseStage.PLANNED,
        starts_on=date(2021, 6, 1),
        ends_on=date(2021, 12, 31),
        notes="",
        reason="plan",
    )
    register.record_contact(
        gov,
        disclosure,
        technology="Hotspot",
        supplier="Geo Analytics",
        kind=ContactKind.MEETING,
        occurred_on=date(2021, 5, 4),
        summary="demonstration",
        reason="met",
    )

    # 2022: gallery, searches, a trial deployment, contract, cost, documents.
    clock.current = at(2022, 3, 1)
    galleries.create_gallery(gov, admin, "custody", "", "custody images")
    enrol("obama", at(2023, 12, 1), "examples/obama.jpg", "examples/obama2.jpg")
    enrol("biden", at(2026, 1, 1), "examples/biden.jpg")
    register.record_use(
        gov,
        disclosure,
        technology="Watchkeeper",
        stage=UseStage.TRIAL,
        starts_on=date(2022, 3, 1),
        ends_on=date(2022, 12, 31),
        notes="",
        reason="trial",
    )
    register.record_contract(
        gov,
        disclosure,
        technology="Watchkeeper",
        reference="WK-2022-01",
        supplier=SUPPLIER,
        purpose="support",
        starts_on=date(2022, 3, 1),
        ends_on=date(2023, 2, 28),
        reason="signed",
    )
    register.record_cost(
        gov,
        disclosure,
        technology="Watchkeeper",
        year=2022,
        stage=UseStage.TRIAL,
        amount_pence=1_250_000,
        description="trial support",
        reason="invoice",
        contract="WK-2022-01",
    )
    register.record_document(
        gov,
        disclosure,
        technology="Watchkeeper",
        kind=DocumentKind.DATA_PROTECTION_IMPACT_ASSESSMENT,
        title="DPIA",
        version="1",
        issued_on=date(2022, 3, 1),
        reason="issued",
    )
    clock.current = at(2022, 4, 1)
    register.record_document(
        gov,
        disclosure,
        technology="Watchkeeper",
        kind=DocumentKind.POLICY,
        title="LFR policy",
        version="1.0",
        issued_on=date(2022, 4, 1),
        reason="issued",
        published_on=date(2022, 4, 15),
        url=POLICY_V1,
    )
    register.record_document(
        gov,
        disclosure,
        technology="Watchkeeper",
        kind=DocumentKind.STANDARD_OPERATING_PROCEDURE,
        title="LFR SOP",
        version="1",
        issued_on=date(2022, 4, 1),
        reason="issued",
    )
    clock.current = at(2022, 4, 5)
    probe("examples/obama_small.jpg", "C-1", search.SearchPurpose.ROBBERY)
    clock.current = at(2022, 4, 6)
    probe("tests/test_images/biden.jpg", "C-2", search.SearchPurpose.MISSING_OR_VULNERABLE_PERSON)
    run_deployment(gov, admin, operator, clock, "foyer-trial", True, deployments.DeploymentMode.STATIC,
                   at(2022, 5, 10, 10), at(2022, 5, 10, 16), (5400, 1200, 300),
                   [deployments.AlertOutcome.CONFIRMED, deployments.AlertOutcome.REJECTED])  # fmt: skip

    # 2023: a configuration change, changes to the gallery, an operational deployment, FOI requests.
    clock.current = at(2023, 1, 10)
    gov.settings.effective_config_file.write_text("[retention]\nalerts = 14\n", encoding="utf-8")
    reopened = Governance.open(gov.settings, clock, engine=gov.engine)
    gov.close()
    gov = reopened
    register.record_use(
        gov,
        disclosure,
        technology="Watchkeeper",
        stage=UseStage.ONGOING,
        starts_on=date(2023, 1, 1),
        ends_on=None,
        notes="",
        reason="adopted",
    )
    register.record_cost(
        gov,
        disclosure,
        technology="Watchkeeper",
        year=2023,
        stage=UseStage.ONGOING,
        amount_pence=800_000,
        description="support",
        reason="invoice",
    )
    register.record_cost(
        gov,
        disclosure,
        technology="Watchkeeper",
        year=2023,
        stage=UseStage.ONGOING,
        amount_pence=150_000,
        description="van",
        reason="invoice",
        supplier="Camera Hire plc",
    )
    clock.current = at(2023, 2, 1)
    register.publish_document(
        gov, disclosure, document_id=1, published_on=date(2023, 2, 1), url=DPIA, reason="published"
    )
    clock.current = at(2023, 3, 1)
    enrol("kit", at(2026, 1, 1), "examples/knn_examples/test/johnsnow_test1.jpg")
    galleries.remove_subject(gov, admin, "custody", "biden", "released without charge")
    clock.current = at(2023, 3, 2)
    probe("examples/obama_small.jpg", "C-3", search.SearchPurpose.NOT_STATED)
    clock.current = at(2023, 4, 6)
    foi.receive_request(
        gov,
        disclosure,
        reference="FOI-2023-001",
        received_on=date(2023, 4, 6),
        summary="LFR policy",
        requester_named=True,
        requester_address_given=True,
    )
    clock.current = at(2023, 5, 9)
    foi.answer_request(
        gov,
        disclosure,
        reference="FOI-2023-001",
        answered_on=date(2023, 5, 9),
        response="policy published",
        provisions=(vocabulary.FoiProvision.ACCESSIBLE_BY_OTHER_MEANS,),
    )
    register.record_document(
        gov,
        disclosure,
        technology="Watchkeeper",
        kind=DocumentKind.POLICY,
        title="LFR policy",
        version="2.0",
        issued_on=date(2023, 6, 1),
        reason="revised",
        published_on=date(2023, 6, 1),
        url=POLICY_V2,
    )
    run_deployment(gov, admin, operator, clock, "high-street", False, deployments.DeploymentMode.PORTABLE,
                   at(2023, 6, 15, 8), at(2023, 6, 16, 20), (3600, 800, 200),
                   [deployments.AlertOutcome.CONFIRMED, deployments.AlertOutcome.PENDING])  # fmt: skip
    clock.current = at(2023, 7, 10)
    foi.receive_request(
        gov,
        disclosure,
        reference="FOI-2023-002",
        received_on=date(2023, 7, 8),
        summary="watchlists",
        requester_named=True,
        requester_address_given=False,
    )
    foi.complete_request(gov, disclosure, "FOI-2023-002", date(2023, 7, 10))
    clock.current = at(2023, 8, 15)
    ncnd = (vocabulary.FoiProvision.NATIONAL_SECURITY_NCND, vocabulary.FoiProvision.LAW_ENFORCEMENT_NCND)
    foi.answer_request(
        gov,
        disclosure,
        reference="FOI-2023-002",
        answered_on=date(2023, 8, 15),
        response="neither confirm nor deny",
        provisions=ncnd,
    )
    clock.current = at(2023, 12, 2)
    retention.enforce_retention(gov, admin, gov.policy)
    ongoing = register.read_register(gov, disclosure).uses[-1]
    register.end_use(gov, disclosure, use_id=ongoing.id, ends_on=date(2023, 12, 31), reason="contract ended")

    # 2024: no recognition by Watchkeeper; two other products trialled, recorded without costs or cameras;
    # one request left unanswered.
    clock.current = at(2024, 2, 1)
    for name, category, supplier in (
        ("RiskScore", TechnologyCategory.INDIVIDUAL_RISK_ASSESSMENT, "Harm Analytics"),
        ("Mobile ID", TechnologyCategory.OPERATOR_INITIATED_FACIAL_RECOGNITION, "Handheld Biometrics"),
    ):
        register.add_technology(gov, disclosure, TechnologySpec(name, (category,), supplier, name), "trial")
        register.record_use(
            gov,
            disclosure,
            technology=name,
            stage=UseStage.TRIAL,
            starts_on=date(2024, 3, 1),
            ends_on=date(2024, 8, 31),
            notes="",
            reason="trial",
        )
    foi.receive_request(
        gov,
        disclosure,
        reference="FOI-2024-001",
        received_on=date(2024, 2, 1),
        summary="costs",
        requester_named=True,
        requester_address_given=True,
    )
    clock.current = at(2025, 1, 6)
    return Story(gov, disclosure)


def run_deployment(
    gov: Governance,
    admin: Actor,
    operator: Actor,
    clock: FixedClock,
    name: str,
    trial: bool,
    mode: deployments.DeploymentMode,
    starts: datetime,
    ends: datetime,
    counts: tuple[int, int, int],
    outcomes: list[deployments.AlertOutcome],
) -> None:
    """Authorise at 09:00 on the day, run the one camera from the start of the window for two hours, raising
    one alert per outcome, then end the deployment half an hour after its window."""
    clock.current = starts.replace(hour=7)
    spec = deployments.DeploymentSpec(
        name=name,
        purpose="find wanted people",
        location=f"{name} area",
        cameras=("cam-1",),
        mode=mode,
        trial=trial,
        gallery="custody",
        authorising_officer="Supt. A. Example",
        starts_at=starts,
        ends_at=ends,
    )
    deployments.authorise_deployment(gov, admin, spec)
    clock.current = starts.replace(hour=9) if starts.hour < 9 else starts
    run = deployments.begin_deployment(gov, operator, name, "cam-1")
    entry_ids = sorted(run.watchlist.targets.labels)
    crop = np.zeros((150, 150, 3), dtype=np.uint8)
    for number, outcome in enumerate(outcomes):
        clock.current = clock.current.replace(minute=30 + number)
        alert_id = run.raise_alert(
            track_id=number, stream_seconds=60.0 * number, crop=crop, entry_id=entry_ids[0], distance=0.4
        )
        if outcome is not deployments.AlertOutcome.PENDING:
            deployments.adjudicate_alert(gov, operator, alert_id, outcome, "checked", "none")
    clock.current = (starts.replace(hour=9) if starts.hour < 9 else starts).replace(minute=0)
    clock.current = clock.current.replace(hour=clock.current.hour + 2)
    frames_processed, faces_seen, tracks = counts
    run.stop(deployments.RunCounts(frames_processed=frames_processed, faces_seen=faces_seen, tracks=tracks))
    clock.current = ends.replace(minute=30)
    deployments.end_deployment(gov, operator, name, "window over")
