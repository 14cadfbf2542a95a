"""The technology register's and the FOI log's forms over HTTP: each records what it is given with its
audit entry; a role without the permission, a form without the session's token and a form with bad input
are each refused with the reason, and change nothing stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest

from tests.api.serving import PEOPLE, RunningServer, running_server
from tests.web.form_posting import Visitor, signed_in_visitor
from watchkeeper.config import Settings
from watchkeeper.face import FaceEngine
from watchkeeper.governance import audit_access, credentials, foi, register, users
from watchkeeper.governance.roles import Actor, Role
from watchkeeper.governance.vocabulary import DocumentKind, FoiProvision, TechnologyCategory, UseStage

DISCLOSURE = "dot"
SignIn = Callable[[Role], Visitor]
FORMS: dict[str, dict[str, str | list[str]]] = {
    "/register/watchkeeper": {
        "name": "Watchkeeper",
        "categories": ["live_facial_recognition", "retrospective_facial_recognition"],
        "supplier": "Force IT",
        "reason": "our own system",
    },
    "/register/technologies": {
        "name": "Acme Live",
        "categories": ["live_facial_recognition"],
        "supplier": "Acme",
        "product": "Acme Face 3",
        "reason": "trialled at events",
    },
    "/register/uses": {
        "technology": "Acme Live",
        "stage": "trial",
        "starts_on": "2024-03-01",
        "camera_kinds": ["portable"],
        "reason": "trial",
    },
    "/register/use-ends": {"use": "{use}", "ends_on": "2024-06-30", "reason": "trial over"},
    "/register/contracts": {
        "technology": "Acme Live",
        "reference": "C-2024-7",
        "supplier": "Acme",
        "purpose": "trial licence",
        "starts_on": "2024-03-01",
        "reason": "signed",
    },
    "/register/contract-publications": {
        "contract": "C-2024-7",
        "url": "https://force.example/contracts/7",
        "reason": "published",
    },
    "/register/costs": {
        "technology": "Acme Live",
        "year": "2024",
        "stage": "trial",
        "amount": "£12,500.50",
        "contract": "C-2024-7",
        "use": "{use}",
        "reason": "invoice paid",
    },
    "/register/contacts": {
        "supplier": "Bolt Vision",
        "kind": "meeting",
        "occurred_on": "2024-02-01",
        "summary": "product demonstration",
        "reason": "meeting minutes",
    },
    "/register/documents": {
        "technology": "Acme Live",
        "kind": "dpia",
        "title": "Acme Live DPIA",
        "version": "1.0",
        "issued_on": "2024-02-20",
        "reason": "approved",
    },
    "/register/publications": {
        "document": "{document}",
        "published_on": "2024-04-01",
        "url": "https://force.example/dpia",
        "redacted": "true",
        "reason": "published",
    },
    "/register/retention-statements": {
        "technology": "Acme Live",
        "text": "Images are deleted after 31 days.",
        "in_force_from": "2024-03-01",
        "reason": "policy approved",
    },
    "/foi/requests": {
        "reference": "FOI-100",
        "received_on": "2024-05-01",
        "summary": "facial recognition trials",
        "requester_named": "true",
        "requester_address_given": "true",
    },
    "/foi/completions": {"reference": "FOI-101", "completed_on": "2024-05-03"},
    "/foi/answers": {
        "reference": "FOI-100",
        "answered_on": "2024-05-20",
        "response": "one trial",
        "provisions": "s24(2), 31(3)",
    },
}
"""Each form with fields it accepts, in an order in which each can follow the one before; ``{use}`` and
``{document}`` stand for the ids of a stage of use and an unpublished document."""
PAGE_OF = {path: "/" + path.split("/")[1] for path in FORMS}
"""The page each form is on."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, settings: Settings, engine: FaceEngine) -> Iterator[RunningServer]:
    """A server with one user of each role, the disclosure officer among them."""
    with running_server(tmp_path_factory.mktemp("disclosure-data"), settings, engine) as running:
        admin = users.resolve_actor(running.gov, PEOPLE[Role.ADMIN])
        users.add_user(running.gov, admin, DISCLOSURE, Role.DISCLOSURE, "disclosure officer")
        running.tokens[Role.DISCLOSURE] = credentials.issue_access_key(
            running.gov, admin, DISCLOSURE, "tests", "tests"
        ).bearer_token
        yield running


