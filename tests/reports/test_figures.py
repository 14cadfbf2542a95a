"""Every figure of the report of a known history, year by year, including years with no use, and the
audit entries each figure cites."""

from __future__ import annotations

from datetime import date

import pytest

from tests.reports.known_history import DPIA, POLICY_V1, POLICY_V2, SUPPLIER, Story, at
from watchkeeper.governance.audit.events import AuditEvent, RecordedEvent
from watchkeeper.reports.figures import HoldingFigure, Period, TransparencyReport
from watchkeeper.reports.history import read_history
from watchkeeper.reports.service import transparency_report


def report(story: Story, year: int, *snapshots: date) -> TransparencyReport:
    return transparency_report(story.gov, story.disclosure, Period.year(year), snapshots)


def actions(story: Story, sources: tuple[int, ...]) -> set[str]:
    entries: dict[int, RecordedEvent[AuditEvent]] = {
        e.sequence: e for e in read_history(story.gov, story.disclosure).entries
    }
    return {entries[s].action for s in sources}


def holdings(figures: tuple[HoldingFigure, ...]) -> list[tuple[str, str, str, int, int]]:
    return [(h.at.isoformat(), h.kind, h.name, h.subjects, h.faces) for h in figures]


def test_a_year_with_no_use(story: Story) -> None:
    built = report(story, 2021)
    assert built.deployments == ()
    assert built.searches == ()
    assert built.holdings == ()
    assert (built.alerts.raised, built.alerts.false_alert_rate) == (0, None)
    assert [(p.kind, p.frames_processed, p.faces_seen) for p in built.processing] == [("live", 0, 0), ("footage", 0, 0)]
    assert built.spend == ()
    assert built.documents == ()
    assert [(t.name, t.stages) for t in built.technologies] == [
        ("Hotspot", ("planned",)), ("Mobile ID", ()), ("RiskScore", ()), ("Watchkeeper", ())
    ]  # fmt: skip
    assert [r.retention_days["alerts"] for r in built.retention] == [31]
    assert built.gaps == ()
    assert built.foi.received == 0


def test_2022_trial(story: Story) -> None:
    built = report(story, 2022, date(2022, 2, 28), date(2022, 12, 31))
    (trial,) = built.deployments
    assert (trial.name, trial.kind, trial.trial, trial.mode, trial.location) == (
        "foyer-trial", "live", True, "static", "foyer-trial area"
    )  # fmt: skip
    assert (trial.authorised_from, trial.authorised_to) == (at(2022, 5, 10, 10), at(2022, 5, 10, 16))
    assert (trial.hours_authorised, trial.hours_run, trial.runs) == (6.0, 2.0, 1)
    assert (trial.frames_processed, trial.faces_seen, trial.watchlist_subjects, trial.watchlist_faces) == (
        5400, 1200, 2, 3
    )  # fmt: skip
    assert (trial.alerts, trial.confirmed, trial.rejected, trial.pending) == (2, 1, 1, 0)
    assert actions(story, trial.sources) == {
        "deployment.authorise", "deployment.start", "deployment.stop", "alert.raise", "alert.adjudicate"
    }  # fmt: skip
    assert holdings(built.holdings) == [("2022-12-31", "gallery", "custody", 2, 3)]
    assert actions(story, built.holdings[0].sources) == {"gallery.create", "subject.enrol"}
    alerts = built.alerts
    assert (alerts.raised, alerts.confirmed, alerts.rejected, alerts.pending) == (2, 1, 1, 0)
    assert alerts.false_alert_rate == 0.5
    assert alerts.false_alerts_per_thousand_faces == pytest.approx(1000 / 1200)
    assert actions(story, alerts.sources) == {"alert.raise", "alert.adjudicate"}
    assert [(s.purpose, s.gallery_searches, s.footage_searches) for s in built.searches] == [
        ("robbery", 1, 0), ("missing_or_vulnerable_person", 1, 0)
    ]  # fmt: skip
    assert all(actions(story, s.sources) == {"search.run"} for s in built.searches)
    assert [(p.kind, p.frames_processed, p.faces_seen) for p in built.processing] == [
        ("live", 5400, 1200), ("footage", 0, 0)
    ]  # fmt: skip
    assert [(s.year, s.supplier, s.stage, s.amount_pence) for s in built.spend] == [
        (2022, SUPPLIER, "trial", 1_250_000)
    ]
    assert actions(story, built.spend[0].sources) == {"register.cost"}
    assert [(d.kind, d.version, d.url) for d in built.documents] == [
        ("dpia", "1", None), ("policy", "1.0", POLICY_V1), ("sop", "1", None)
    ]  # fmt: skip
    assert [t.stages for t in built.technologies] == [(), (), (), ("trial",)]


