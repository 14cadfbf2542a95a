"""``watchkeeper detect`` and ``watchkeeper compare``: the face engine from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from watchkeeper.cli import output
from watchkeeper.cli.options import (
    DEFAULT_DETECTOR,
    DEFAULT_THRESHOLD,
    Detector,
    JsonOutput,
    MaxSide,
    Threshold,
    Upsample,
    make_engine,
)
from watchkeeper.errors import InputError, WatchkeeperError
from watchkeeper.face import FaceAnalysis, compare_descriptors
from watchkeeper.face.detection import DEFAULT_MAX_DETECTION_SIDE


def detect(
    images: Annotated[list[Path], typer.Argument(help="Image files (JPEG, PNG, WebP or BMP).", show_default=False)],
    detector: Detector = DEFAULT_DETECTOR,
    upsample: Upsample = None,
    max_side: MaxSide = DEFAULT_MAX_DETECTION_SIDE,
    as_json: JsonOutput = False,
) -> None:
    """Find faces: box, 5 landmarks and quality for each face in each image.

    Faces are numbered left to right from 0; that number is what `compare --face-a/--face-b` takes.
    An image that cannot be read is reported and the others are still processed; the exit code is 1 if any
    image failed.
    """
    engine = make_engine(detector, upsample, max_side, as_json, descriptors=False)
    analyses: list[FaceAnalysis] = []
    failures: list[InputError] = []
    for path in images:
        try:
            analyses.append(engine.analyse_file(path))
        except InputError as error:
            failures.append(error)
            if not as_json:
                output.print_error(error)
        except WatchkeeperError as error:
            output.fail(error, as_json)
    if as_json:
        output.print_json(
            {
                "images": [output.analysis_json(a) for a in analyses],
                "errors": [output.error_json(e) for e in failures],
            }
        )
    else:
        for analysis in analyses:
            _print_analysis(analysis)
    if failures:
        raise typer.Exit(output.EXIT_BAD_INPUT)


def compare(
    first: Annotated[Path, typer.Argument(help="First image.", show_default=False)],
    second: Annotated[Path, typer.Argument(help="Second image.", show_default=False)],
    face_a: Annotated[
        int | None, typer.Option("--face-a", min=0, help="Face to use in the first image (see `detect`).")
    ] = None,
    face_b: Annotated[
        int | None, typer.Option("--face-b", min=0, help="Face to use in the second image (see `detect`).")
    ] = None,
    threshold: Threshold = DEFAULT_THRESHOLD,
    detector: Detector = DEFAULT_DETECTOR,
    upsample: Upsample = None,
    max_side: MaxSide = DEFAULT_MAX_DETECTION_SIDE,
    as_json: JsonOutput = False,
) -> None:
    """Compare the faces in two images: distance, similarity and a same/different verdict.

    The verdict is "same person" when the distance is at or below the threshold. It is evidence for a
    person to weigh, never an identification. Each image must hold exactly one face, or the face must be
    chosen with --face-a/--face-b; otherwise the exit code is 1.
    """
    engine = make_engine(detector, upsample, max_side, as_json)
    try:
        faces = (
            engine.analyse_file(first).single_face(face_a, "--face-a"),
            engine.analyse_file(second).single_face(face_b, "--face-b"),
        )
    except WatchkeeperError as error:
        output.fail(error, as_json)
    comparison = compare_descriptors(faces[0].require_descriptor(), faces[1].require_descriptor(), threshold)
    if as_json:
        output.print_json(
            {
                "first": {"source": str(first), "face": output.face_json(faces[0])},
                "second": {"source": str(second), "face": output.face_json(faces[1])},
                **output.comparison_json(comparison),
            }
        )
        return
    verdict = "[green]same person[/]" if comparison.same_person else "[yellow]different people[/]"
    output.stdout.print(
        f"distance {comparison.distance:.4f}  similarity {comparison.similarity:.3f}  "
        f"threshold {comparison.threshold:.2f}  ->  {verdict}"
    )


def _print_analysis(analysis: FaceAnalysis) -> None:
    count = len(analysis.faces)
    output.stdout.print(
        f"[bold]{analysis.source}[/]  {analysis.size.width} x {analysis.size.height}  "
        f"{count} face{'' if count == 1 else 's'}",
        highlight=False,
    )
    if not count:
        return
    table = Table("face", "box (left, top, right, bottom)", "score", "eyes px", "sharpness", "brightness", "frontal")
    for face in analysis.faces:
        box, quality = face.box, face.quality
        table.add_row(
            str(face.index),
            f"{box.left}, {box.top}, {box.right}, {box.bottom}",
            f"{face.detection.score:.2f}",
            f"{quality.inter_ocular_px:.0f}",
            f"{quality.sharpness:.0f}",
            f"{quality.brightness:.2f}",
            f"{quality.frontalness:.2f}",
        )
    output.stdout.print(table)
