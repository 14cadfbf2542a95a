"""Does a quality-aware technique help? Each one measured against the same faces matched without it.

Techniques compared (each against the configuration being evaluated, with only that one thing changed):

- ``mirror_averaging``: horizontal-flip test-time augmentation, the mean of a chip's and its mirror image's
  descriptors (:class:`watchkeeper.face.descriptors.MirrorAveragedBackend`);
- ``mean_template``: a subject's several enrolment photos fused into one mean descriptor rather than
  scored by the nearest photo (:class:`watchkeeper.matching.fusion.EnrolmentFusion`);
- ``quality_gating``: probes whose shot quality is in the lowest tenth refused (scored as misses).

The rule for "helps", stated so a reader can disagree with it: the technique must not raise any error
rate at the operating points the counts support, and must raise the decidability d' with the bootstrap
interval of the paired difference (the same identities resampled for both) above zero. Quality gating
cannot be judged by d' (it removes the hard probes it is tested on), so it helps only if it lowers the
false negative identification rate at a supported operating point, refused probes counted as misses.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

from watchkeeper.evaluation.evaluate import Evaluation, MatchingOptions, evaluate
from watchkeeper.evaluation.metrics import OperatingPoint, decidability, paired_difference_interval
from watchkeeper.evaluation.samples import SampleSet
from watchkeeper.matching.fusion import EnrolmentFusion
from watchkeeper.types import Interval

GATED_SHARE = 0.1
"""Share of probes (the lowest shot quality) that quality gating refuses in the comparison."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure with and without the technique."""

    name: str
    without: float | None
    with_technique: float | None

    @property
    def difference(self) -> float | None:
        if self.without is None or self.with_technique is None:
            return None
        return self.with_technique - self.without


@dataclass(frozen=True, slots=True)
class TechniqueComparison:
    """What one technique changes, and whether it helps by the rule in the module docstring."""

    technique: str
    description: str
    figures: tuple[Figure, ...]
    decidability_difference_interval: Interval | None
    helps: bool
    verdict: str


def compare_techniques(sample_set: SampleSet, options: MatchingOptions) -> tuple[TechniqueComparison, ...]:
    """Each technique against ``options`` with that technique turned the other way."""
    quick = dataclasses.replace(options, resamples=0)
    plain = dataclasses.replace(quick, mirror_averaged=False, fusion=EnrolmentFusion.NEAREST, min_quality=None)
    qualities = np.array([s.shot_quality for s in sample_set.samples])
    gate = float(np.quantile(qualities, GATED_SHARE)) if len(qualities) else 0.0
    return (
        _compare(
            sample_set,
            options,
            plain,
            dataclasses.replace(plain, mirror_averaged=True),
            "mirror_averaging",
            "descriptor = mean of the chip's and its mirror image's (doubles the network's work per face)",
        ),
        _compare(
            sample_set,
            options,
            plain,
            dataclasses.replace(plain, fusion=EnrolmentFusion.MEAN),
            "mean_template",
            "a subject's enrolment photos fused into their mean descriptor instead of the nearest photo",
        ),
        _compare(
            sample_set,
            options,
            plain,
            dataclasses.replace(plain, min_quality=gate),
            "quality_gating",
            f"probes with shot quality below {gate:.3f} (the lowest {GATED_SHARE:.0%}) refused, counted as misses",
        ),
    )


def _compare(
    sample_set: SampleSet,
    options: MatchingOptions,
    without: MatchingOptions,
    with_technique: MatchingOptions,
    name: str,
    description: str,
) -> TechniqueComparison:
    before = evaluate(sample_set, without)
    after = evaluate(sample_set, with_technique)
    figures = _figures(before, after)
    gating = with_technique.min_quality is not None
    interval = None
    if not gating and options.resamples:
        verification = name != "mean_template"
        first = before.verification_scores if verification else before.identification_scores
        second = after.verification_scores if verification else after.identification_scores
        interval = paired_difference_interval(first, second, decidability, options.resamples, options.seed)
    error_differences = [f.difference for f in figures if f.name.startswith(("fnmr", "fnir", "fmr", "fpir"))]
    no_worse = all(d is None or d <= 0 for d in error_differences)
    if gating:
        helps = no_worse and any(d is not None and d < 0 for d in error_differences)
        verdict = (
            "helps: fewer misses at the supported operating points"
            if helps
            else "does not help: refusing probes adds misses and removes no error at the supported points"
        )
    else:
        separates = interval is not None and interval.low > 0
        helps = no_worse and separates
        verdict = _verdict(no_worse, separates, interval)
    return TechniqueComparison(name, description, figures, interval, helps, verdict)


def _verdict(no_worse: bool, separates: bool, interval: Interval | None) -> str:
    if not no_worse:
        return "does not help: it raises an error rate"
    if interval is None:
        return "not judged: no bootstrap was run"
    if separates:
        return (
            f"helps: d' rises (95% interval of the rise {interval.low:.3f} to {interval.high:.3f}), no error rate rises"
        )
    return f"not shown to help: the rise in d' is within chance ({interval.low:.3f} to {interval.high:.3f})"


def _figures(before: Evaluation, after: Evaluation) -> tuple[Figure, ...]:
    figures = [
        Figure("fnmr_at_threshold", before.verification.false_non_match.rate, after.verification.false_non_match.rate),
        Figure("fmr_at_threshold", before.verification.false_match.rate, after.verification.false_match.rate),
        *_point_figures("fnmr_at_fmr", before.verification.operating_points, after.verification.operating_points),
        Figure(
            "fnir_at_threshold",
            before.identification.false_negative_identification.rate,
            after.identification.false_negative_identification.rate,
        ),
        Figure(
            "fpir_at_threshold",
            before.identification.false_positive_identification.rate,
            after.identification.false_positive_identification.rate,
        ),
        *_point_figures("fnir_at_fpir", before.identification.operating_points, after.identification.operating_points),
        Figure("verification_decidability", before.verification.decidability, after.verification.decidability),
        Figure("identification_decidability", before.identification.decidability, after.identification.decidability),
        Figure("verification_margin", before.verification.separation_margin, after.verification.separation_margin),
        Figure(
            "identification_margin", before.identification.separation_margin, after.identification.separation_margin
        ),
    ]
    return tuple(f for f in figures if not _both_missing(f))


def _point_figures(name: str, before: tuple[OperatingPoint, ...], after: tuple[OperatingPoint, ...]) -> list[Figure]:
    return [
        Figure(f"{name}_{b.target:g}", b.false_negative_rate, a.false_negative_rate)
        for b, a in zip(before, after, strict=True)
        if b.supported and a.supported
    ]


def _both_missing(figure: Figure) -> bool:
    return all(v is None or (isinstance(v, float) and math.isnan(v)) for v in (figure.without, figure.with_technique))
