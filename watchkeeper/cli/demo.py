"""``watchkeeper demo``: the engine run over a labelled folder of face images, end to end.

It shows, on real photographs, what the engine does: how many faces it finds against how many a person
sees, how often its same/different verdicts are wrong over every pair of single-person photos, and who it
proposes for each face in the group photos.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.progress import Progress
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
from watchkeeper.evaluation.labelled import LabelledFile, distinct, read_labels
from watchkeeper.evaluation.pairs import PairVerdicts, judge_all_pairs
from watchkeeper.face import FaceAnalysis, FaceEngine, face_distance, similarity_from_distance
from watchkeeper.face.descriptors import DESCRIPTOR_SIZE
from watchkeeper.face.detection import DEFAULT_MAX_DETECTION_SIDE

_STILL_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}


@dataclass(frozen=True, slots=True)
class _Proposal:
    source: str
    face: int
    candidate: str | None
    distance: float


def demo(
    data: Annotated[
        Path, typer.Argument(help="Folder with a labels.csv (file,identity,faces,sha256_16) and the images.")
    ],
    threshold: Threshold = DEFAULT_THRESHOLD,
    detector: Detector = DEFAULT_DETECTOR,
    upsample: Upsample = None,
    max_side: MaxSide = DEFAULT_MAX_DETECTION_SIDE,
    as_json: JsonOutput = False,
) -> None:
    """Run the engine over a labelled folder: face counts, pair verdict errors, and group-photo candidates."""
    try:
        labelled = [f for f in distinct(read_labels(data)) if f.path.suffix.lower() in _STILL_SUFFIXES]
    except InputError as error:
        output.fail(error, as_json)
    engine = make_engine(detector, upsample, max_side, as_json)
    try:
        analyses, failures = _analyse_all(engine, labelled)
    except WatchkeeperError as error:
        output.fail(error, as_json)

    singles = [(f, analyses[f.path]) for f in labelled if f.is_single_person and len(analyses[f.path].faces) == 1]
    identities = [f.identity for f, _ in singles]
    descriptors = (
        np.stack([a.faces[0].require_descriptor() for _, a in singles])
        if singles
        else np.empty((0, DESCRIPTOR_SIZE), dtype=np.float32)
    )
    verdicts = judge_all_pairs(identities, descriptors, threshold)
    proposals = [
        _propose(data, f, analyses[f.path], identities, descriptors, threshold)
        for f in labelled
        if f.path in analyses and not f.is_single_person
    ]
    if as_json:
        output.print_json(_demo_json(data, labelled, analyses, failures, verdicts, proposals))
    else:
        _print_demo(data, labelled, analyses, verdicts, proposals)
    if failures:
        raise typer.Exit(output.EXIT_BAD_INPUT)


def _analyse_all(engine: FaceEngine, labelled: list[LabelledFile]) -> tuple[dict[Path, FaceAnalysis], list[InputError]]:
    analyses: dict[Path, FaceAnalysis] = {}
    failures: list[InputError] = []
    with Progress(console=output.stderr, transient=True) as progress:
        for item in progress.track(labelled, description="Analysing images"):
            try:
                analyses[item.path] = engine.analyse_file(item.path)
            except InputError as error:
                failures.append(error)
                output.print_error(error)
    return analyses, failures


def _propose(
    data: Path,
    labelled: LabelledFile,
    analysis: FaceAnalysis,
    identities: list[str],
    descriptors: np.ndarray,
    threshold: float,
) -> list[_Proposal]:
    """For each face of a group photo, the nearest single-person photo's identity if within the threshold."""
    proposals = []
    for face in analysis.faces:
        distances = face_distance(descriptors, face.require_descriptor())
        best = int(np.argmin(distances)) if len(distances) else -1
        within = best >= 0 and distances[best] <= threshold
        proposals.append(
            _Proposal(
                source=str(labelled.path.relative_to(data)),
                face=face.index,
                candidate=identities[best] if within else None,
                distance=float(distances[best]) if best >= 0 else float("nan"),
            )
        )
    return proposals


def _demo_json(
    data: Path,
    labelled: list[LabelledFile],
    analyses: dict[Path, FaceAnalysis],
    failures: list[InputError],
    verdicts: PairVerdicts,
    proposals: list[list[_Proposal]],
) -> dict[str, Any]:
    return {
        "images": [
            {
                "source": str(f.path.relative_to(data)),
                "identity": f.identity,
                "expected_faces": f.expected_faces,
                "found_faces": len(analyses[f.path].faces),
            }
            for f in labelled
            if f.path in analyses
        ],
        "errors": [output.error_json(e) for e in failures],
        "verification": {
            "threshold": verdicts.threshold,
            "same_identity_pairs": verdicts.same_identity_pairs,
            "different_identity_pairs": verdicts.different_identity_pairs,
            "false_non_matches": verdicts.false_non_matches,
            "false_matches": verdicts.false_matches,
            "error_rate": verdicts.error_rate,
            "largest_same_identity_distance": round(verdicts.largest_same_identity_distance, 6),
            "smallest_different_identity_distance": round(verdicts.smallest_different_identity_distance, 6),
        },
        "group_candidates": [
            {
                "source": p.source,
                "face": p.face,
                "candidate": p.candidate,
                "distance": round(p.distance, 6),
                "similarity": round(similarity_from_distance(p.distance), 6),
            }
            for group in proposals
            for p in group
        ],
    }


def _print_demo(
    data: Path,
    labelled: list[LabelledFile],
    analyses: dict[Path, FaceAnalysis],
    verdicts: PairVerdicts,
    proposals: list[list[_Proposal]],
) -> None:
    faces = Table(title="Detection")
    faces.add_column("image", overflow="fold")
    faces.add_column("identity", overflow="fold")
    faces.add_column("faces expected")
    faces.add_column("faces found")
    for item in labelled:
        if item.path not in analyses:
            continue
        found = len(analyses[item.path].faces)
        mark = "" if item.expected_faces in (None, found) else " [red](differs)[/]"
        faces.add_row(str(item.path.relative_to(data)), item.identity, str(item.expected_faces), f"{found}{mark}")
    output.stdout.print(faces)

    output.stdout.print(
        f"\n[bold]Verification[/] at threshold {verdicts.threshold:.2f} over every pair of single-person photos: "
        f"{verdicts.same_identity_pairs} same-identity pairs, {verdicts.different_identity_pairs} different-identity "
        f"pairs; {verdicts.false_non_matches} false non-matches, {verdicts.false_matches} false matches; "
        f"error rate {verdicts.error_rate:.2%}. Least alike photos of one person: distance "
        f"{verdicts.largest_same_identity_distance:.3f}; most alike photos of two people: "
        f"{verdicts.smallest_different_identity_distance:.3f}.\n"
    )
    groups = Table(title="Group photos")
    groups.add_column("group photo", overflow="fold")
    for heading in ("face (left to right)", "nearest identity", "distance"):
        groups.add_column(heading)
    for group in proposals:
        for p in group:
            groups.add_row(p.source, str(p.face), p.candidate or "[dim]no match[/]", f"{p.distance:.3f}")
    output.stdout.print(groups)
    output.stdout.print(
        "[dim]Candidates are proposals for a person to review, never identifications.[/]", highlight=False
    )
