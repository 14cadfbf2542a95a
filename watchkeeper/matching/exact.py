"""Exact 1:N search: every enrolled face is compared with the probe, and the answer is provably the true top k.

Why not faiss's ``IndexFlatL2``: for one query it takes its non-BLAS path, and on two cores with OpenMP it
measured about 80 ms at 1M faces (36 ms when forced to one thread), against about 22 ms here. A single
query is memory-bound: the whole gallery (512 MB at 1M faces) has to be read once, so the fastest exact
search is the one whose single pass reads at the memory bandwidth. Here that pass is a BLAS matrix-vector
product (OpenBLAS threads over both cores) of the gallery with the probe, giving for each face the score
``x.q - |x|^2 / 2`` (larger is nearer, as ``|x - q|^2 = |q|^2 - 2 * score``), with ``|x|^2 / 2``
precomputed at enrolment. Selecting the k best of a million scores is an in-cache ``partition`` (about
1 ms).

Exactness: the float32 scores carry a rounding error, bounded (for any summation order BLAS uses) by
``(dim + 2) * 2**-24`` times the magnitudes involved. Every face whose score is within twice that bound of
the k-th best score is kept as a candidate, and the candidates' distances are recomputed in float64 and
sorted by (distance, id). No face that belongs in the top k can fall outside the candidates, so the result
equals a float64 brute force, with ties broken by id.
"""

from __future__ import annotations

import os
import threading

import numpy as np
from numpy.typing import NDArray

from watchkeeper.matching.base import (
    Ids,
    IndexFileError,
    IndexKind,
    SearchResult,
    Vectors,
    check_ids,
    check_k,
    check_new_ids,
    check_queries,
    check_vectors,
    empty_result,
    rank_candidates,
)
from watchkeeper.matching.persistence import IndexFile, Section, read_index_file, write_index_file
from watchkeeper.types import DESCRIPTOR_SIZE

_ROUNDING_SLACK = 8.0
"""How many times the worst-case float32 rounding bound the candidate margin is; larger only keeps a few
more candidates (a band of about 1e-4 in distance for face descriptors), smaller risks nothing until
below 2, where the proof of exactness stops holding."""

_SCORE_BYTES_PER_BLOCK = 64 << 20
"""Batch queries are scored in blocks whose score matrix is at most this size: bigger blocks read the
gallery fewer times per query, smaller keep memory flat."""


