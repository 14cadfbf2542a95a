"""A report or a set of draft FOI answers as a sequence of blocks (headings, paragraphs, tables, charts),
so the Markdown and PDF renderers share one layout and only differ in how they draw it."""

from __future__ import annotations

from dataclasses import dataclass

from watchkeeper.reports.charts import stacked_bars
from watchkeeper.reports.figures import Sources, TransparencyReport
from watchkeeper.reports.foi_answers import DraftAnswer, pounds


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Chart:
    name: str
    """File name stem, unique within the document."""
    title: str
    png: bytes


Block = Heading | Paragraph | Table | Chart


def cite(sources: Sources) -> str:
    """Audit sequence numbers as compact ranges: ``3-5, 9``."""
    parts: list[str] = []
    numbers = sorted(set(sources))
    start = previous = None
    for number in [*numbers, None]:
        if number is not None and previous is not None and number == previous + 1:
            previous = number
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = number
    return ", ".join(parts) or "-"


def report_blocks(report: TransparencyReport) -> list[Block]:
    period = report.period
    blocks: list[Block] = [
        Heading(f"Transparency report {period.first.isoformat()} to {period.last.isoformat()}", 1),
        Paragraph(
            f"Figures as they stood at the end of {report.as_of.isoformat()}, generated "
            f"{report.generated_at.isoformat(timespec='seconds')} from the records alone. Each figure "
            "lists the audit entries it was computed from ('audit' column); `watchkeeper audit verify --entry N` "
            "proves an entry is in the signed log. Days are UTC calendar days."
        ),
    ]
    blocks += [Paragraph(f"Gap in the records: {gap}") for gap in report.gaps]
    blocks += [
        Heading("Technology in the register"),
        Table(
            ("name", "categories", "supplier", "product", "stages in period", "components", "audit"),
            tuple(
                (
                    t.name,
                    ", ".join(t.categories),
                    t.supplier,
                    t.product,
                    ", ".join(t.stages) or "none",
                    "; ".join(t.components) or "-",
                    cite(t.sources),
                )
                for t in report.technologies
            ),
        ),
        Heading("Deployments"),
        Table(
            (
                "name",
                "kind",
                "trial",
                "mode",
                "location",
                "authorised window (UTC)",
                "hours authorised",
                "hours run",
                "faces seen",
                "alerts",
                "audit",
            ),
            tuple(
                (
                    d.name,
                    d.kind,
                    "trial" if d.trial else "operational",
                    d.mode,
                    d.location,
                    f"{d.authorised_from:%Y-%m-%d %H:%M} to {d.authorised_to:%Y-%m-%d %H:%M}",
                    f"{d.hours_authorised:g}",
                    f"{d.hours_run:g}",
                    str(d.faces_seen),
                    str(d.alerts),
                    cite(d.sources),
                )
                for d in report.deployments
            ),
        ),
        Heading("Galleries and watchlists"),
        Table(
            ("at end of", "kind", "name", "subjects", "face images", "audit"),
            tuple(
                (h.at.isoformat(), h.kind, h.name, str(h.subjects), str(h.faces), cite(h.sources))
                for h in report.holdings
            ),
        ),
        Heading("Retention periods in force"),
        Table(
            ("in force from", *_retention_kinds(report), "audit"),
            tuple(
                (
                    r.in_force_from.date().isoformat(),
                    *(
                        "none" if r.retention_days.get(k) is None else f"{r.retention_days[k]} days"
                        for k in _retention_kinds(report)
                    ),
                    cite(r.sources),
                )
                for r in report.retention
            ),
        ),
        Heading("Faces processed (counts only)"),
        Table(
            ("kind", "frames", "faces seen", "audit"),
            tuple((p.kind, str(p.frames_processed), str(p.faces_seen), cite(p.sources)) for p in report.processing),
        ),
        Heading("Alerts and outcomes"),
        Table(
            ("raised", "confirmed", "rejected", "pending", "false alert rate", "false alerts per 1,000 faces", "audit"),
            (
                (
                    str(report.alerts.raised),
                    str(report.alerts.confirmed),
                    str(report.alerts.rejected),
                    str(report.alerts.pending),
                    _ratio(report.alerts.false_alert_rate, percent=True),
                    _ratio(report.alerts.false_alerts_per_thousand_faces),
                    cite(report.alerts.sources),
                ),
            ),
        ),
        Paragraph(
            "False alert rate: rejected alerts over adjudicated (confirmed + rejected) alerts raised in the period."
        ),
    ]
    if report.deployments and report.alerts.raised:
        blocks.append(
            chart(
                "alerts",
                "Alerts by deployment and outcome",
                [d.name for d in report.deployments],
                {
                    "confirmed": [d.confirmed for d in report.deployments],
                    "rejected": [d.rejected for d in report.deployments],
                    "pending": [d.pending for d in report.deployments],
                },
                "alerts",
            )
        )
    blocks += [
        Heading("Retrospective searches by purpose"),
        Table(
            ("purpose", "gallery searches", "footage searches", "audit"),
            tuple(
                (s.purpose, str(s.gallery_searches), str(s.footage_searches), cite(s.sources)) for s in report.searches
            ),
        ),
    ]
    if report.searches:
        blocks.append(
            chart(
                "searches",
                "Searches by purpose",
                [s.purpose.replace("_", " ") for s in report.searches],
                {
                    "gallery": [s.gallery_searches for s in report.searches],
                    "footage": [s.footage_searches for s in report.searches],
                },
                "searches",
            )
        )
    blocks += [
        Heading("Spend by year and supplier"),
        Table(
            ("year", "supplier", "technology", "stage", "amount", "audit"),
            tuple(
                (str(s.year), s.supplier, s.technology, s.stage, pounds(s.amount_pence), cite(s.sources))
                for s in report.spend
            ),
        ),
    ]
    if report.spend:
        years = sorted({s.year for s in report.spend})
        suppliers = sorted({s.supplier for s in report.spend})
        blocks.append(
            chart(
                "spend",
                "Spend by year and supplier (GBP)",
                [str(y) for y in years],
                {
                    supplier: [
                        sum(s.amount_pence for s in report.spend if s.year == y and s.supplier == supplier) / 100
                        for y in years
                    ]
                    for supplier in suppliers
                },
                "GBP",
            )
        )
    blocks += [
        Heading("Documents in force"),
        Table(
            ("technology", "kind", "title", "version", "issued", "published", "audit"),
            tuple(
                (
                    d.technology,
                    d.kind,
                    d.title,
                    d.version,
                    d.issued_on.isoformat(),
                    f"{d.published_on.isoformat()} {d.url}" if d.published_on else "not published",
                    cite(d.sources),
                )
                for d in report.documents
            ),
        ),
        Heading("Freedom of Information requests"),
        Table(
            (
                "received",
                "valid",
                "awaiting details",
                "answered",
                "answered late",
                "overdue",
                "neither confirm nor deny",
                "provisions",
                "audit",
            ),
            (
                (
                    str(report.foi.received),
                    str(report.foi.valid),
                    str(report.foi.awaiting_details),
                    str(report.foi.answered),
                    str(report.foi.answered_late),
                    str(report.foi.overdue),
                    str(report.foi.neither_confirm_nor_deny),
                    ", ".join(f"{p} x{n}" for p, n in report.foi.provisions.items()) or "-",
                    cite(report.foi.sources),
                ),
            ),
        ),
    ]
    return blocks


