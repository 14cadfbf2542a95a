"""The audit log page in a real browser: entries filtered by action, actor, target and date, paged with
their filters; details as labelled fields; verification that re-hashes only what is new on each view and
the whole log on request, which finds an old entry altered in the database after it was verified.

The module has a server of its own, whose database the last test alters."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.web.browsing import PEOPLE, Server, photograph
from watchkeeper.governance.audit.merkle import leaf_hash

pytestmark = pytest.mark.slow

SignIn = Callable[[str], Page]
TEMPORARY_STAFF = 55
"""More users added than one page of entries holds, so their entries take two pages."""


@pytest.fixture(scope="module")
def staffed(server: Server) -> Server:
    """The administrator adds temporary staff through the API: one ``user.add`` entry each."""
    with server.api("admin") as api:
        for number in range(TEMPORARY_STAFF):
            added = api.post("/api/v1/users", json={"name": f"temp{number}", "role": "analyst", "reason": "cover"})
            added.raise_for_status()
    return server


def rows(page: Page) -> list[str]:
    return page.locator("table.audit tbody tr").all_inner_texts()


def test_filters_choose_the_entries_and_pages_keep_the_filters(staffed: Server, signed_in: SignIn) -> None:
    page = signed_in("aud")
    page.get_by_label("Action").select_option(label="User added")
    page.get_by_label("Who").fill("admin")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"action=user\.add"))
    expect(page.locator("table.audit tbody tr")).to_have_count(50)
    expect(page.locator("table.audit tbody code")).to_have_text(["user.add"] * 50)
    photograph(page, "audit-filtered")
    page.get_by_role("link", name="Older entries").click()
    expect(page).to_have_url(re.compile(r"action=user\.add.*actor=admin.*before="))
    expect(page.get_by_label("Action")).to_have_value("user.add")
    remaining = TEMPORARY_STAFF + len(PEOPLE) - 50  # and the people the tests' server starts with
    expect(page.locator("table.audit tbody code")).to_have_text(["user.add"] * remaining)
    page.get_by_role("link", name="Newer entries").click()
    expect(page.locator("table.audit tbody tr").first).to_contain_text(f"temp{TEMPORARY_STAFF - 1}")
    page.get_by_label("Target contains").fill("USER:TEMP7")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table.audit td[data-label=Target]")).to_have_text(["user:temp7"])
    page.get_by_role("link", name="Show all").click()
    expect(page.get_by_label("Action")).to_have_value("")


def test_a_period_selects_by_the_entries_dates(staffed: Server, signed_in: SignIn) -> None:
    page = signed_in("aud")
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    page.get_by_label("From").fill(yesterday.isoformat())
    page.get_by_label("Action").select_option("key.issue")
    page.get_by_role("button", name="Filter").click()
    issued = len(PEOPLE) + 1  # the people's keys and the administrator's first
    expect(page.locator("table.audit tbody code")).to_have_text(["key.issue"] * issued)
    page.get_by_label("From").fill("2000-01-01")
    page.get_by_label("To").fill("2000-12-31")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#no-entries")).to_have_text("No entries match these filters.")


def test_details_are_labelled_fields(staffed: Server, signed_in: SignIn) -> None:
    page = signed_in("aud")
    page.goto("/audit?action=config.change")
    details = page.locator("table.audit td.details").first
    expect(details.locator("dt").first).to_have_text("Configuration")
    retention = details.locator("div", has=page.locator("dt", has_text="Retention days")).last
    expect(retention.locator("dd dt")).to_contain_text(["Alerts", "Audit"])
    page.goto("/audit?action=user.add&target=user:temp54")
    row = page.locator("table.audit tbody tr")
    expect(row.locator("td[data-label=Action]")).to_contain_text("User added")
    expect(row.locator("dl.fields dt")).to_have_text(["User", "Role"])
    expect(row.locator("dl.fields dd")).to_have_text(["temp54", "analyst"])
    assert "{" not in row.inner_text()  # no raw JSON


def test_a_second_view_re_hashes_only_the_new_entries_and_the_button_the_whole_log(
    staffed: Server, signed_in: SignIn
) -> None:
    page = signed_in("aud")
    expect(page.locator("#verification")).to_contain_text("Verified.")
    page.reload()
    expect(page.locator("#verification")).to_contain_text("No entry was added since this server last verified it.")
    with staffed.api("admin") as api:
        api.post("/api/v1/users", json={"name": "late", "role": "analyst", "reason": "cover"}).raise_for_status()
    page.reload()  # goes on from the head the last view verified: only the new user's entry is read
    verification = page.locator("#verification")
    expect(verification).to_contain_text("Verified.")
    expect(verification).to_contain_text("re-hashed the 1 entry added since the signed head")
    expect(page.locator("#whole-log")).to_contain_text("The whole log was last re-hashed at")
    photograph(page, "audit-incremental")
    page.get_by_role("button", name="Verify the whole log now").click()
    expect(page.get_by_role("status").first).to_contain_text("The whole log was verified: all")
    expect(verification).to_contain_text("Verified.")


def test_the_button_finds_an_old_entry_altered_after_it_was_verified(staffed: Server, signed_in: SignIn) -> None:
    """Someone with the database rewrites an old entry and its stored hash: the next view, which reads
    only new entries, cannot see it, and says so; verifying the whole log finds it, and keeps saying so."""
    page = signed_in("aud")
    database = staffed.log.parent / "watchkeeper.db"
    with sqlite3.connect(database) as connection:
        (original,) = connection.execute("SELECT canonical FROM audit_entries WHERE sequence = 3").fetchone()
        altered = bytes(original).replace(b"web tests", b"web tasks")
        assert altered != original
        connection.execute(
            "UPDATE audit_entries SET canonical = ?, leaf_hash = ? WHERE sequence = 3", (altered, leaf_hash(altered))
        )
    try:
        page.reload()
        expect(page.locator("#verification")).to_contain_text("Verified.")
        expect(page.locator("#whole-log")).to_contain_text("would show only when the whole log is verified again")
        page.get_by_role("button", name="Verify the whole log now").click()
        expect(page.get_by_role("alert").first).to_contain_text("The whole log failed verification")
        expect(page.locator("#verification")).to_contain_text("Verification failed.")
        expect(page.locator(".findings")).to_contain_text("entry altered")
        photograph(page, "audit-failed")
        page.reload()
        expect(page.locator("#verification")).to_contain_text("Verification failed.")
    finally:
        with sqlite3.connect(database) as connection:
            connection.execute(
                "UPDATE audit_entries SET canonical = ?, leaf_hash = ? WHERE sequence = 3",
                (bytes(original), leaf_hash(bytes(original))),
            )