class ExactIndex:
    """Exact Euclidean top-k over an in-memory gallery; the default index.

    Memory: 4 * (dim + 1) + 8 bytes per face plus an id-to-row map (about 650 MB at 1M faces). Adding is
    amortised O(1) per face; removing moves the last rows into the holes, O(removed).
    Concurrent searches are safe; ``add``, ``remove`` and ``save`` must not overlap with any other call on
    the same index (the caller serialises them).
    """

    kind = IndexKind.EXACT

    def __init__(self, dim: int = DESCRIPTOR_SIZE) -> None:
        if dim < 1:
            raise ValueError(f"dim: expected a positive integer, got {dim}")
        self._dim = dim
        self._count = 0
        self._vectors = np.empty((0, dim), dtype=np.float32)
        self._half_norms = np.empty(0, dtype=np.float32)
        self._ids = np.empty(0, dtype=np.int64)
        self._rows: dict[int, int] = {}
        self._max_norm = 0.0
        self._scratch = threading.local()

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        return self._count

    def ids(self) -> Ids:
        """Every id present, ascending."""
        return np.sort(self._ids[: self._count])

    def add(self, ids: Ids, vectors: Vectors) -> None:
        """Enrol ``vectors[i]`` under ``ids[i]``; all or nothing."""
        ids = check_ids(ids)
        vectors = check_vectors(vectors, self._dim, rows=ids.shape[0])
        new = check_new_ids(ids, self._rows)
        start, end = self._count, self._count + len(new)
        self._reserve(end)
        self._vectors[start:end] = vectors
        norms_sq = np.einsum("ij,ij->i", vectors.astype(np.float64), vectors.astype(np.float64))
        self._half_norms[start:end] = norms_sq / 2
        self._ids[start:end] = ids
        self._rows.update(zip(new, range(start, end), strict=True))
        if len(new):
            self._max_norm = max(self._max_norm, float(np.sqrt(norms_sq.max())))
        self._count = end

    def remove(self, ids: Ids) -> int:
        """Remove the faces with these ids; ids not present are ignored. Returns how many were removed."""
        ids = check_ids(ids)
        rows = sorted({self._rows.pop(i) for i in set(ids.tolist()) if i in self._rows})
        if not rows:
            return 0
        keep = self._count - len(rows)
        holes = np.array([r for r in rows if r < keep], dtype=np.intp)
        doomed_tail = np.zeros(self._count - keep, dtype=bool)
        doomed_tail[[r - keep for r in rows if r >= keep]] = True
        fillers = np.flatnonzero(~doomed_tail) + keep
        self._vectors[holes] = self._vectors[fillers]
        self._half_norms[holes] = self._half_norms[fillers]
        self._ids[holes] = self._ids[fillers]
        self._rows.update(zip(self._ids[holes].tolist(), holes.tolist(), strict=True))
        self._count = keep
        return len(rows)

    def search(self, queries: Vectors, k: int) -> SearchResult:
        """The ``k`` nearest faces of each query, exactly; see the module docstring for how."""
        queries = check_queries(queries, self._dim)
        k = check_k(k)
        result = empty_result(queries.shape[0], k)
        if self._count == 0:
            return result
        block = max(1, _SCORE_BYTES_PER_BLOCK // (4 * self._count))
        for start in range(0, queries.shape[0], block):
            chunk = queries[start : start + block]
            scores = self._scores(chunk)
            for j, query in enumerate(chunk):
                rows = self._candidates(scores[j], query, k)
                result.ids[start + j], result.distances[start + j] = rank_candidates(
                    query, rows, self._vectors, self._ids, k
                )
        return result

    def save(self, path: str | os.PathLike[str], fingerprint: str = "") -> None:
        """Write the index atomically to ``path``, stamped with ``fingerprint`` (see :mod:`.persistence`)."""
        n = self._count
        sections = [Section("ids", self._ids[:n]), Section("vectors", self._vectors[:n])]
        write_index_file(path, IndexFile(self.kind, self._dim, n, fingerprint, {}), sections)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> tuple[ExactIndex, str]:
        """The index saved at ``path`` and its fingerprint; :class:`IndexFileError` if it cannot be used."""
        header, arrays = read_index_file(path, expected_kind=IndexKind.EXACT)
        index = cls(header.dim)
        index._restore(path, arrays["ids"], arrays["vectors"])
        return index, header.fingerprint

    def _restore(self, path: str | os.PathLike[str], ids: NDArray[np.int64], vectors: Vectors) -> None:
        try:
            self.add(ids, vectors.reshape(-1, self._dim))
        except ValueError as error:
            raise IndexFileError(path, f"inconsistent contents: {error}") from error

    def _reserve(self, rows: int) -> None:
        capacity = self._vectors.shape[0]
        if rows <= capacity:
            return
        capacity = max(rows, capacity + capacity // 2, 1024)
        vectors = np.empty((capacity, self._dim), dtype=np.float32)
        vectors[: self._count] = self._vectors[: self._count]
        half_norms = np.empty(capacity, dtype=np.float32)
        half_norms[: self._count] = self._half_norms[: self._count]
        ids = np.empty(capacity, dtype=np.int64)
        ids[: self._count] = self._ids[: self._count]
        self._vectors, self._half_norms, self._ids = vectors, half_norms, ids

    def _buffer(self, name: str, size: int) -> NDArray[np.float32]:
        """A per-thread float32 scratch array of ``size``: reused, as fresh 4 MB arrays cost page faults."""
        buffer: NDArray[np.float32] | None = getattr(self._scratch, name, None)
        if buffer is None or buffer.size < size:
            buffer = np.empty(size, dtype=np.float32)
            setattr(self._scratch, name, buffer)
        return buffer[:size]

    def _scores(self, queries: Vectors) -> NDArray[np.float32]:
        """``x.q - |x|^2 / 2`` for every face (columns) and query (rows), in one BLAS pass over the gallery."""
        n, q = self._count, queries.shape[0]
        scores = self._buffer("scores", n * q).reshape(q, n)
        if q == 1:
            np.dot(self._vectors[:n], queries[0], out=scores[0])
        else:
            np.dot(queries, self._vectors[:n].T, out=scores)
        scores -= self._half_norms[:n]
        return scores

    def _candidates(self, scores: NDArray[np.float32], query: Vectors, k: int) -> NDArray[np.intp]:
        """Rows that may be among the ``k`` nearest: all within the rounding margin of the k-th best score."""
        n = scores.shape[0]
        if k >= n:
            return np.arange(n)
        work = self._buffer("partition", n)
        np.copyto(work, scores)
        work.partition(n - k)
        kth = float(work[n - k])
        reach = self._max_norm + float(np.sqrt(np.dot(query.astype(np.float64), query.astype(np.float64))))
        margin = _ROUNDING_SLACK * (self._dim + 2) * 2.0**-24 * reach * reach
        return np.flatnonzero(scores >= np.float32(kth - margin))