def foi_blocks(answers: list[DraftAnswer]) -> list[Block]:
    blocks: list[Block] = [
        Heading("Draft answers to Freedom of Information questions", 1),
        Paragraph(
            "Drafted from the records alone for a person to review. 'not held' marks what the records cannot "
            "answer; nothing is filled in. Exemptions are for the reviewer to decide."
        ),
    ]
    for period, as_of in dict.fromkeys((a.period, a.as_of) for a in answers):
        blocks.append(Heading(f"{period.describe()}, as of {as_of.isoformat()}"))
        for answer in (a for a in answers if (a.period, a.as_of) == (period, as_of)):
            blocks.append(Heading(f"{answer.question_id}: {answer.question}", 3))
            blocks.append(Paragraph(f"[{answer.status.value.replace('_', ' ')}] {answer.text}"))
            sources = f"Audit entries: {cite(answer.sources)}."
            if answer.citations:
                sources += " Published: " + ", ".join(answer.citations) + "."
            blocks.append(Paragraph(sources))
    return blocks


def chart(name: str, title: str, labels: list[str], series: dict[str, list[float]], unit: str) -> Chart:
    """A stacked bar chart block (one bar per label, stacked by series)."""
    return Chart(name, title, stacked_bars(title, labels, series, unit))


def _retention_kinds(report: TransparencyReport) -> tuple[str, ...]:
    return tuple(dict.fromkeys(k for r in report.retention for k in r.retention_days))


def _ratio(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1%}" if percent else f"{value:.3f}"
