"""Charts for the reports, drawn by matplotlib into PNG bytes (no display, no global pyplot state)."""

from __future__ import annotations

import io

from matplotlib.figure import Figure


def stacked_bars(title: str, labels: list[str], series: dict[str, list[float]], unit: str) -> bytes:
    """One bar per label, stacked by series (e.g. alert outcomes per deployment); a PNG at print size."""
    figure = Figure(figsize=(7.0, 3.2), dpi=150, layout="constrained")
    axes = figure.add_subplot()
    bottoms = [0.0] * len(labels)
    for name, values in series.items():
        axes.bar(labels, values, bottom=bottoms, label=name)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.set_title(title)
    axes.set_ylabel(unit)
    axes.tick_params(axis="x", labelrotation=20)
    if len(series) > 1:
        axes.legend(fontsize="small")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
