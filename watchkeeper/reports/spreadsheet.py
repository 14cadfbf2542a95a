"""Reports and draft answers as CSV: one row per figure, with the audit entries it came from, for anyone
who wants to recount or chart the figures themselves."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from watchkeeper.reports.figures import Sources, TransparencyReport
from watchkeeper.reports.foi_answers import DraftAnswer

REPORT_COLUMNS = ("section", "item", "measure", "value", "audit_sequences")
ANSWER_COLUMNS = (
    "period_first",
    "period_last",
    "as_of",
    "question_id",
    "question",
    "status",
    "answer",
    "audit_sequences",
    "citations",
)


def report_csv(report: TransparencyReport) -> str:
    return _write(REPORT_COLUMNS, _report_rows(report))


def answers_csv(answers: list[DraftAnswer]) -> str:
    return _write(
        ANSWER_COLUMNS,
        (
            (
                a.period.first.isoformat(),
                a.period.last.isoformat(),
                a.as_of.isoformat(),
                a.question_id,
                a.question,
                a.status.value,
                a.text,
                _sequences(a.sources),
                " ".join(a.citations),
            )
            for a in answers
        ),
    )


def _report_rows(report: TransparencyReport) -> Iterable[tuple[object, ...]]:
    for d in report.deployments:
        for measure in (
            "trial",
            "mode",
            "location",
            "hours_authorised",
            "hours_run",
            "runs",
            "frames_processed",
            "faces_seen",
            "alerts",
            "confirmed",
            "rejected",
            "pending",
            "watchlist_subjects",
            "watchlist_faces",
        ):
            yield "deployment", d.name, measure, getattr(d, measure), _sequences(d.sources)
    for h in report.holdings:
        item = f"{h.kind}:{h.name}@{h.at.isoformat()}"
        yield "holding", item, "subjects", h.subjects, _sequences(h.sources)
        yield "holding", item, "face_images", h.faces, _sequences(h.sources)
    for r in report.retention:
        for kind, days in r.retention_days.items():
            yield "retention", r.in_force_from.isoformat(), f"{kind}_days", days, _sequences(r.sources)
    for p in report.processing:
        yield "processing", p.kind, "frames_processed", p.frames_processed, _sequences(p.sources)
        yield "processing", p.kind, "faces_seen", p.faces_seen, _sequences(p.sources)
    alerts = report.alerts
    for measure in (
        "raised",
        "confirmed",
        "rejected",
        "pending",
        "false_alert_rate",
        "false_alerts_per_thousand_faces",
    ):
        yield "alerts", "all", measure, getattr(alerts, measure), _sequences(alerts.sources)
    for s in report.searches:
        yield "searches", s.purpose, "gallery_searches", s.gallery_searches, _sequences(s.sources)
        yield "searches", s.purpose, "footage_searches", s.footage_searches, _sequences(s.sources)
    for spend in report.spend:
        item = f"{spend.year}:{spend.supplier}:{spend.technology}:{spend.stage}"
        yield "spend", item, "amount_pence", spend.amount_pence, _sequences(spend.sources)
    for doc in report.documents:
        item = f"{doc.technology}:{doc.kind}:{doc.version}"
        yield "document", item, "published_url", doc.url or "", _sequences(doc.sources)
    foi = report.foi
    for measure in (
        "received",
        "valid",
        "awaiting_details",
        "answered",
        "answered_late",
        "overdue",
        "neither_confirm_nor_deny",
    ):
        yield "foi", "all", measure, getattr(foi, measure), _sequences(foi.sources)


def _sequences(sources: Sources) -> str:
    return " ".join(str(s) for s in sources)


def _write(columns: tuple[str, ...], rows: Iterable[tuple[object, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(("" if v is None else v for v in row) for row in rows)
    return buffer.getvalue()
