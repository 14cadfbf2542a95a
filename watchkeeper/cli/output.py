"""What the command line prints: the documented ``--json`` shapes and the tables people read.

The JSON shapes are a contract for scripts (see docs/cli.md): fields are only ever added, never renamed or
removed, and ``"version"`` changes if that promise has to be broken.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from watchkeeper.errors import ErrorKind, WatchkeeperError
from watchkeeper.face import Comparison, Face, FaceAnalysis
from watchkeeper.serialise import plain as plain
from watchkeeper.types import BoundingBox

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Record = TypeVar("Record", bound="DataclassInstance")

JSON_VERSION = 1

EXIT_BAD_INPUT = 1
"""The command cannot be done as asked: an input that cannot be used (unreadable image, no face, several
faces and no choice, bad labels file), a refusal, a record that does not exist or a conflict with one that
does."""
EXIT_UNAVAILABLE = 3
"""Watchkeeper itself cannot run: model files missing or corrupt, or a setting invalid."""

EXIT_CODE_BY_KIND: dict[ErrorKind, int] = {
    ErrorKind.INVALID_INPUT: EXIT_BAD_INPUT,
    ErrorKind.REFUSED: EXIT_BAD_INPUT,
    ErrorKind.NOT_FOUND: EXIT_BAD_INPUT,
    ErrorKind.CONFLICT: EXIT_BAD_INPUT,
    ErrorKind.UNAVAILABLE: EXIT_UNAVAILABLE,
}
"""The exit code of every Watchkeeper error, by its kind."""

stdout = Console()
stderr = Console(stderr=True)


def print_json(document: dict[str, Any]) -> None:
    """One JSON document on stdout, with the shape version first."""
    sys.stdout.write(json.dumps({"version": JSON_VERSION, **document}, indent=2) + "\n")


def print_error(error: WatchkeeperError) -> None:
    stderr.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)


def fail(error: WatchkeeperError, as_json: bool, exit_code: int | None = None) -> NoReturn:
    """End the command with ``error``, as JSON on stdout under ``--json``, else as a message on stderr; the
    exit code is its kind's unless the command documents another."""
    if as_json:
        print_json({"error": error_json(error)})
    else:
        print_error(error)
    raise typer.Exit(EXIT_CODE_BY_KIND[error.kind] if exit_code is None else exit_code)


def error_json(error: WatchkeeperError) -> dict[str, Any]:
    source = getattr(error, "source", None)
    reason = getattr(error, "reason", str(error))
    return {"source": source, "code": error.code, "reason": reason}


def box_json(box: BoundingBox) -> dict[str, int]:
    return {"left": box.left, "top": box.top, "right": box.right, "bottom": box.bottom}


def face_json(face: Face) -> dict[str, Any]:
    points = face.landmarks.points.tolist()
    quality = face.quality
    return {
        "index": face.index,
        "box": box_json(face.box),
        "detection_score": round(face.detection.score, 4),
        "landmarks": {
            "left_eye": points[0:2],
            "right_eye": points[2:4],
            "nose_base": points[4],
        },
        "quality": {
            "box_width": quality.box_width,
            "box_height": quality.box_height,
            "inter_ocular_px": round(quality.inter_ocular_px, 2),
            "sharpness": round(quality.sharpness, 2),
            "brightness": round(quality.brightness, 4),
            "frontalness": round(quality.frontalness, 4),
            "roll_degrees": round(quality.roll_degrees, 2),
        },
    }


def analysis_json(analysis: FaceAnalysis) -> dict[str, Any]:
    return {
        "source": analysis.source,
        "width": analysis.size.width,
        "height": analysis.size.height,
        "faces": [face_json(face) for face in analysis.faces],
    }


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    return {
        "distance": round(comparison.distance, 6),
        "similarity": round(comparison.similarity, 6),
        "threshold": comparison.threshold,
        "same_person": comparison.same_person,
    }


def emit(as_json: bool, document: dict[str, Any], message: str) -> None:
    """``document`` under ``--json``, else ``message`` for a person."""
    if as_json:
        print_json(document)
    else:
        stdout.print(message, highlight=False)


def print_records(
    as_json: bool,
    key: str,
    records: Sequence[Record],
    columns: Sequence[str],
    row: Callable[[Record], Sequence[str]],
) -> None:
    """A listing: under ``--json`` every record in full under ``key``, else a table of the columns a person
    reads, one row a record."""
    if as_json:
        print_json({key: [plain(asdict(record)) for record in records]})
        return
    table = Table(*columns)
    for record in records:
        table.add_row(*row(record))
    stdout.print(table)