def test_2023_operational_and_retention(story: Story) -> None:
    built = report(story, 2023, date(2023, 6, 15), date(2023, 12, 31))
    (operational,) = built.deployments
    assert (operational.name, operational.trial, operational.mode) == ("high-street", False, "portable")
    assert (operational.hours_authorised, operational.hours_run, operational.faces_seen) == (36.0, 2.0, 800)
    assert (operational.alerts, operational.confirmed, operational.rejected, operational.pending) == (2, 1, 0, 1)
    # The alerts were deleted from the tables by retention on 2 December; the audit log still has them.
    assert (built.alerts.raised, built.alerts.false_alert_rate, built.alerts.false_alerts_per_thousand_faces) == (
        2, 0.0, 0.0
    )  # fmt: skip
    assert holdings(built.holdings) == [
        ("2023-06-15", "gallery", "custody", 2, 3),  # obama (2 images) and kit; biden removed
        ("2023-06-15", "watchlist", "high-street", 2, 3),
        ("2023-12-31", "gallery", "custody", 1, 1),  # obama expired on 1 December, removed on the 2nd
    ]
    assert "retention.subject_expired" in actions(story, built.holdings[2].sources)
    assert actions(story, built.holdings[1].sources) == {"deployment.authorise"}
    assert [(r.in_force_from, r.retention_days["alerts"]) for r in built.retention] == [
        (at(2021, 1, 4), 31), (at(2023, 1, 10), 14)
    ]  # fmt: skip
    assert all(actions(story, r.sources) == {"config.change"} for r in built.retention)
    assert [(s.purpose, s.gallery_searches) for s in built.searches] == [("not_stated", 1)]
    assert [(s.supplier, s.amount_pence) for s in built.spend] == [("Camera Hire plc", 150_000), (SUPPLIER, 800_000)]
    assert [(d.kind, d.version, d.url) for d in built.documents] == [
        ("dpia", "1", DPIA), ("policy", "2.0", POLICY_V2), ("sop", "1", None)
    ]  # fmt: skip
    foi = built.foi
    assert (foi.received, foi.valid, foi.awaiting_details, foi.answered, foi.answered_late, foi.overdue) == (
        2, 2, 0, 2, 1, 0
    )  # fmt: skip
    assert foi.neither_confirm_nor_deny == 1
    assert foi.provisions == {"s21": 1, "s24(2)": 1, "s31(3)": 1}
    assert actions(story, foi.sources) == {"foi.receive", "foi.answer"}


def test_2024_no_use_one_overdue_request(story: Story) -> None:
    built = report(story, 2024)
    assert (built.deployments, built.searches, built.spend) == ((), (), ())
    assert holdings(built.holdings) == [("2024-12-31", "gallery", "custody", 1, 1)]
    assert [r.retention_days["alerts"] for r in built.retention] == [14]
    assert (built.foi.received, built.foi.answered, built.foi.overdue) == (1, 0, 1)
    assert [t.stages for t in built.technologies] == [(), ("trial",), ("trial",), ()]
    assert [(d.kind, d.version) for d in built.documents] == [("dpia", "1"), ("policy", "2.0"), ("sop", "1")]


def test_a_run_crossing_the_period_boundary_is_clipped(story: Story) -> None:
    built = transparency_report(story.gov, story.disclosure, Period(date(2022, 5, 10), date(2022, 5, 10)))
    assert built.deployments[0].hours_run == 2.0
    assert (
        transparency_report(story.gov, story.disclosure, Period(date(2022, 5, 11), date(2022, 5, 11))).deployments == ()
    )
