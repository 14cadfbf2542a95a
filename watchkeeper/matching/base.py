"""What every vector index shares: the interface, the result type, input checks and the final ranking.

Both indexes end a search the same way (:func:`rank_candidates`): the distances of a small candidate set are
recomputed in float64 from the stored float32 descriptors and sorted by (distance, id). So the two indexes
report the same distance, to the bit, for the same enrolled face, and equal distances always come out in
the same order, whichever index, thread count or insertion order produced them.
"""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from watchkeeper.errors import WatchkeeperError

PAD_ID = -1
"""The id in a result slot that holds no face (the index had fewer than ``k`` faces)."""

Ids = NDArray[np.int64]
Vectors = NDArray[np.float32]


class IndexKind(enum.StrEnum):
    """Which search structure a gallery uses; the value is what the database and the file header store."""

    EXACT = "exact"
    APPROXIMATE = "approximate"


class IndexFileError(WatchkeeperError):
    """A persisted index is missing, truncated, corrupt or not an index file: rebuild it from the database."""

    code = "index_unreadable"

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(f"{os.fspath(path)}: {reason}")
        self.path = os.fspath(path)
        self.reason = reason


class DuplicateIdError(WatchkeeperError, ValueError):
    """An id being added is already in the index, or given twice in one call; nothing was added."""

    code = "duplicate_id"

    def __init__(self, ids: list[int]) -> None:
        shown = ", ".join(str(i) for i in ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
        super().__init__(f"id(s) already present in the index or repeated in the call: {shown}")
        self.ids = ids


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The ``k`` nearest enrolled faces of each query, nearest first (ties by smaller id).

    ``ids`` is int64 ``(q, k)`` and ``distances`` float32 ``(q, k)``, Euclidean (not squared), the scale on
    which dlib's 0.6 same-person threshold applies. A slot with no face holds id ``-1`` and distance ``inf``:
    searching an index with fewer than ``k`` faces pads rather than fails, so callers need no special case
    for a small or empty gallery.
    """

    ids: Ids
    distances: NDArray[np.float32]

    def hits(self, row: int = 0) -> list[tuple[int, float]]:
        """The (id, distance) pairs of query ``row``, without padding."""
        keep = self.ids[row] != PAD_ID
        return [(int(i), float(d)) for i, d in zip(self.ids[row][keep], self.distances[row][keep], strict=True)]


class VectorIndex(Protocol):
    """A set of (id, descriptor) pairs searchable by Euclidean distance.

    Ids are non-negative integers (database row ids), unique within an index. Implementations check their
    inputs and raise :class:`ValueError` naming the expected and actual shape or dtype, and
    :class:`DuplicateIdError` for an id already present; a failed call changes nothing.
    """

    @property
    def kind(self) -> IndexKind: ...

    @property
    def dim(self) -> int: ...

    def add(self, ids: Ids, vectors: Vectors) -> None: ...

    def remove(self, ids: Ids) -> int: ...

    def search(self, queries: Vectors, k: int) -> SearchResult: ...

    def __len__(self) -> int: ...

    def ids(self) -> Ids: ...

    def save(self, path: str | os.PathLike[str], fingerprint: str = "") -> None: ...


def check_ids(ids: object, name: str = "ids") -> Ids:
    """``ids`` as a 1-D int64 array; integer dtypes that convert without loss are accepted."""
    if not isinstance(ids, np.ndarray):
        raise ValueError(f"{name}: expected a numpy array of int64, got {type(ids).__name__}")
    if ids.ndim != 1:
        raise ValueError(f"{name}: expected shape (n,), got {ids.shape}")
    if ids.dtype.kind not in "iu" or not np.can_cast(ids.dtype, np.int64, "safe"):
        raise ValueError(f"{name}: expected dtype int64, got {ids.dtype}")
    out = ids.astype(np.int64, copy=False)
    if out.size and int(out.min()) < 0:
        raise ValueError(f"{name}: ids must be non-negative (-1 marks an empty result slot), got {int(out.min())}")
    return out


def check_vectors(vectors: object, dim: int, rows: int | None = None, name: str = "vectors") -> Vectors:
    """``vectors`` as a C-contiguous finite float32 ``(n, dim)`` array (``rows`` fixes ``n``)."""
    if not isinstance(vectors, np.ndarray):
        raise ValueError(f"{name}: expected a numpy array of float32, got {type(vectors).__name__}")
    if vectors.dtype != np.float32:
        raise ValueError(f"{name}: expected dtype float32, got {vectors.dtype}")
    expected = f"({rows if rows is not None else 'n'}, {dim})"
    if vectors.ndim != 2 or vectors.shape[1] != dim or (rows is not None and vectors.shape[0] != rows):
        raise ValueError(f"{name}: expected shape {expected}, got {vectors.shape}")
    if not np.isfinite(vectors).all():
        raise ValueError(f"{name}: every value must be finite (no NaN or infinity)")
    return np.ascontiguousarray(vectors)


def check_queries(queries: object, dim: int) -> Vectors:
    """Queries as ``(q, dim)`` float32: one ``(dim,)`` descriptor becomes a batch of one."""
    if isinstance(queries, np.ndarray) and queries.ndim == 1:
        if queries.shape != (dim,):
            raise ValueError(f"queries: expected shape ({dim},) or (q, {dim}), got {queries.shape}")
        queries = queries[np.newaxis, :]
    return check_vectors(queries, dim, name="queries")


def check_k(k: object) -> int:
    """``k`` as a positive int."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise ValueError(f"k: expected a positive integer, got {type(k).__name__}")
    if k < 1:
        raise ValueError(f"k: expected a positive integer, got {k}")
    return int(k)


def check_new_ids(ids: Ids, present: dict[int, int]) -> list[int]:
    """``ids`` as Python ints, or :class:`DuplicateIdError` naming those present or repeated."""
    as_list: list[int] = ids.tolist()
    repeated: set[int] = set()
    seen: set[int] = set()
    for i in as_list:
        if i in present or i in seen:
            repeated.add(i)
        seen.add(i)
    if repeated:
        raise DuplicateIdError(sorted(repeated))
    return as_list


def empty_result(q: int, k: int) -> SearchResult:
    return SearchResult(np.full((q, k), PAD_ID, dtype=np.int64), np.full((q, k), np.inf, dtype=np.float32))


def rank_candidates(
    query: Vectors, rows: NDArray[np.intp], vectors: Vectors, ids: Ids, k: int
) -> tuple[Ids, NDArray[np.float32]]:
    """The ``k`` nearest of candidate ``rows`` to one ``query``, as (ids, distances) padded to ``k``.

    Distances are recomputed in float64 (no cancellation from the norm expansion the scans use) and rounded
    to float32; the sort key is (float32 distance, id), so what is reported is exactly what was ranked.
    """
    out_ids = np.full(k, PAD_ID, dtype=np.int64)
    out_dist = np.full(k, np.inf, dtype=np.float32)
    if rows.size == 0:
        return out_ids, out_dist
    diff = vectors[rows].astype(np.float64) - query.astype(np.float64)
    dist = np.sqrt(np.einsum("ij,ij->i", diff, diff)).astype(np.float32)
    cand_ids = ids[rows]
    order = np.lexsort((cand_ids, dist))[:k]
    out_ids[: order.size] = cand_ids[order]
    out_dist[: order.size] = dist[order]
    return out_ids, out_dist
