"""A small labelled set of faces to match against: a watchlist's entries, or one probe in footage search."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from watchkeeper.matching.base import SearchResult
from watchkeeper.matching.exact import ExactIndex


@dataclass(frozen=True, slots=True, eq=False)
class LabelledIndex:
    """Rows of an exact index, each labelled with who it is (several rows may share one label)."""

    index: ExactIndex
    labels: Mapping[int, str]

    @classmethod
    def of(cls, ids: NDArray[np.int64], vectors: NDArray[np.float32], labels: Mapping[int, str]) -> LabelledIndex:
        """An index of ``vectors`` under ``ids``; every id needs a label."""
        missing = [int(i) for i in ids if int(i) not in labels]
        if missing:
            raise ValueError(f"ids without a label: {missing[:5]}")
        index = ExactIndex()
        index.add(ids, vectors)
        return cls(index, dict(labels))

    def nearest(self, descriptors: NDArray[np.float32]) -> SearchResult:
        """The single nearest row for each descriptor (``(n, 128)`` in, ids and distances ``(n, 1)`` out)."""
        return self.index.search(descriptors, 1)
