"""``watchkeeper evaluate``, ``watchkeeper degrade`` and ``watchkeeper calibrate``: accuracy measured on labelled
data (clean, or degraded as CCTV degrades a face), and a deployment's threshold chosen from that measurement, on
the record."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import Progress

from watchkeeper.cli import output
from watchkeeper.cli.governance_commands import Reason, User
from watchkeeper.cli.governed import governed
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
from watchkeeper.evaluation.calibration import calibrate, choose_minimum_face_size, read_evaluation
from watchkeeper.evaluation.degrade import (
    DEFAULT_FACE_WIDTHS,
    Degradation,
    DegradationReport,
    VerificationFigures,
    compare_clean_and_degraded,
    engine_describer,
    write_degraded_copies,
)
from watchkeeper.evaluation.evaluate import MatchingOptions, evaluate
from watchkeeper.evaluation.face_size import face_size_buckets
from watchkeeper.evaluation.labelled import LabelledFile, distinct, read_labelled_set
from watchkeeper.evaluation.metrics import DEFAULT_BOOTSTRAP_RESAMPLES
from watchkeeper.evaluation.pairs import read_pairs_file
from watchkeeper.evaluation.report import DatasetSummary, EngineSummary, summary_document, write_report
from watchkeeper.evaluation.samples import SampleSet, describe
from watchkeeper.evaluation.techniques import compare_techniques
from watchkeeper.face import EngineOptions
from watchkeeper.face.detection import DEFAULT_MAX_DETECTION_SIDE
from watchkeeper.governance import deployments, users
from watchkeeper.matching.fusion import EnrolmentFusion

DEFAULT_REPORT_FOLDER = Path("evaluation-report")


def evaluate_command(
    data: Annotated[
        Path,
        typer.Argument(
            help="A labels CSV (file,identity[,faces,sha256_16,group]), a folder holding labels.csv, "
            "or a folder with one folder of photos per identity."
        ),
    ],
    pairs: Annotated[
        Path | None, typer.Option("--pairs", help="An LFW-style pairs file: verify these pairs, not every pair.")
    ] = None,
    report: Annotated[Path, typer.Option("--output", help="Folder for report.json, report.md and the plots.")] = (
        DEFAULT_REPORT_FOLDER
    ),
    threshold: Threshold = DEFAULT_THRESHOLD,
    detector: Detector = DEFAULT_DETECTOR,
    upsample: Upsample = None,
    max_side: MaxSide = DEFAULT_MAX_DETECTION_SIDE,
    mirror: Annotated[
        bool, typer.Option("--mirror/--no-mirror", help="Average each descriptor with its mirror image's.")
    ] = EngineOptions().mirror_averaging,
    fusion: Annotated[
        EnrolmentFusion, typer.Option("--fusion", help="Score a subject's photos by the nearest or their mean.")
    ] = EnrolmentFusion.NEAREST,
    min_quality: Annotated[
        float | None, typer.Option("--min-quality", min=0.0, max=1.0, help="Refuse probes below this shot quality.")
    ] = None,
    resamples: Annotated[
        int, typer.Option("--bootstrap", min=0, help="Bootstrap resamples over identities (0: no intervals).")
    ] = DEFAULT_BOOTSTRAP_RESAMPLES,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap.")] = 0,
    as_json: JsonOutput = False,
) -> None:
    """Measure verification and open-set identification accuracy on labelled photos, with intervals."""
    try:
        files = distinct(read_labelled_set(data))
        listed = tuple(read_pairs_file(pairs)) if pairs is not None else None
    except InputError as error:
        output.fail(error, as_json)
    engine = make_engine(detector, upsample, max_side, as_json, descriptors=False)
    try:
        sample_set = _describe(engine, files)
        options = MatchingOptions(threshold, mirror, fusion, min_quality, resamples, seed, listed)
        evaluation = evaluate(sample_set, options)
    except WatchkeeperError as error:
        output.fail(error, as_json)
    dataset = DatasetSummary(str(data), len(files), evaluation.samples, evaluation.identities, _groups(sample_set))
    engine_summary = EngineSummary(detector.value, upsample, engine.settings.network_backend.value)
    techniques = compare_techniques(sample_set, options)
    summary = summary_document(
        dataset, engine_summary, sample_set, evaluation, techniques, face_size_buckets(sample_set, evaluation)
    )
    written = write_report(report, summary, evaluation)
    document = {
        "evaluation": summary,
        "report": {
            "json": str(written.json_path),
            "markdown": str(written.markdown_path),
            "plots": {name: str(path) for name, path in written.plots.items()},
            "sha256": written.sha256,
        },
    }
    output.emit(as_json, document, _evaluation_message(summary, written.markdown_path))


def _describe(engine: Any, files: list[LabelledFile]) -> SampleSet:
    with Progress(console=output.stderr, transient=True) as progress:
        task = progress.add_task("Describing faces", total=len(files))
        return describe(engine, files, lambda _: progress.advance(task))


def _groups(sample_set: SampleSet) -> tuple[str, ...]:
    return tuple(sorted({s.group for s in sample_set.samples if s.group is not None}))


def _evaluation_message(summary: dict[str, Any], markdown_path: Path) -> str:
    verification, identification = summary["verification"], summary["identification"]
    points = ", ".join(
        f"FNMR@FMR={p['target']:g}: " + (f"{p['false_negative_rate']:.4f}" if p["supported"] else "not supported")
        for p in verification["operating_points"]
    )
    helps = [t["technique"] for t in summary["techniques"] if t["helps"]]
    by_size = ", ".join(
        f"{b['label']} "
        + ("n/a" if b["true_accept_rate_at_threshold"] is None else f"{b['true_accept_rate_at_threshold']:.3f}")
        for b in summary["face_sizes"]
    )
    return (
        f"{summary['dataset']['acquired']} faces of {summary['dataset']['identities']} identities; "
        f"{verification['genuine_pairs']} genuine / {verification['impostor_pairs']} impostor pairs. {points}; "
        f"EER {verification['equal_error_rate']}; rank-1 {identification['rank_one']['rate']}; "
        f"FNIR {identification['false_negative_identification']['rate']} and FPIR "
        f"{identification['false_positive_identification']['rate']} at threshold "
        f"{summary['configuration']['threshold']}. "
        f"TAR at threshold by inter-ocular px: {by_size}. "
        f"Techniques that help: {', '.join(helps) or 'none'}. Report: {markdown_path}"
    )


def calibrate_command(
    evaluation_report: Annotated[Path, typer.Argument(help="report.json written by `watchkeeper evaluate`.")],
    deployment: Annotated[str, typer.Option("--deployment", help="An authorised deployment that has not run yet.")],
    false_alerts: Annotated[
        float,
        typer.Option("--false-alerts-per-1000", min=0.0, help="Target false alerts per thousand faces seen."),
    ],
    reason: Reason,
    user: User,
    minimum_face_tar: Annotated[
        float | None,
        typer.Option(
            "--minimum-face-tar",
            min=0.0,
            max=1.0,
            help="Also set the deployment's minimum face size: the smallest inter-ocular size from which the "
            "evaluation's true accept rate (at its threshold) is at least this in every larger size.",
        ),
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """Set a deployment's threshold for a target false-alert rate (and, with --minimum-face-tar, its minimum
    face size), from an evaluation, with the evidence audited."""
    try:
        record = read_evaluation(evaluation_report)
        minimum = None if minimum_face_tar is None else choose_minimum_face_size(record, minimum_face_tar)
    except InputError as error:
        output.fail(error, as_json)
    with governed(as_json) as gov:
        actor = users.resolve_actor(gov, user)
        subjects = deployments.watchlist_subjects(gov, actor, deployment)
        calibration = calibrate(record, false_alerts, subjects)
        evidence = {
            **{k: v for k, v in asdict(calibration).items() if k != "report_sha256"},
            **({"minimum_face_size": asdict(minimum)} if minimum is not None else {}),
            "report_sha256": record.sha256,
            "evaluation_summary": record.summary,
        }
        previous = deployments.calibrate_deployment(
            gov,
            actor,
            deployment,
            threshold=calibration.threshold,
            minimum_face_px=minimum.minimum_face_px if minimum is not None else None,
            reason=reason,
            evidence=evidence,
        )
    document = {
        "calibration": {
            "deployment": deployment,
            "previous_threshold": previous,
            **asdict(calibration),
            "minimum_face_size": asdict(minimum) if minimum is not None else None,
        }
    }
    message = (
        f"{deployment}: threshold {previous} -> {calibration.threshold} for at most {false_alerts:g} false alerts per "
        f"1000 faces ({subjects} watchlist subjects; expected {calibration.expected_false_alerts_per_thousand:.3g}); "
        f"it misses {calibration.false_non_match_rate:.2%} of genuine pairs in the evaluation"
    )
    if minimum is not None:
        message += (
            f"; minimum face size {minimum.minimum_face_px or 'none'} inter-ocular px for a true accept rate of "
            f"{minimum.target_true_accept_rate:g} (measured at threshold {minimum.evaluated_threshold})"
        )
    output.emit(as_json, document, message)


def degrade_command(
    data: Annotated[
        Path, typer.Argument(help="A labelled set, as `evaluate` reads it: a labels CSV or a folder holding one.")
    ],
    output_folder: Annotated[
        Path, typer.Argument(help="A new (or empty) folder for the copies, one w<width>/ folder per face width.")
    ],
    face_widths: Annotated[
        list[int] | None,
        typer.Option("--face-width", help="A face width in pixels (repeat for several) [default: 60, 40, 28]."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed of every random draw: the same seed, the same copies.")] = 0,
    threshold: Threshold = DEFAULT_THRESHOLD,
    detector: Detector = DEFAULT_DETECTOR,
    upsample: Upsample = None,
    as_json: JsonOutput = False,
) -> None:
    """Write a CCTV-like degraded copy of a labelled set at each face width, and report clean-versus-degraded
    verification (each degraded face against the clean photos of other sources)."""
    try:
        degradation = Degradation(face_widths=tuple(face_widths or DEFAULT_FACE_WIDTHS), seed=seed)
        files = distinct(read_labelled_set(data))
    except InputError as error:
        output.fail(error, as_json)
    engine = make_engine(detector, upsample, DEFAULT_MAX_DETECTION_SIDE, as_json, descriptors=False)
    try:
        copies = write_degraded_copies(files, output_folder, engine, degradation)
        copy_files = [(s.face_width, distinct(read_labelled_set(s.folder))) for s in copies.sets]
        with Progress(console=output.stderr, transient=True) as progress:
            task = progress.add_task("Describing faces", total=len(files) + sum(len(f) for _, f in copy_files))
            describer = engine_describer(engine, lambda _: progress.advance(task))
            report = compare_clean_and_degraded(describer, files, copy_files, threshold)
    except WatchkeeperError as error:
        output.fail(error, as_json)
    document = {
        "degradation": {
            "source": str(data),
            "output": str(output_folder),
            "detector": detector.value,
            "ranges": asdict(degradation),
            "sets": [
                {"face_width": s.face_width, "folder": str(s.folder), "images": len(s.images)} for s in copies.sets
            ],
            "skipped": [asdict(s) for s in copies.skipped],
        },
        "verification": asdict(report),
    }
    output.emit(as_json, document, _degradation_message(report))


def _degradation_message(report: DegradationReport) -> str:
    def line(name: str, figures: VerificationFigures) -> str:
        return (
            f"{name}: {figures.faces_detected}/{figures.faces_labelled} faces detected, "
            f"TAR {figures.true_accept_rate_at_far_0_01} at FAR 0.01, {figures.true_accept_rate_at_threshold} "
            f"at threshold {report.threshold:g} (FAR {figures.false_accept_rate_at_threshold})"
        )

    lines = [line("clean", report.clean)]
    lines += [line(f"{d.face_width} px, against clean", d.figures) for d in report.degraded]
    return "\n".join(lines)
