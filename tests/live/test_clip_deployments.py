"""Live recognition on the real clip: alerts for the people on the watchlist, and nothing kept of anyone else."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from sqlalchemy import func, select

from tests.live.deploying import CLIP, authorise
from watchkeeper.face import FaceEngine, LoadedImage
from watchkeeper.governance import deployments
from watchkeeper.governance.context import Governance
from watchkeeper.governance.roles import Actor
from watchkeeper.governance.schema import Alert, Deployment, WatchlistEntry
from watchkeeper.live.pipeline import PipelineOptions
from watchkeeper.live.runner import RunSummary, run_deployment
from watchkeeper.video.sources import VideoSource

OPTIONS = PipelineOptions()
IN_CLIP = {"lin_manuel_miranda": "examples/lin-manuel-miranda.png", "alex_lacamoire": "examples/alex-lacamoire.png"}
NOT_IN_CLIP = {"obama": "examples/obama.jpg", "biden": "examples/biden.jpg"}


def run_on_clip(gov: Governance, operator: Actor, faces_dir: Path, name: str) -> RunSummary:
    with VideoSource(faces_dir / CLIP) as source:
        return run_deployment(gov, operator, name, "foyer", source.frames(), OPTIONS, source_stats=lambda: source.stats)


def test_watchlist_of_people_in_the_clip_raises_alerts_for_them(
    live_gov: Governance, operator: Actor, faces_dir: Path
) -> None:
    authorise(live_gov, faces_dir, "hamilton", IN_CLIP)
    summary = run_on_clip(live_gov, operator, faces_dir, "hamilton")
    alerted = {a.subject_reference for a in summary.alerts}
    assert alerted == set(IN_CLIP)
    assert all(a.distance <= 0.6 for a in summary.alerts)
    stored = deployments.list_alerts(live_gov, operator, "hamilton")
    assert {a.subject_reference for a in stored} == set(IN_CLIP)
    confirmed = deployments.adjudicate_alert(
        live_gov, operator, stored[0].id, deployments.AlertOutcome.CONFIRMED, "matches the photo", "spoke to them"
    )
    assert confirmed.outcome is deployments.AlertOutcome.CONFIRMED
    with live_gov.sessions() as session:
        record = session.scalars(select(Deployment)).one()
        counts = summary.counts
        assert (record.frames_processed, record.faces_seen, record.tracks) == (
            counts.frames_processed,
            counts.faces_seen,
            counts.tracks,
        )
        assert summary.frames_seen == 275
        assert 275 // OPTIONS.detect_every < record.frames_processed < 275 // OPTIONS.follow_every + 2
        assert record.tracks >= 2
        assert (record.frames_dropped, record.corrupt_skipped) == (0, 0)  # a file waits for the pipeline


def test_watchlist_of_nobody_in_the_clip_leaves_no_trace_of_the_clip(
    live_gov: Governance, operator: Actor, faces_dir: Path, cnn_engine: FaceEngine, caplog: pytest.LogCaptureFixture
) -> None:
    authorise(live_gov, faces_dir, "elsewhere", NOT_IN_CLIP)
    with caplog.at_level(logging.DEBUG):
        summary = run_on_clip(live_gov, operator, faces_dir, "elsewhere")
    deployments.end_deployment(live_gov, operator, "elsewhere", "event over")
    assert summary.alerts == ()
    assert summary.counts.faces_seen > 0
    with live_gov.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 0
        assert session.scalar(select(func.count()).select_from(WatchlistEntry)) == 0  # snapshot deleted at end

    clip_descriptors = descriptors_of_clip_faces(cnn_engine, faces_dir)
    data_dir = live_gov.settings.data_dir
    scanned = [p for p in data_dir.rglob("*") if p.is_file() and "models" not in p.relative_to(data_dir).parts]
    assert scanned, "the data directory holds the database, keys and indexes"
    for path in scanned:
        assert nearest_embedded_vector(path.read_bytes(), clip_descriptors) > 0.05, f"{path} holds a clip descriptor"
    for record in caplog.records:
        assert "descriptor" not in record.getMessage().lower()
    assert not [r for r in caplog.records if r.name.startswith("watchkeeper.live")]


def descriptors_of_clip_faces(engine: FaceEngine, faces_dir: Path) -> np.ndarray:
    """Descriptors of every face the pipeline could have seen: what a leak would look like."""
    found: list[np.ndarray] = []
    with VideoSource(faces_dir / CLIP) as source:
        for frame in source.frames():
            if frame.index % 3 == 0:
                analysis = engine.analyse(LoadedImage(frame.image, "clip", "mp4"))
                found.extend(face.require_descriptor() for face in analysis.faces)
    assert len(found) > 20
    return np.stack(found)


def nearest_embedded_vector(data: bytes, descriptors: np.ndarray, chunk: int = 20_000) -> float:
    """Smallest distance between any run of 128 float32 values in ``data`` (at any byte alignment) and any of
    ``descriptors``: a descriptor stored in any table, index or file, however framed, would come out near 0."""
    best = np.inf
    for offset in range(4):
        usable = (len(data) - offset) // 4
        if usable < 128:
            continue
        values = np.nan_to_num(
            np.frombuffer(data, dtype="<f4", count=usable, offset=offset), nan=1e6, posinf=1e6, neginf=-1e6
        )
        windows = sliding_window_view(values, 128)
        for start in range(0, len(windows), chunk):
            block = np.clip(windows[start : start + chunk].astype(np.float64), -1e3, 1e3)
            squared = (
                (block**2).sum(axis=1)[:, None] - 2 * block @ descriptors.T + (descriptors**2).sum(axis=1)[None, :]
            )
            best = min(best, float(np.sqrt(max(squared.min(), 0.0))))
    return best


def test_the_scan_finds_a_descriptor_however_it_is_stored() -> None:
    rng = np.random.default_rng(5)
    descriptors = rng.normal(scale=0.1, size=(3, 128))
    hidden = descriptors[1].astype("<f4").tobytes()
    for prefix in (b"", b"x", b"xy", b"xyz"):  # every byte alignment
        data = rng.bytes(3000) + prefix + hidden + rng.bytes(500)
        assert nearest_embedded_vector(data, descriptors) < 1e-6
    assert nearest_embedded_vector(rng.bytes(5000), descriptors) > 0.05