@pytest.fixture
def visitor(site: RunningServer) -> Iterator[Callable[[Role], Visitor]]:
    """Sign in the user of a role through the form; their clients are closed after the test."""
    opened: list[Visitor] = []

    def sign_in(role: Role) -> Visitor:
        name = DISCLOSURE if role is Role.DISCLOSURE else PEOPLE[role]
        opened.append(signed_in_visitor(site.url, name, site.tokens[role].partition(".")[2]))
        return opened[-1]

    yield sign_in
    for person in opened:
        person.http.close()


def stored(site: RunningServer) -> tuple[register.Register, list[foi.FoiRecord]]:
    """Everything the forms can change."""
    reader = Actor(PEOPLE[Role.AUDITOR], Role.AUDITOR)
    return register.read_register(site.gov, reader), foi.list_requests(site.gov, reader)


def record_ids(site: RunningServer, technology: str) -> dict[str, str]:
    """The ids of ``technology``'s latest stage of use and its unpublished document, where it has them."""
    found, _requests = stored(site)
    uses = [u.id for u in found.uses if u.technology == technology][-1:]
    documents = [d.id for d in found.documents if d.technology == technology and d.published_on is None]
    return {"use": str(uses[0] if uses else 0), "document": str(documents[0] if documents else 0)}


def with_ids(fields: dict[str, str | list[str]], ids: dict[str, str]) -> dict[str, str | list[str]]:
    return {key: value.format(**ids) if isinstance(value, str) else value for key, value in fields.items()}


@pytest.fixture(scope="module")
def filled(site: RunningServer) -> dict[str, str]:
    """What the refusals are tried against: a technology with an open trial, a contract, an unpublished
    document, a valid request and one awaiting the requester's address, put in through the core."""
    gov, officer = site.gov, Actor(DISCLOSURE, Role.DISCLOSURE)
    spec = register.TechnologySpec("Bolt Watch", (TechnologyCategory.LIVE_FACIAL_RECOGNITION,), "Bolt", "Bolt 2")
    register.add_technology(gov, officer, spec, "trialled")
    use = register.record_use(
        gov, officer, technology="Bolt Watch", stage=UseStage.TRIAL, starts_on=date(2024, 3, 1), ends_on=None,
        notes="", reason="trial",
    )  # fmt: skip
    register.record_contract(
        gov, officer, technology="Bolt Watch", reference="C-1", supplier="Bolt", purpose="licence",
        starts_on=date(2024, 3, 1), ends_on=None, reason="signed",
    )  # fmt: skip
    document = register.record_document(
        gov, officer, technology="Bolt Watch", kind=DocumentKind.POLICY, title="Policy", version="1",
        issued_on=date(2024, 2, 1), reason="approved",
    )  # fmt: skip
    for reference, address_given in (("FOI-1", True), ("FOI-2", False)):
        foi.receive_request(
            gov, officer, reference=reference, received_on=date(2024, 5, 1), summary="trials",
            requester_named=True, requester_address_given=address_given,
        )  # fmt: skip
    return {"use": str(use.id), "document": str(document.id)}  # the ids of the trial and the policy


