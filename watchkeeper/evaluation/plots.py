"""The report's figures: DET curves and score distributions, drawn with matplotlib without a display.

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot, no global state), so drawing
is safe in a server or a test run.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from watchkeeper.evaluation.metrics import ErrorCurve, ScoreSet, error_curve

DET_PLOT = "det.png"
SCORES_PLOT = "scores.png"


def write_plots(folder: Path, verification: ScoreSet, identification: ScoreSet, threshold: float) -> dict[str, Path]:
    """Both figures written into ``folder``; returns their paths by name."""
    folder.mkdir(parents=True, exist_ok=True)
    det = folder / DET_PLOT
    _det_figure(error_curve(verification), error_curve(identification), verification, identification).savefig(
        det, dpi=120
    )
    scores = folder / SCORES_PLOT
    _score_figure(verification, identification, threshold).savefig(scores, dpi=120)
    return {"det": det, "scores": scores}


def _det_figure(
    verification: ErrorCurve, identification: ErrorCurve, verification_scores: ScoreSet, identification_scores: ScoreSet
) -> Figure:
    """False-negative against false-positive rate, the latter on a log axis from one comparison upwards.

    A rate of exactly zero cannot sit on a log axis; false-positive rates of zero are drawn at half of
    one comparison's share (marked in the legend), where the data says nothing finer.
    """
    figure = Figure(figsize=(6.4, 4.8), layout="constrained")
    axes = figure.add_subplot()
    for curve, scores, label in (
        (verification, verification_scores, "verification: FNMR vs FMR"),
        (identification, identification_scores, "identification: FNIR vs FPIR"),
    ):
        floor = 0.5 / max(len(scores.negative), 1)
        axes.step(
            np.maximum(curve.false_positive_rates, floor),
            curve.false_negative_rates,
            where="post",
            label=f"{label} (FP rate 0 drawn at {floor:.1e})",
        )
    axes.set_xscale("log")
    axes.set_xlabel("false positive rate (FMR, FPIR)")
    axes.set_ylabel("false negative rate (FNMR, FNIR)")
    axes.set_title("DET curves")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize="small")
    return figure


def _score_figure(verification: ScoreSet, identification: ScoreSet, threshold: float) -> Figure:
    figure = Figure(figsize=(9.6, 4.0), layout="constrained")
    left, right = figure.subplots(1, 2, sharex=True)
    for axes, scores, names, title in (
        (left, verification, ("genuine pairs", "impostor pairs"), "verification distances"),
        (right, identification, ("mated searches (mate ranked first)", "non-mated searches"), "identification"),
    ):
        positive = scores.positive[np.isfinite(scores.positive)]
        negative = scores.negative[np.isfinite(scores.negative)]
        bins = np.linspace(0.0, 1.2, 61)
        axes.hist(positive, bins=bins, density=True, alpha=0.6, label=f"{names[0]} ({len(positive)})")
        axes.hist(negative, bins=bins, density=True, alpha=0.6, label=f"{names[1]} ({len(negative)})")
        axes.axvline(threshold, color="black", linestyle="--", label=f"threshold {threshold:.3f}")
        axes.set_xlabel("distance")
        axes.set_title(title)
        axes.legend(fontsize="small")
    left.set_ylabel("density")
    return figure
