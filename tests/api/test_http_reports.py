"""Reports over HTTP: figures computed from the records, the PDF, and the draft FOI answers."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

from tests.api.serving import RunningServer
from tests.api.test_http_galleries_and_search import enrol, search
from watchkeeper.governance.roles import Role


def test_report_counts_what_was_done_and_cites_the_audit_log(server: RunningServer, faces_dir: Path) -> None:
    images = faces_dir / "tests" / "test_images"
    with server.client(Role.ADMIN) as admin:
        admin.post("/api/v1/galleries", json={"name": "reported", "reason": "custody images"}).raise_for_status()
        enrol(admin, "reported", "obama", images / "obama.jpg").raise_for_status()
        search(admin, "reported", images / "obama2.jpg", purpose="robbery").raise_for_status()
    with server.client(Role.AUDITOR) as auditor:
        figures = auditor.get("/api/v1/reports").json()["report"]
        pdf = auditor.get("/api/v1/reports/pdf")
        answers = auditor.get("/api/v1/reports/foi-answers", params={"year": [2026]}).json()["answers"]
        entries = auditor.get("/api/v1/audit/entries", params={"limit": 1000}).json()["entries"]
    with server.client(Role.ANALYST) as analyst:
        refused = analyst.get("/api/v1/reports")
    by_purpose = {s["purpose"]: s for s in figures["searches"]}
    assert by_purpose["robbery"]["gallery_searches"] == 1
    searched = [e["sequence"] for e in entries if e["entry"] and e["entry"]["action"] == "search.run"]
    assert by_purpose["robbery"]["sources"] == searched
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Transparency report" in text
    assert answers
    assert all(a["period"] == {"first": "2026-01-01", "last": "2026-12-31"} for a in answers)
    assert refused.status_code == 403