def test_a_disclosure_officer_keeps_the_register_and_the_foi_log_from_the_forms(
    site: RunningServer, visitor: SignIn
) -> None:
    officer = visitor(Role.DISCLOSURE)
    assert officer.http.get("/").headers["location"] == "/register"
    foi.receive_request(
        site.gov, Actor(DISCLOSURE, Role.DISCLOSURE), reference="FOI-101", received_on=date(2024, 5, 2),
        summary="costs", requester_named=True, requester_address_given=False,
    )  # fmt: skip
    for path, fields in FORMS.items():
        sent = officer.post(path, with_ids(fields, record_ids(site, "Acme Live")), officer.token(PAGE_OF[path]))
        assert sent.status_code == 303, (path, sent.text)
        assert sent.headers["location"] == PAGE_OF[path]
    found, requests = stored(site)
    acme = found.technology("Acme Live")
    assert acme is not None
    assert (acme.categories, acme.this_system) == ((TechnologyCategory.LIVE_FACIAL_RECOGNITION,), False)
    ours = found.technology(register.WATCHKEEPER_NAME)
    assert ours is not None
    assert ours.this_system
    (trial,) = [use for use in found.uses if use.technology == "Acme Live"]
    assert (trial.stage, trial.starts_on, trial.ends_on) == (UseStage.TRIAL, date(2024, 3, 1), date(2024, 6, 30))
    assert trial.camera_kinds == ("portable",)
    contract = next(c for c in found.contracts if c.reference == "C-2024-7")
    assert contract.published_url == "https://force.example/contracts/7"
    cost = next(c for c in found.costs if c.technology == "Acme Live")
    assert (cost.amount_pence, cost.contract, cost.supplier, cost.use_id) == (1_250_050, "C-2024-7", "Acme", trial.id)
    assert [(c.technology, c.summary) for c in found.contacts] == [(None, "product demonstration")]
    document = next(d for d in found.documents if d.technology == "Acme Live")
    assert (document.published_on, document.url, document.redacted) == (
        date(2024, 4, 1),
        "https://force.example/dpia",
        True,
    )
    (policy,) = [r for r in found.retention_statements if r.technology == "Acme Live"]
    assert (policy.text, policy.in_force_from) == ("Images are deleted after 31 days.", date(2024, 3, 1))
    logged = {request.reference: request for request in requests}
    answered, completed = logged["FOI-100"], logged["FOI-101"]
    assert answered.provisions == (FoiProvision.NATIONAL_SECURITY_NCND, FoiProvision.LAW_ENFORCEMENT_NCND)
    assert answered.late is False
    assert completed.valid_from == date(2024, 5, 3)
    auditor = Actor(PEOPLE[Role.AUDITOR], Role.AUDITOR)
    entry = audit_access.entries(site.gov, auditor, cost.audit_sequence, 1)[0][1]
    assert entry is not None
    assert (entry.actor, entry.reason) == (DISCLOSURE, "invoice paid")


def test_the_pages_show_what_was_recorded_and_link_the_auditor_to_its_audit_entries(
    site: RunningServer, filled: dict[str, str], visitor: SignIn
) -> None:
    found, _requests = stored(site)
    bolt = found.technology("Bolt Watch")
    assert bolt is not None
    auditor = visitor(Role.AUDITOR)
    shown = auditor.http.get("/register").text
    assert f'href="/audit?before={bolt.audit_sequence + 1}"' in shown
    assert "Add a technology" not in shown  # the auditor reads the register, changes nothing
    assert "FOI-2" in auditor.http.get("/foi").text
    officer = visitor(Role.DISCLOSURE).http.get("/register").text
    assert "/audit?" not in officer  # a page the disclosure officer may not open is not offered
    assert "Add a technology" in officer


@pytest.mark.parametrize("path", list(FORMS))
def test_a_role_without_the_permission_is_refused_and_nothing_changes(
    site: RunningServer, filled: dict[str, str], visitor: SignIn, path: str
) -> None:
    auditor = visitor(Role.AUDITOR)
    before = stored(site)
    refused = auditor.post(path, with_ids(FORMS[path], filled), auditor.token(PAGE_OF[path]))
    assert refused.status_code == 403
    assert "may not" in refused.json()["error"]["message"]
    assert stored(site) == before


@pytest.mark.parametrize("page", ["/register", "/foi"])
def test_a_role_without_reports_cannot_open_the_pages(visitor: SignIn, page: str) -> None:
    operator = visitor(Role.OPERATOR)
    assert operator.http.get(page).status_code == 403
    assert page not in operator.http.get("/retention").text  # nor is it in their menu


@pytest.mark.parametrize("path", list(FORMS))
@pytest.mark.parametrize("token", ["", "0" * 64])
def test_a_form_without_the_sessions_token_is_refused(
    site: RunningServer, filled: dict[str, str], visitor: SignIn, path: str, token: str
) -> None:
    officer = visitor(Role.DISCLOSURE)
    before = stored(site)
    forged = officer.post(path, with_ids(FORMS[path], filled), token)
    assert forged.status_code == 403
    assert "did not come from this session's page" in forged.json()["error"]["message"]
    assert stored(site) == before


