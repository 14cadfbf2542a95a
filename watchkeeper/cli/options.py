"""Command-line options shared by several commands, defined once so they read the same everywhere."""

from __future__ import annotations

from typing import Annotated

import typer

from watchkeeper.cli import output
from watchkeeper.config import ConfigError, load_settings
from watchkeeper.face import DEFAULT_MATCH_THRESHOLD, MAX_MATCH_THRESHOLD, DetectorKind, EngineOptions, FaceEngine

JsonOutput = Annotated[bool, typer.Option("--json", help="Print one JSON document (shape in docs/cli.md).")]

Detector = Annotated[
    DetectorKind,
    typer.Option(
        "--detector",
        help="Face detector: 'hog' (frontal faces), 'cnn' (dlib's MMOD CNN: also turned and partly hidden faces) "
        "or 'centerface' (small faces, down to about 10 px wide).",
        case_sensitive=False,
    ),
]

Upsample = Annotated[
    int | None,
    typer.Option(
        "--upsample",
        min=0,
        max=4,
        help="Times to double the image before detecting, to find smaller faces "
        "[default: hog 1, cnn and centerface 0].",
        show_default=False,
    ),
]

MaxSide = Annotated[
    int,
    typer.Option(
        "--max-side",
        min=64,
        help="Longest side the detector sees; larger images are downscaled for detection only.",
    ),
]

Threshold = Annotated[
    float,
    typer.Option(
        "--threshold",
        min=0.0,
        help="Distance at or below which two faces are judged the same person. Lower: fewer false matches, "
        "more missed matches.",
    ),
]


def _within_match_range(value: float) -> float:
    if not 0.0 < value <= MAX_MATCH_THRESHOLD:
        raise typer.BadParameter(f"{value:g} is not within (0, {MAX_MATCH_THRESHOLD:g}]")
    return value


MatchThreshold = Annotated[
    float,
    typer.Option(
        "--threshold",
        callback=_within_match_range,
        help=f"Distance at or below which a face matches, within (0, {MAX_MATCH_THRESHOLD:g}] (the range the "
        "core and the API take).",
    ),
]

DEFAULT_DETECTOR = DetectorKind.HOG
DEFAULT_THRESHOLD = DEFAULT_MATCH_THRESHOLD


def make_engine(
    detector: DetectorKind, upsample: int | None, max_side: int, as_json: bool, descriptors: bool = True
) -> FaceEngine:
    """The engine the options describe, on settings read from the environment; a bad setting ends the
    command with its message and exit code 3 before any work starts."""
    try:
        settings = load_settings()
    except ConfigError as error:
        output.fail(error, as_json)
    options = EngineOptions(
        detector=detector, upsample=upsample, max_detection_side=max_side, compute_descriptors=descriptors
    )
    return FaceEngine(options, settings)
