"""The governance core is given its face engines when it is opened: one for photographs, one for video."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from watchkeeper.config import Settings
from watchkeeper.face import VIDEO_OPTIONS, DetectorKind, EngineOptions, FaceEngine
from watchkeeper.governance.context import Governance


def test_photographs_take_the_engine_defaults_and_video_the_cnn(tmp_path: Path, settings: Settings) -> None:
    gov = Governance.open(replace(settings, data_dir=tmp_path / "data"))
    try:
        assert gov.engine.options == EngineOptions()
        assert gov.video_engine.options == VIDEO_OPTIONS
        assert VIDEO_OPTIONS.detector is DetectorKind.CNN  # turned faces in footage
    finally:
        gov.close()


def test_the_engines_given_are_the_ones_used(tmp_path: Path, settings: Settings, engine: FaceEngine) -> None:
    video = FaceEngine(EngineOptions(detector=DetectorKind.HOG, upsample=0), settings)
    gov = Governance.open(replace(settings, data_dir=tmp_path / "data"), engine=engine, video_engine=video)
    try:
        assert (gov.engine, gov.video_engine) == (engine, video)
    finally:
        gov.close()