PUBLICATION = FORMS["/register/publications"]
COST = {**FORMS["/register/costs"], "technology": "Bolt Watch"}
BAD_INPUT = [
    ("/register/watchkeeper", {**FORMS["/register/watchkeeper"], "supplier": "  "}, "needs a non-empty supplier"),
    (
        "/register/watchkeeper",
        {**FORMS["/register/watchkeeper"], "categories": ["facial_composite"]},
        "Watchkeeper does",
    ),
    ("/register/technologies", {**FORMS["/register/technologies"], "name": "Acme 2", "reason": " "}, "stated reason"),
    ("/register/technologies", {**FORMS["/register/technologies"], "categories": []}, "at least one category"),
    ("/register/technologies", {**FORMS["/register/technologies"], "name": "Bolt Watch"}, "already has"),
    ("/register/uses", {**FORMS["/register/uses"], "ends_on": "2024-01-01"}, "cannot end"),
    ("/register/uses", {**FORMS["/register/uses"], "stage": "rumoured"}, "stage: Input should be"),
    ("/register/uses", {**FORMS["/register/uses"], "approved_on": "2024-01-01"}, "only a planned stage"),
    ("/register/use-ends", {"use": "{use}", "ends_on": "2023-12-31", "reason": "x"}, "cannot end"),
    ("/register/contracts", {**FORMS["/register/contracts"], "technology": "Nothing"}, "no technology called"),
    ("/register/contracts", {**FORMS["/register/contracts"], "published_url": "ftp://x"}, "must start with https://"),
    ("/register/contract-publications", {"contract": "C-1", "reason": "x"}, "url: Field required"),
    ("/register/costs", {**COST, "contract": "C-1", "stage": "ongoing"}, "is a trial stage, not ongoing"),
    ("/register/costs", {**FORMS["/register/costs"], "amount": "12.345"}, "not an amount in pounds"),
    ("/register/costs", {**FORMS["/register/costs"], "amount": "-5"}, "not an amount in pounds"),
    ("/register/costs", {**FORMS["/register/costs"], "contract": "C-1", "year": "20245"}, "year: Input should be"),
    ("/register/contacts", {**FORMS["/register/contacts"], "occurred_on": "last week"}, "occurred on: Input"),
    ("/register/documents", {**FORMS["/register/documents"], "published_on": "2024-03-01"}, "both its publication"),
    ("/register/publications", {**PUBLICATION, "published_on": "2024-01-01"}, "before it is issued"),
    ("/register/retention-statements", {**FORMS["/register/retention-statements"], "text": " "}, "non-empty text"),
    ("/foi/requests", {**FORMS["/foi/requests"], "reference": "FOI-1"}, "already logged"),
    ("/foi/requests", {**FORMS["/foi/requests"], "summary": ""}, "summary: Field required"),
    ("/foi/completions", {"reference": "FOI-1", "completed_on": "2024-05-03"}, "already valid"),
    ("/foi/answers", {**FORMS["/foi/answers"], "reference": "FOI-1", "provisions": "s24(2), s99"}, "unknown FOI"),
]
"""Bad input to each form, and what the refusal says; ``{use}`` and ``{document}`` name open records."""


@pytest.mark.parametrize(("path", "fields", "reason"), BAD_INPUT)
def test_bad_input_is_refused_with_its_reason_and_changes_nothing(
    site: RunningServer,
    filled: dict[str, str],
    visitor: SignIn,
    path: str,
    fields: dict[str, str | list[str]],
    reason: str,
) -> None:
    officer = visitor(Role.DISCLOSURE)
    before = stored(site)
    refused = officer.post(path, with_ids(fields, filled), officer.token(PAGE_OF[path]))
    assert refused.status_code in {400, 409, 422}
    assert reason in refused.json()["error"]["message"]
    assert stored(site) == before


def test_a_refused_form_goes_back_to_its_page_with_the_reason(
    site: RunningServer, filled: dict[str, str], visitor: SignIn
) -> None:
    officer = visitor(Role.DISCLOSURE)
    token = officer.token("/register")
    fields = {**with_ids(FORMS["/register/costs"], filled), "amount": "twelve", "csrf_token": token}
    refused = officer.http.post("/register/costs", data=fields, headers={"Referer": f"{site.url}/register"})
    assert (refused.status_code, refused.headers["location"]) == (303, "/register")
    assert "&#39;twelve&#39; is not an amount in pounds" in officer.http.get("/register").text
