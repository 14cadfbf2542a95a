"""Choosing a deployment's threshold for a target number of false alerts per thousand faces seen.

A face that passes a watchlist camera is compared with every subject on the watchlist; it raises a false
alert when any of those comparisons matches. If one impostor comparison matches with probability FMR(T),
a passer-by in front of a watchlist of N subjects is falsely flagged with probability

    FPIR_N(T) = 1 - (1 - FMR(T)) ** N

(the comparisons treated as independent, which similar-looking subjects are not: more subjects who look
alike make it an underestimate). So a target of F false alerts per 1000 faces needs
FMR(T) <= 1 - (1 - F/1000) ** (1/N), and the threshold is read off the evaluation's impostor distances
like any FNMR-at-FMR point, and refused when those distances are too few to place it (fewer than
1 / FMR). The evaluation's own non-mated searches (a gallery of its identities less one) are reported at the
chosen threshold as an empirical check, with the miss rates that threshold costs.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from watchkeeper.errors import InputError
from watchkeeper.evaluation.face_size import minimum_face_size
from watchkeeper.evaluation.metrics import ScoreSet, error_curve, score_set, threshold_for_false_positive_rate
from watchkeeper.evaluation.report import REPORT_KIND

PER_THOUSAND = 1000.0


class CalibrationError(InputError):
    """The evaluation cannot support the requested false-alert rate (too few impostor pairs to measure it)."""

    code = "calibration_unsupported"


@dataclass(frozen=True, slots=True)
class EvaluationRecord:
    """An evaluation report read back: its distances, its summary and the SHA-256 of its bytes."""

    path: Path
    sha256: str
    summary: dict[str, Any]
    verification: ScoreSet
    identification: ScoreSet


@dataclass(frozen=True, slots=True)
class Calibration:
    """The threshold chosen for a false-alert target, and what the evaluation says it will cost."""

    target_false_alerts_per_thousand: float
    watchlist_subjects: int
    required_false_match_rate: float
    impostor_pairs: int
    threshold: float
    expected_false_alerts_per_thousand: float
    """From the observed FMR at the threshold through the formula above."""
    observed_false_match_rate: float
    false_non_match_rate: float
    non_mated_searches: int
    observed_false_positive_identification_rate: float | None
    false_negative_identification_rate: float | None
    report_sha256: str


def read_evaluation(path: Path) -> EvaluationRecord:
    """An evaluation report written by ``watchkeeper evaluate``; :class:`InputError` when it is not one."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(str(path), error.strerror or str(error)) from None
    try:
        document = json.loads(data)
        if document.get("kind") != REPORT_KIND:
            raise InputError(str(path), "not an evaluation report of watchkeeper evaluate")
        scores = document["scores"]
        summary = {k: v for k, v in document.items() if k not in ("scores", "kind", "report_version")}
        verification, identification = _score_set(scores["verification"]), _score_set(scores["identification"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise InputError(str(path), f"not a readable evaluation report ({error})") from None
    return EvaluationRecord(path, hashlib.sha256(data).hexdigest(), summary, verification, identification)


def calibrate(record: EvaluationRecord, false_alerts_per_thousand: float, watchlist_subjects: int) -> Calibration:
    """The largest threshold expected to raise at most the target false alerts per thousand faces seen by a
    watchlist of ``watchlist_subjects`` subjects (see the module docstring); :class:`CalibrationError` when
    the evaluation's impostor pairs are too few to place it."""
    if not 0.0 < false_alerts_per_thousand < PER_THOUSAND:
        raise ValueError(f"false alerts per thousand faces must be within (0, 1000), got {false_alerts_per_thousand}")
    if watchlist_subjects < 1:
        raise ValueError("a watchlist needs at least one subject")
    per_face = false_alerts_per_thousand / PER_THOUSAND
    required = 1.0 - (1.0 - per_face) ** (1.0 / watchlist_subjects)
    impostors = len(record.verification.negative)
    needed = math.ceil(1.0 / required - 1e-9)
    if impostors < needed:
        raise CalibrationError(
            str(record.path),
            f"{false_alerts_per_thousand:g} false alerts per 1000 faces with {watchlist_subjects} watchlist "
            f"subjects needs FMR <= {required:.2e}, which takes at least {needed} impostor pairs to measure; the "
            f"evaluation has {impostors}. Evaluate on more identities or choose a higher rate.",
        )
    curve = error_curve(record.verification)
    # Rounded down to six decimals for the record: a lower threshold can only flag fewer faces.
    threshold = math.floor(threshold_for_false_positive_rate(curve, required) * 1e6) / 1e6
    false_match, false_non_match = curve.at(threshold)
    identification = record.identification
    searched = len(identification.negative) > 0 and len(identification.positive) > 0
    fpir, fnir = error_curve(identification).at(threshold) if searched else (None, None)
    return Calibration(
        target_false_alerts_per_thousand=false_alerts_per_thousand,
        watchlist_subjects=watchlist_subjects,
        required_false_match_rate=required,
        impostor_pairs=impostors,
        threshold=threshold,
        expected_false_alerts_per_thousand=(1.0 - (1.0 - false_match) ** watchlist_subjects) * PER_THOUSAND,
        observed_false_match_rate=false_match,
        false_non_match_rate=false_non_match,
        non_mated_searches=len(identification.negative),
        observed_false_positive_identification_rate=fpir,
        false_negative_identification_rate=fnir,
        report_sha256=record.sha256,
    )


def _score_set(document: dict[str, list[float | None]]) -> ScoreSet:
    """Distances from a report (``null`` = never matches); owners are not kept, so no bootstrap is possible."""
    positive = [math.inf if v is None else float(v) for v in document["positive"]]
    negative = [math.inf if v is None else float(v) for v in document["negative"]]
    return score_set(
        positive, negative, np.zeros(len(positive), dtype=np.int64), np.zeros((len(negative), 2), dtype=np.int64), 1
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedFaceSize:
    """One face-size bucket of an evaluation report, as much of it as a minimum face size is chosen from."""

    floor: int
    true_accept_rate_at_threshold: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class MinimumFaceSize:
    """The minimum face size chosen for a target true accept rate, with the rate at the evaluated threshold."""

    target_true_accept_rate: float
    minimum_face_px: int | None
    """The inter-ocular floor from which every bucket meets the target; None when even the smallest faces do."""
    evaluated_threshold: float
    """The threshold the bucket rates were measured at (the evaluation's, not the calibrated one)."""


def choose_minimum_face_size(record: EvaluationRecord, target_true_accept_rate: float) -> MinimumFaceSize:
    """The deployment minimum face size that keeps the true accept rate at or above the target, from the
    report's accuracy by face size; :class:`CalibrationError` when the report has none, or no face size
    reaches the target."""
    path = str(record.path)
    try:
        buckets = [
            RecordedFaceSize(
                floor=int(b["floor"]), true_accept_rate_at_threshold=b.get("true_accept_rate_at_threshold")
            )
            for b in record.summary["face_sizes"]
        ]
        evaluated_threshold = float(record.summary["configuration"]["threshold"])
    except (KeyError, TypeError, ValueError):
        raise CalibrationError(
            path, "the report gives no accuracy by face size; evaluate again with this version"
        ) from None
    floor = minimum_face_size(buckets, target_true_accept_rate)
    if floor is None:
        raise CalibrationError(
            path, f"no face size in the evaluation reaches a true accept rate of {target_true_accept_rate:g}"
        )
    return MinimumFaceSize(
        target_true_accept_rate=target_true_accept_rate,
        minimum_face_px=floor or None,
        evaluated_threshold=evaluated_threshold,
    )
