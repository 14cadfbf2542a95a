"""An evaluation written down: one JSON document (the record), a Markdown summary and the figures.

The JSON report holds every figure and the distances they were computed from, so a calibration can be
made from it later and anyone can recompute the figures; its SHA-256 identifies it in the audit log. The
summary (everything but the distances) is what the command prints and what calibration records.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from watchkeeper.evaluation.evaluate import Evaluation
from watchkeeper.evaluation.face_size import FaceSizeBucket
from watchkeeper.evaluation.metrics import ScoreSet
from watchkeeper.evaluation.plots import write_plots
from watchkeeper.evaluation.samples import SampleSet
from watchkeeper.evaluation.techniques import Figure, TechniqueComparison

REPORT_JSON = "report.json"
REPORT_MARKDOWN = "report.md"
REPORT_KIND = "watchkeeper.evaluation"
REPORT_VERSION = 1

INTERVALS_NOTE = (
    "95% intervals: Wilson score intervals for rates counted at the threshold (comparisons treated as "
    "independent, which pairs sharing a photo are not, so they are too narrow when few people dominate); "
    "percentile bootstrap over identities ({resamples} resamples, seed {seed}) for figures read off the curves "
    "(FNMR at FMR, FNIR at FPIR, EER, d')."
)


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    """What was evaluated: where the labels came from and what the engine made of them."""

    source: str
    listed_files: int
    acquired: int
    identities: int
    groups: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EngineSummary:
    """The configuration evaluated, as far as it changes the figures."""

    detector: str
    upsample: int | None
    network_backend: str


@dataclass(frozen=True, slots=True)
class WrittenReport:
    """Where the report went, and the SHA-256 of its JSON file."""

    json_path: Path
    markdown_path: Path
    plots: dict[str, Path]
    sha256: str


def summary_document(
    dataset: DatasetSummary,
    engine: EngineSummary,
    sample_set: SampleSet,
    evaluation: Evaluation,
    techniques: tuple[TechniqueComparison, ...],
    face_sizes: tuple[FaceSizeBucket, ...],
) -> dict[str, Any]:
    """Every figure of the evaluation, without the distances (see docs/cli.md for the shape)."""
    options = evaluation.options
    document: dict[str, Any] = _clean(
        {
            "dataset": {
                **dataclasses.asdict(dataset),
                "failures_to_acquire": [dataclasses.asdict(f) for f in sample_set.failures],
            },
            "configuration": {
                **dataclasses.asdict(engine),
                "threshold": options.threshold,
                "mirror_averaged": options.mirror_averaged,
                "enrolment_fusion": options.fusion.value,
                "min_quality": options.min_quality,
                "refused_probes": evaluation.refused_probes,
            },
            "intervals": INTERVALS_NOTE.format(resamples=options.resamples, seed=options.seed),
            "verification": dataclasses.asdict(evaluation.verification),
            "identification": dataclasses.asdict(evaluation.identification),
            "subgroups": [dataclasses.asdict(s) for s in evaluation.subgroups],
            "face_sizes": [dataclasses.asdict(b) for b in face_sizes],
            "techniques": [
                {
                    **dataclasses.asdict(t),
                    "figures": [_figure_json(f) for f in t.figures],
                }
                for t in techniques
            ],
        }
    )
    return document


def _figure_json(figure: Figure) -> dict[str, Any]:
    return {**dataclasses.asdict(figure), "difference": figure.difference}


def full_document(summary: dict[str, Any], evaluation: Evaluation) -> dict[str, Any]:
    """The summary with the distances it was computed from: the record a calibration reads."""
    return {
        "kind": REPORT_KIND,
        "report_version": REPORT_VERSION,
        **summary,
        "scores": {
            "verification": _scores(evaluation.verification_scores),
            "identification": _scores(evaluation.identification_scores),
        },
    }


def write_report(folder: Path, summary: dict[str, Any], evaluation: Evaluation) -> WrittenReport:
    """The JSON report, the Markdown summary and the plots, in ``folder`` (created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    plots = write_plots(
        folder, evaluation.verification_scores, evaluation.identification_scores, evaluation.options.threshold
    )
    data = (json.dumps(full_document(summary, evaluation), indent=1, allow_nan=False) + "\n").encode("utf-8")
    json_path = folder / REPORT_JSON
    json_path.write_bytes(data)
    markdown_path = folder / REPORT_MARKDOWN
    markdown_path.write_text(markdown(summary, {name: path.name for name, path in plots.items()}), encoding="utf-8")
    return WrittenReport(json_path, markdown_path, plots, hashlib.sha256(data).hexdigest())


def markdown(summary: dict[str, Any], plots: dict[str, str]) -> str:
    """A person's reading of the summary: tables of the figures, with counts and intervals."""
    dataset, configuration = summary["dataset"], summary["configuration"]
    verification, identification = summary["verification"], summary["identification"]
    lines = [
        "# Accuracy evaluation",
        "",
        f"Labelled set `{dataset['source']}`: {dataset['acquired']} faces of {dataset['identities']} identities "
        f"acquired; {len(dataset['failures_to_acquire'])} failures to acquire.",
        f"Configuration: detector {configuration['detector']}, network backend {configuration['network_backend']}, "
        f"threshold {configuration['threshold']}, mirror averaging {configuration['mirror_averaged']}, "
        f"enrolment fusion {configuration['enrolment_fusion']}, quality gate {configuration['min_quality']}.",
        "",
        summary["intervals"],
        "",
        "## Verification (1:1)",
        "",
        f"{verification['genuine_pairs']} genuine and {verification['impostor_pairs']} impostor pairs "
        f"({verification['pairs_source'].replace('_', ' ')}).",
        "",
        "| figure | value | 95% interval | counts |",
        "| --- | --- | --- | --- |",
        _rate_row("FNMR at threshold", verification["false_non_match"]),
        _rate_row("FMR at threshold", verification["false_match"]),
        *(_point_row("FNMR", "FMR", p) for p in verification["operating_points"]),
        _figure_row("EER", verification["equal_error_rate"], verification["equal_error_rate_interval"]),
        _figure_row("d'", verification["decidability"], verification["decidability_interval"]),
        _figure_row(
            "separation margin", verification["separation_margin"], None, "smallest impostor minus largest genuine"
        ),
        "",
        "## Open-set identification (1:N, leave-out searches)",
        "",
        f"{identification['mated_searches']} mated and {identification['non_mated_searches']} non-mated searches of "
        f"a gallery of {identification['gallery_identities']} identities, enrolment fusion {identification['fusion']}.",
        "",
        "| figure | value | 95% interval | counts |",
        "| --- | --- | --- | --- |",
        _rate_row("rank-one identification rate", identification["rank_one"], successes=True),
        _rate_row("FNIR at threshold", identification["false_negative_identification"]),
        _rate_row("FPIR at threshold", identification["false_positive_identification"]),
        *(_point_row("FNIR", "FPIR", p) for p in identification["operating_points"]),
        _figure_row("d'", identification["decidability"], None),
        "",
    ]
    if summary["subgroups"]:
        lines += ["## Subgroups (verification within each group, at the threshold)", "",
                  "| group | identities | faces | FNMR | FMR |", "| --- | --- | --- | --- | --- |"]  # fmt: skip
        lines += [
            f"| {g['group']} | {g['identities']} | {g['samples']} | {_counts(g['false_non_match'])} | "
            f"{_counts(g['false_match'])} |"
            for g in summary["subgroups"]
        ]
        lines.append("")
    lines += _face_size_lines(summary["face_sizes"])
    lines += ["## Quality-aware techniques", "", "| technique | helps | verdict | key differences |",
              "| --- | --- | --- | --- |"]  # fmt: skip
    for technique in summary["techniques"]:
        changed = [
            f"{f['name']} {_number(f['without'])} → {_number(f['with_technique'])}"
            for f in technique["figures"]
            if f["difference"] not in (None, 0.0)
        ]
        lines.append(
            f"| {technique['technique']} | {'yes' if technique['helps'] else 'no'} | {technique['verdict']} | "
            f"{'; '.join(changed) or 'no change'} |"
        )
    lines += ["", "## Figures", "", *(f"![{name}]({path})" for name, path in plots.items()), ""]
    return "\n".join(lines)


def _face_size_lines(buckets: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## Verification by face size (the smaller inter-ocular distance of each pair, in pixels)",
        "",
        "| inter-ocular px | genuine pairs | impostor pairs | TAR at FAR = 0.01 | TAR at threshold | "
        "FMR at threshold |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for bucket in buckets:
        at_far = _face_size_at_far(bucket)
        false_non_match = bucket["false_non_match"]
        at_threshold = (
            "n/a"
            if false_non_match["interval"] is None
            else f"{_number(bucket['true_accept_rate_at_threshold'])} "
            f"({_number(1.0 - false_non_match['interval']['high'])} to "
            f"{_number(1.0 - false_non_match['interval']['low'])})"
        )
        false_match = bucket["false_match"]
        fmr = (
            "no impostor pairs"
            if false_match["interval"] is None
            else f"{_counts(false_match)} ({_interval(false_match['interval'])})"
        )
        lines.append(
            f"| {bucket['label']} | {bucket['genuine_pairs']} | {bucket['impostor_pairs']} | {at_far} | "
            f"{at_threshold} | {fmr} |"
        )
    return [*lines, ""]


def _face_size_at_far(bucket: dict[str, Any]) -> str:
    point = bucket["at_far_0_01"]
    if point["supported"]:
        return _number(bucket["true_accept_rate_at_far_0_01"])
    if bucket["impostor_pairs"] == 0:
        return "no impostor pairs"
    if bucket["impostor_pairs"] < point["negatives_needed"]:
        return f"not supported (needs {point['negatives_needed']} impostor pairs, has {bucket['impostor_pairs']})"
    return "no genuine pairs"


def _rate_row(name: str, rate: dict[str, Any], successes: bool = False) -> str:
    counts = f"{rate['errors']} of {rate['trials']}" + (" succeeded" if successes else " wrong")
    return f"| {name} | {_number(rate['rate'])} | {_interval(rate['interval'])} | {counts} |"


def _figure_row(name: str, value: float | None, interval: dict[str, Any] | None, note: str = "") -> str:
    return f"| {name} | {_number(value)} | {_interval(interval)} | {note} |"


def _point_row(negative_name: str, positive_name: str, point: dict[str, Any]) -> str:
    name = f"{negative_name} at {positive_name} = {point['target']:g}"
    if not point["supported"]:
        return (
            f"| {name} | not supported | | needs {point['negatives_needed']} non-matching comparisons, "
            f"have {point['negatives']} |"
        )
    return (
        f"| {name} | {_number(point['false_negative_rate'])} | {_interval(point['interval'])} | "
        f"threshold {point['threshold']:.4f}, observed {positive_name} {point['false_positive_rate']:.4g} |"
    )


def _counts(rate: dict[str, Any]) -> str:
    return f"{_number(rate['rate'])} ({rate['errors']}/{rate['trials']})"


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4g}"


def _interval(interval: dict[str, Any] | None) -> str:
    return "" if interval is None else f"{_number(interval['low'])} to {_number(interval['high'])}"


def _scores(scores: ScoreSet) -> dict[str, list[float | None]]:
    """Distances as JSON numbers; ``null`` for a comparison that could never match (infinite)."""
    return {"positive": _finite_or_none(scores.positive), "negative": _finite_or_none(scores.negative)}


def _finite_or_none(values: np.ndarray) -> list[float | None]:
    return [round(float(v), 6) if math.isfinite(v) else None for v in values]


def _clean(value: Any) -> Any:
    """JSON-ready: NaN and infinities as null, tuples as lists, enums as their values."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, np.floating | np.integer):
        return _clean(value.item())
    if hasattr(value, "value") and isinstance(value.value, str):
        return value.value
    return value
