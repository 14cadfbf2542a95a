"""Administration in a real browser: users, their roles and their access keys, without the command line;
and a new installation's empty pages, each saying what to do next and linking to where it is done.

This module's server is fresh and stays without galleries or deployments: its tests add only users and keys.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.web.browsing import Server, photograph, sign_in

pytestmark = pytest.mark.slow

OpenContext = Callable[[], BrowserContext]
SignIn = Callable[[str], Page]
ADMINISTRATION_FORMS = ("/users", "/users/olu/role", "/users/olu/deactivation", "/keys", "/keys/WKIAX/revocation")
"""Every form of the administration pages, by where it is posted."""


def csrf_token(page: Page) -> str:
    return page.locator("input[name=csrf_token]").first.input_value()


def audit_entries(server: Server) -> list[dict[str, Any]]:
    """The whole audit log, as the auditor reads it over the API."""
    with server.api("aud") as auditor:
        return [row["entry"] for row in auditor.get("/api/v1/audit/entries", params={"limit": 1000}).json()["entries"]]


def new_user(server: Server, name: str, role: str) -> str:
    """A user added over the API, and the secret of the key issued to them."""
    with server.api("admin") as admin:
        admin.post("/api/v1/users", json={"name": name, "role": role, "reason": "tests"}).raise_for_status()
        issued = admin.post(f"/api/v1/users/{name}/keys", json={"reason": "tests"})
        issued.raise_for_status()
        return str(issued.json()["secret_access_key"])


def signed_in_as(new_context: OpenContext, server: Server, user: str, secret: str) -> Page:
    page = new_context().new_page()
    sign_in(page, server, user, secret)
    return page


def row_of(page: Page, name: str) -> Any:
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name, exact=True))


def test_a_new_administrators_empty_pages_say_what_to_do_next(signed_in: SignIn) -> None:
    admin = signed_in("admin")
    expect(admin).to_have_url(re.compile("/search$"))
    expect(admin.locator(".next-step")).to_contain_text("There are no galleries to search yet.")
    photograph(admin, "search-empty")
    admin.get_by_role("link", name="Create a gallery and enrol its subjects").click()
    expect(admin).to_have_url(re.compile("/galleries#create$"))
    expect(admin.get_by_role("link", name="Create the first gallery")).to_have_attribute("href", "#create")
    expect(admin.get_by_role("button", name="Create gallery")).to_be_visible()
    photograph(admin, "galleries-empty")
    admin.goto("/deployments")
    expect(admin.get_by_role("link", name="Authorise the first deployment")).to_have_attribute("href", "#authorise")
    admin.get_by_role("link", name="Create a gallery and enrol its subjects first").click()
    expect(admin).to_have_url(re.compile("/galleries#create$"))
    admin.goto("/deployments")
    photograph(admin, "deployments-empty")

    operator = signed_in("olu")
    expect(operator.locator("#no-alerts")).to_contain_text("No alerts yet.")
    photograph(operator, "alerts-empty")
    operator.get_by_role("link", name="Start a camera on the Deployments page").click()
    expect(operator.locator(".next-step").first).to_contain_text("an administrator authorises them")
    analyst = signed_in("ann")
    expect(analyst.locator(".next-step")).to_contain_text("ask an administrator to create one")
    analyst.get_by_role("link", name="Watchlists and galleries").last.click()
    expect(analyst.locator(".next-step")).to_contain_text("No galleries yet: an administrator creates them")


def test_an_administrator_adds_a_user_whose_key_is_shown_once_and_signs_them_in(
    server: Server, signed_in: SignIn, new_context: OpenContext
) -> None:
    admin = signed_in("admin")
    admin.get_by_role("link", name="Users").click()
    expect(row_of(admin, "admin")).to_contain_text("admin")
    admin.get_by_label("User name").fill("dee")
    admin.get_by_label("Role", exact=True).select_option("disclosure")
    admin.get_by_label("Reason", exact=True).fill("joined the disclosure team")
    admin.get_by_role("button", name="Add user").click()
    expect(admin.get_by_role("status")).to_have_text(
        "User dee added as disclosure. Issue them an access key: they sign in with its secret."
    )
    expect(admin).to_have_url(re.compile(r"/keys\?user=dee#issue$"))
    expect(admin.locator(".next-step")).to_have_text("No access keys of dee yet. Issue one")
    expect(admin.get_by_label("To user")).to_have_value("dee")
    photograph(admin, "keys-of-a-new-user")
    admin.get_by_label("What it is for").fill("disclosure office desk")
    admin.get_by_label("Reason", exact=True).fill("so dee can sign in")
    admin.get_by_role("button", name="Issue key").click()

    expect(admin).to_have_url(re.compile("/keys/issued$"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("Access key issued to dee")
    secret = admin.locator("#secret-access-key").inner_text()
    key_id = admin.locator("#access-key-id").inner_text()
    assert admin.locator("#bearer-token").inner_text() == f"{key_id}.{secret}"
    photograph(admin, "key-issued")
    admin.reload()
    expect(admin).to_have_url(re.compile("/keys$"))
    expect(admin.get_by_role("alert")).to_have_text("A key's secret is shown only once, just after it is issued.")
    assert secret not in admin.content()
    expect(row_of(admin, key_id)).to_contain_text("current")
    expect(row_of(admin, key_id)).to_contain_text("disclosure office desk")
    photograph(admin, "keys")

    dee = signed_in_as(new_context, server, "dee", secret)
    expect(dee.locator(".who")).to_contain_text("dee (disclosure)")
    added = [e for e in audit_entries(server) if e["target"] in ("user:dee", f"user:dee/key:{key_id}")]
    assert [(e["action"], e["actor"], e["reason"]) for e in added] == [
        ("user.add", "admin", "joined the disclosure team"),
        ("key.issue", "admin", "so dee can sign in"),
        ("session.sign_in", "dee", ""),
    ]
    assert all(secret not in str(entry) for entry in audit_entries(server))


def test_a_role_change_and_a_deactivation_take_effect_on_the_users_session(
    server: Server, signed_in: SignIn, new_context: OpenContext
) -> None:
    secret = new_user(server, "eve", "analyst")
    eve = signed_in_as(new_context, server, "eve", secret)
    expect(eve).to_have_url(re.compile("/search$"))
    admin = signed_in("admin")
    admin.goto("/users")
    row = row_of(admin, "eve")
    row.get_by_text("Change role…").click()
    row.get_by_label("New role of eve").select_option("operator")
    row.get_by_label("Reason for changing the role of eve").fill("moved to the control room")
    row.get_by_role("button", name="Change role").click()
    expect(admin.get_by_role("status")).to_have_text("eve is now operator; they sign in again to act in the new role.")
    expect(row_of(admin, "eve").get_by_role("cell").first).to_have_text("operator")
    eve.reload()
    expect(eve).to_have_url(re.compile("/sign-in$"))
    sign_in(eve, server, "eve", secret)
    expect(eve).to_have_url(re.compile("/alerts$"))

    row = row_of(admin, "eve")
    row.get_by_text("Deactivate…").click()
    row.get_by_label("Reason for deactivating eve").fill("left the force")
    row.get_by_role("button", name="Deactivate user").click()
    expect(admin.get_by_role("status")).to_have_text(
        "eve deactivated: their keys are refused and their sessions ended."
    )
    expect(row_of(admin, "eve")).to_contain_text("deactivated")
    photograph(admin, "users")
    eve.reload()
    expect(eve).to_have_url(re.compile("/sign-in$"))
    changes = [(e["action"], e["reason"]) for e in audit_entries(server) if e["target"] == "user:eve"]
    assert changes[1:] == [("user.role_change", "moved to the control room"), ("user.deactivate", "left the force")]


def test_a_key_revoked_in_the_browser_ends_the_session_it_signed_in(
    server: Server, signed_in: SignIn, new_context: OpenContext
) -> None:
    secret = new_user(server, "fay", "auditor")
    fay = signed_in_as(new_context, server, "fay", secret)
    admin = signed_in("admin")
    admin.goto("/keys?user=fay")
    row = admin.locator("table.keys tbody tr")
    expect(row).to_have_count(1)
    key_id = row.locator("th").inner_text()
    row.get_by_text("Revoke…").click()
    row.get_by_label(f"Reason for revoking {key_id} of fay").fill("laptop lost")
    row.get_by_role("button", name="Revoke key").click()
    expect(admin.get_by_role("status")).to_have_text(f"Access key {key_id} of fay revoked.")
    expect(row_of(admin, key_id)).to_contain_text("revoked")
    fay.reload()
    expect(fay).to_have_url(re.compile("/sign-in$"))
    revoked = [e for e in audit_entries(server) if e["action"] == "key.revoke" and key_id in e["target"]]
    assert [(e["actor"], e["reason"]) for e in revoked] == [("admin", "laptop lost")]


@pytest.mark.parametrize("user", ["olu", "ann", "aud"])
def test_only_administrators_see_or_use_the_administration_pages(server: Server, signed_in: SignIn, user: str) -> None:
    page = signed_in(user)
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Users")).to_have_count(0)
    expect(navigation.get_by_role("link", name="Access keys")).to_have_count(0)
    for path in ("/users", "/keys", "/keys/issued"):
        assert page.request.get(path).status == 403, path
    response = page.goto("/users")
    assert response is not None
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    form: dict[str, str | float | bool] = {"csrf_token": csrf_token(page), "name": "mallory", "role": "admin"}
    refused = page.request.post("/users", form={**form, "reason": "try"}, headers={"Accept": "application/json"})
    assert refused.status == 403
    assert "may not manage users" in refused.json()["error"]["message"]
    with server.api("admin") as admin:
        assert "mallory" not in {u["name"] for u in admin.get("/api/v1/users").json()}


def test_administration_forms_without_the_session_token_are_refused(server: Server, signed_in: SignIn) -> None:
    page = signed_in("admin")
    before = len(audit_entries(server))
    fields: dict[str, str | float | bool] = {"name": "forged", "role": "admin", "user": "olu", "reason": "forged"}
    for path in ADMINISTRATION_FORMS:
        for token in ("", "0" * 64):
            forged = page.request.post(path, form={**fields, "csrf_token": token})
            assert forged.status == 403, path
    assert len(audit_entries(server)) == before
    with server.api("admin") as admin:
        assert {u["name"]: u["role"] for u in admin.get("/api/v1/users").json()}["olu"] == "operator"


BAD_INPUT = [
    ("/users", {"name": "olu", "role": "analyst", "reason": "again"}, 409, "a user called 'olu' already exists"),
    ("/users", {"name": "zed", "role": "wizard", "reason": "r"}, 422, "role: Input should be"),
    ("/users", {"name": "zed", "role": "analyst", "reason": ""}, 422, "reason: Field required"),
    ("/users/olu/role", {"role": "operator", "reason": "r"}, 400, "'olu' already has the role operator"),
    ("/users/admin/role", {"role": "auditor", "reason": "r"}, 400, "'admin' is the only active administrator"),
    ("/users/admin/deactivation", {"reason": "r"}, 400, "'admin' is the only active administrator"),
    ("/users/nobody/deactivation", {"reason": "r"}, 404, "no user called 'nobody'"),
    ("/keys", {"user": "nobody", "reason": "r"}, 401, "no active user called 'nobody'"),
]
"""Forms an administrator may send but whose content the rules refuse: where, what, the status and why."""


@pytest.mark.parametrize(("path", "fields", "status", "message"), BAD_INPUT)
def test_bad_administration_input_is_refused_with_its_error_and_changes_nothing(
    server: Server, signed_in: SignIn, path: str, fields: dict[str, str], status: int, message: str
) -> None:
    page = signed_in("admin")
    before = len(audit_entries(server))
    form: dict[str, str | float | bool] = {**fields, "csrf_token": csrf_token(page)}
    refused = page.request.post(path, form=form, headers={"Accept": "application/json"})
    assert refused.status == status
    assert message in refused.json()["error"]["message"]
    assert len(audit_entries(server)) == before
    with server.api("admin") as admin:
        listed = {u["name"]: (u["role"], u["active"]) for u in admin.get("/api/v1/users").json()}
    assert listed["olu"] == ("operator", True)
    assert listed["admin"] == ("admin", True)
    assert "zed" not in listed


def test_a_refused_form_goes_back_to_its_page_with_the_reason(signed_in: SignIn) -> None:
    admin = signed_in("admin")
    admin.goto("/users")
    admin.get_by_label("User name").fill("olu")
    admin.get_by_label("Reason", exact=True).fill("again")
    admin.get_by_role("button", name="Add user").click()
    expect(admin).to_have_url(re.compile("/users$"))
    expect(admin.get_by_role("alert")).to_have_text("a user called 'olu' already exists")


def test_a_visitor_who_has_not_signed_in_is_sent_to_sign_in(server: Server) -> None:
    with httpx.Client(base_url=server.url, headers={"Accept": "text/html"}) as visitor:
        for path in ("/users", "/keys", "/keys/issued"):
            response = visitor.get(path)
            assert (response.status_code, response.headers["location"]) == (303, "/sign-in"), path
