"""The disclosure officer's pages in a real browser: the technology register built from its forms (from
the empty page's first suggestion to a published document), and the FOI log, where a request is logged
and answered and an overdue one stands out in words as well as in colour. The auditor reads both and
follows a record to its audit entry."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.web.browsing import photograph

pytestmark = pytest.mark.slow

SignIn = Callable[[str], Page]
OFFICER = "dot"
TECHNOLOGY = "Acme Live"


def submit(page: Page, form: str, fields: dict[str, str], button: str) -> Locator:
    """Fill the form of id ``form`` by its labels, send it, and return the notice that says what happened."""
    scope = page.locator(f"#{form}")
    for label, value in fields.items():
        field = scope.get_by_label(label)
        if field.evaluate("(element) => element.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    scope.get_by_role("button", name=button).click()
    return page.locator(".notice")


def row(page: Page, table: str, text: str) -> Locator:
    return page.locator(f"table.{table} tbody tr", has_text=text)


def test_a_disclosure_officer_builds_the_register_from_an_empty_page(signed_in: SignIn) -> None:
    page = signed_in(OFFICER)
    expect(page).to_have_url(re.compile("/register$"))
    expect(page.locator("#technologies-heading + .empty")).to_have_text(
        "No technology registered yet: add Watchkeeper itself with the form below, then the other technology the "
        "force uses, has trialled or plans."
    )
    photograph(page, "register-empty")
    notice = submit(
        page, "watchkeeper-form", {"Supplier": "Force IT", "Reason": "our own system"}, "Register Watchkeeper"
    )
    expect(notice).to_have_text(re.compile(r"^Watchkeeper registered as Watchkeeper \S+\.$"))
    ours = row(page, "register-technologies", "Watchkeeper")
    expect(ours).to_contain_text("this system")
    expect(ours).to_contain_text("live facial recognition, retrospective facial recognition")
    expect(ours.locator("code").first).to_have_text(re.compile(r"^watchkeeper \S+$"))  # its components
    expect(page.locator("#watchkeeper-heading")).to_have_text("Register Watchkeeper under another name")

    scope = page.locator("#technology-form")
    scope.get_by_label("live facial recognition").check()
    notice = submit(
        page,
        "technology-form",
        {"Name": TECHNOLOGY, "Supplier": "Acme", "Product": "Acme Face 3", "Reason": "trialled at events"},
        "Add technology",
    )
    expect(notice).to_have_text(f"{TECHNOLOGY} registered.")
    expect(row(page, "register-technologies", TECHNOLOGY)).to_contain_text("live facial recognition")

    page.locator("#use-form").get_by_label("portable").check()
    trial = {"Technology": TECHNOLOGY, "Stage": "trial", "From": "2024-03-01", "Reason": "trial at two events"}
    expect(submit(page, "use-form", trial, "Record stage")).to_have_text(re.compile(f"^Trial of {TECHNOLOGY} recorded"))
    expect(row(page, "register-uses", TECHNOLOGY)).to_contain_text("open-ended portable")
    ending = {"Ended on": "2024-06-30", "Reason": "trial finished"}
    expect(submit(page, "use-end-form", ending, "End stage")).to_contain_text("ended on 2024-06-30")
    expect(row(page, "register-uses", TECHNOLOGY)).to_contain_text("2024-06-30")

    contract = {
        "Technology": TECHNOLOGY, "Reference": "C-2024-7", "Supplier": "Acme", "Purpose": "trial licence",
        "From": "2024-03-01", "To": "2024-06-30", "Published at": "https://force.example/contracts/7",
        "Reason": "contract signed",
    }  # fmt: skip
    expect(submit(page, "contract-form", contract, "Record contract")).to_have_text(
        "Contract C-2024-7 with Acme recorded."
    )
    signed = row(page, "register-contracts", "C-2024-7")
    expect(signed.locator("td.num").first).to_have_text("4")  # months
    expect(signed.get_by_role("link")).to_have_text("https://force.example/contracts/7")

    cost = {
        "Technology": TECHNOLOGY, "Year": "2024", "Spent on": "trial", "Amount in pounds": "£12,500.50",
        "Contract": f"C-2024-7 ({TECHNOLOGY}, Acme)", "Reason": "invoice paid",
        "Stage of use it paid for": f"use 1: {TECHNOLOGY}, trial from 2024-03-01",
    }  # fmt: skip
    expect(submit(page, "cost-form", cost, "Record cost")).to_have_text(
        f"Cost of {TECHNOLOGY} in 2024 recorded, paid to Acme."
    )
    paid = row(page, "register-costs", TECHNOLOGY)
    expect(paid.locator("td.num").first).to_have_text("£12,500.50")
    expect(paid).to_contain_text("trial (use 1)")

    contact = {
        "Supplier": "Bolt Vision", "Kind": "meeting", "Date": "2024-02-01", "Summary": "demonstration of Bolt 2",
        "Reason": "meeting minutes",
    }  # fmt: skip
    expect(submit(page, "contact-form", contact, "Record contact")).to_have_text(
        "Meeting with Bolt Vision on 2024-02-01 recorded."
    )
    expect(row(page, "register-contacts", "Bolt Vision")).to_contain_text("not registered")

    document = {
        "Technology": TECHNOLOGY, "Kind": "dpia", "Title": "Acme Live DPIA", "Version": "1.0",
        "Issued on": "2024-02-20", "Reason": "approved by the DPO",
    }  # fmt: skip
    expect(submit(page, "document-form", document, "Record document")).to_contain_text("Acme Live DPIA")
    expect(row(page, "register-documents", "Acme Live DPIA")).to_contain_text("not published")
    publication = {"Published on": "2024-04-01", "Published at": "https://force.example/dpia", "Reason": "published"}
    expect(submit(page, "publication-form", publication, "Publish document")).to_contain_text("published on 2024-04-01")
    expect(row(page, "register-documents", "Acme Live DPIA").get_by_role("link")).to_have_text(
        "https://force.example/dpia"
    )

    policy = {"Technology": TECHNOLOGY, "Policy": "Images deleted after 31 days.", "In force from": "2024-03-01",
              "Reason": "policy approved"}  # fmt: skip
    expect(submit(page, "retention-form", policy, "Record policy")).to_contain_text("Retention policy of")
    expect(row(page, "register-retention", TECHNOLOGY)).to_contain_text("Images deleted after 31 days.")

    refused = submit(page, "cost-form", {**cost, "Amount in pounds": "twelve"}, "Record cost")
    expect(refused).to_have_text("'twelve' is not an amount in pounds like 12500.00")
    expect(refused).to_have_attribute("role", "alert")
    expect(page.locator("table.register-costs tbody tr")).to_have_count(1)
    photograph(page, "register")


def test_a_request_is_logged_and_answered_with_the_sections_applied(signed_in: SignIn) -> None:
    page = signed_in(OFFICER)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="FOI log").click()
    expect(page.locator("#requests-heading + .empty")).to_contain_text("No FOI request logged yet")
    today = datetime.now(UTC).date().isoformat()
    logged = submit(
        page, "receive-form", {"Reference": "FOI-2026-001", "What it asks": "facial recognition trials"}, "Log request"
    )
    expect(logged).to_contain_text("FOI-2026-001 logged; the answer is due on")
    expect(row(page, "foi-requests", "FOI-2026-001")).to_contain_text(f"{today} {today}")  # received, valid from
    answer = {"Answered on": today, "The answer sent": "One trial in 2024.", "Sections applied": "s24(2), 31(3)"}
    expect(submit(page, "answer-form", answer, "Log answer")).to_have_text("Answer to FOI-2026-001 logged (in time).")
    answered = row(page, "foi-requests", "FOI-2026-001")
    expect(answered.locator(".badge")).to_have_text("answered")
    expect(answered).to_contain_text("in time")
    expect(answered).to_contain_text("s24(2), s31(3) (neither confirm nor deny)")
    photograph(page, "foi")


def test_an_overdue_request_stands_out_in_words_and_colour(signed_in: SignIn) -> None:
    page = signed_in(OFFICER)
    page.goto("/foi")
    late = {"Reference": "FOI-2024-017", "Received on": "2024-01-08", "What it asks": "costs"}
    expect(submit(page, "receive-form", late, "Log request")).to_contain_text("due on 2024-02-05")
    page.get_by_label("The requester gave an address for correspondence").uncheck()
    invalid = {"Reference": "FOI-2024-018", "Received on": "2024-01-09", "What it asks": "no address given"}
    expect(submit(page, "receive-form", invalid, "Log request")).to_contain_text("its time runs once the requester")
    overdue = row(page, "foi-requests", "FOI-2024-017")
    expect(overdue.locator(".badge.overdue")).to_have_text("overdue")
    expect(page.locator("#overdue-summary")).to_contain_text("1 request is overdue")
    answered = row(page, "foi-requests", "FOI-2026-001")
    shade = "(row) => getComputedStyle(row).backgroundColor"
    assert overdue.evaluate(shade) != answered.evaluate(shade)
    expect(row(page, "foi-requests", "FOI-2024-018").locator(".badge.overdue")).to_have_count(0)
    photograph(page, "foi-overdue")


def test_the_auditor_reads_the_register_and_follows_a_record_to_its_audit_entry(signed_in: SignIn) -> None:
    page = signed_in("aud")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Technology register").click()
    expect(page.get_by_role("button", name="Add technology")).to_have_count(0)
    entry = row(page, "register-technologies", TECHNOLOGY).get_by_role("link", name=re.compile("^Audit entry"))
    sequence = entry.inner_text()
    entry.click()
    expect(page).to_have_url(re.compile(rf"/audit\?before={int(sequence) + 1}$"))
    newest = page.locator("table.audit tbody tr").first
    expect(newest.locator("td").first).to_have_text(sequence)
    expect(newest).to_contain_text("trialled at events")
    page.goto("/foi")
    expect(page.get_by_role("button", name="Log request")).to_have_count(0)
    expect(row(page, "foi-requests", "FOI-2024-017")).to_contain_text("overdue")
