"""Reports and draft FOI answers in a real browser: the disclosure officer produces a report for a period
as of a day and downloads it, then drafts the answers to a logged request as of its received date, marks
and edits one, and exports them; over HTTP, what another role, a forged form and bad input get."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from tests.web.browsing import Server, photograph
from tests.web.form_posting import signed_in_visitor

pytestmark = pytest.mark.slow

SignIn = Callable[[str], Page]
OFFICER = "dot"
REQUEST = "FOI-R-1"
OWN_QUESTIONS = """[[question]]
id = "vendors"
kind = "vendors"
vendors = ["NEC", "Idemia"]
text = "Does the force hold contracts with NEC or Idemia?"
"""


def test_a_report_for_a_period_as_of_a_day_with_its_downloads(signed_in: SignIn) -> None:
    page = signed_in(OFFICER)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.locator(".empty")).to_contain_text("Choose a period")
    page.get_by_label("First day").fill("2026-01-01")
    page.get_by_label("Last day").fill("2026-12-31")
    page.get_by_label("As of").fill("2026-02-01")
    page.get_by_role("button", name="Produce the report").click()
    expect(page.locator(".downloads")).to_contain_text("As of 2026-02-01.")
    expect(page.get_by_role("heading", name="Transparency report 2026-01-01 to 2026-12-31")).to_be_visible()
    expect(page.get_by_role("heading", name="Technology in the register")).to_be_visible()
    photograph(page, "reports")
    with page.expect_download() as pdf:
        page.get_by_role("link", name="PDF").click()
    assert pdf.value.suggested_filename == "transparency-report-2026-01-01-2026-12-31.pdf"
    with open(pdf.value.path(), "rb") as document:
        assert document.read(5) == b"%PDF-"
    with page.expect_download() as spreadsheet:
        page.get_by_role("link", name="CSV").click()
    with open(spreadsheet.value.path(), encoding="utf-8") as table:
        assert next(csv.reader(table)) == ["section", "item", "measure", "value", "audit_sequences"]


def test_draft_answers_to_a_logged_request_are_marked_edited_and_exported(signed_in: SignIn) -> None:
    page = signed_in(OFFICER)
    page.goto("/foi")
    form = page.locator("#receive-form")
    form.get_by_label("Reference").fill(REQUEST)
    form.get_by_label("Received on").fill("2026-01-15")
    form.get_by_label("What it asks").fill("LFR use, cameras and costs")
    form.get_by_role("button", name="Log request").click()
    expect(page.locator(".notice")).to_contain_text(f"{REQUEST} logged")
    page.locator("table.foi-requests tbody tr", has_text=REQUEST).get_by_role("link", name="Draft answers").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Draft answers to {REQUEST}")
    expect(page.locator(".lead")).to_contain_text("as of 2026-01-15")
    use = page.locator("fieldset", has_text="lfr-use:")
    expect(use.locator("legend")).to_contain_text("(2026, as of 2026-01-15)")
    expect(use.get_by_label("Answer")).to_have_value(re.compile("^No. The records show no use"))
    photograph(page, "foi-answers")
    costs = page.locator("fieldset", has_text="lfr-costs:")
    costs.get_by_label("Status").select_option("partial")
    costs.get_by_label("Answer").fill("Costs are being collated and will follow.")
    with page.expect_download() as exported:
        page.get_by_role("button", name="Export as CSV").click()
    with open(exported.value.path(), encoding="utf-8") as table:
        rows = {row["question_id"]: row for row in csv.DictReader(table)}
    assert (rows["lfr-costs"]["status"], rows["lfr-costs"]["answer"]) == (
        "partial",
        "Costs are being collated and will follow.",
    )
    assert rows["lfr-use"]["as_of"] == "2026-01-15"

    page.get_by_text("Ask this request's own questions").click()
    page.get_by_label("Questions, as a questions file").fill(OWN_QUESTIONS)
    page.get_by_role("button", name="Draft answers to these questions").click()
    vendors = page.locator("fieldset", has_text="vendors:")
    expect(vendors.get_by_label("Answer")).to_have_value(re.compile("NEC: no record. Idemia: no record."))
    expect(page.locator("fieldset")).to_have_count(1)
    with page.expect_download() as own:
        page.get_by_role("button", name="Export as CSV").click()
    with open(own.value.path(), encoding="utf-8") as table:
        assert [row["question_id"] for row in csv.DictReader(table)] == ["vendors"]


def test_reports_and_answers_refuse_other_roles_forged_forms_and_bad_input(server: Server) -> None:
    analyst = signed_in_visitor(server.url, "ann", server.secrets["ann"])
    assert analyst.http.get("/reports").status_code == 403
    assert analyst.http.get(f"/foi/{REQUEST}/answers").status_code == 403
    analyst.http.close()
    officer = signed_in_visitor(server.url, OFFICER, server.secrets[OFFICER])
    unknown = officer.http.get("/foi/NOPE/answers")
    assert unknown.status_code == 409
    assert "no FOI request &#39;NOPE&#39; is logged" in unknown.text
    token = officer.token("/reports")
    export = f"/foi/{REQUEST}/answers/export"
    forged = officer.post(export, {"format": "csv"}, token="not-this-sessions")
    assert forged.status_code == 403
    with server.api("aud") as auditor:
        before = auditor.get("/api/v1/audit/entries", params={"limit": 1}).json()["size"]
    cases: list[tuple[dict[str, str | list[str]], str]] = [
        ({"format": "xls"}, "'xls' is not one of pdf, csv"),
        ({"format": "csv", "as_of": "15/01/2026"}, "'15/01/2026' is not a day"),
        ({"format": "csv", "text:lfr-use": "Yes.", "status:lfr-use": "maybe"}, "'maybe' is not one of answered"),
        ({"format": "csv", "text:weather": "Sunny.", "status:weather": "answered"}, "no drafted answer to edit"),
    ]
    for fields, problem in cases:
        refused = officer.post(export, fields, token)
        assert refused.status_code == 400, (fields, refused.text)
        assert problem in refused.json()["error"]["message"]
    with server.api("aud") as auditor:
        assert auditor.get("/api/v1/audit/entries", params={"limit": 1}).json()["size"] == before
    officer.http.close()


def test_a_disclosure_officer_opens_the_entries_behind_a_figure_and_only_those(server: Server) -> None:
    officer = signed_in_visitor(server.url, OFFICER, server.secrets[OFFICER])
    year = datetime.now(UTC).year
    query = f"first={year}-01-01&last={year}-12-31"
    report = officer.http.get(f"/reports?{query}")
    assert report.status_code == 200
    cited = sorted({int(n) for n in re.findall(r'href="/reports/entries/(\d+)\?', report.text)})
    assert cited, "the report cites the configuration in force, at least"
    entry = officer.http.get(f"/reports/entries/{cited[0]}?{query}")
    assert entry.status_code == 200
    assert f"Audit entry {cited[0]}" in entry.text
    assert "proven to be in the signed audit log" in entry.text
    with server.api("aud") as auditor:
        listed = auditor.get("/api/v1/audit/entries", params={"limit": 1000}).json()["entries"]
    sign_in = next(e["sequence"] for e in listed if e["entry"] and e["entry"]["action"] == "session.sign_in")
    assert sign_in not in cited
    refused = officer.http.get(f"/reports/entries/{sign_in}?{query}")
    assert refused.status_code == 403
    assert f"audit entry {sign_in} is behind none of these figures" in refused.text
    officer.http.close()
