"""Each gallery's vector index: persisted in the data directory, always consistent with the database.

The database is the truth; an index is a derived copy stamped with the gallery revision it reflects. A
change commits in the database first (bumping the revision), then is applied to the index, which is saved
with the new stamp. If the process dies between the two, the file's stamp is behind the database's
revision, and the next use rebuilds the index from the database: never a face in the index that the
database lacks, never one missing.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from watchkeeper.governance.schema import EnrolledFace, Gallery
from watchkeeper.matching import IndexFileError, IndexKind, SearchResult, VectorIndex, load_index, make_index
from watchkeeper.private_files import private_directory


def fingerprint(gallery_id: int, revision: int) -> str:
    """What a persisted index is stamped with: the gallery and the revision of its faces it reflects."""
    return f"gallery:{gallery_id}:revision:{revision}"


class GalleryIndexes:
    """Loads, rebuilds, updates and saves the gallery indexes of one data directory."""

    def __init__(self, sessions: sessionmaker[Session], index_dir: Path) -> None:
        self.sessions = sessions
        self.index_dir = index_dir
        self._loaded: dict[int, tuple[int, VectorIndex]] = {}
        self._lock = threading.Lock()

    def path(self, gallery_id: int) -> Path:
        return self.index_dir / f"gallery-{gallery_id}.index"

    def get(self, gallery_id: int, revision: int) -> VectorIndex:
        """The index of the gallery at ``revision``: from memory, from its file, or rebuilt from the database.

        For inspection; searches go through :meth:`search`, which keeps them apart from updates."""
        with self._lock:
            return self._current(gallery_id, revision)

    def search(self, gallery_id: int, revision: int, query: NDArray[np.float32], k: int) -> SearchResult:
        """The ``k`` nearest faces to ``query`` (fewer if the gallery is smaller), under the lock that
        updates take, since an index may not be searched while it is being changed."""
        with self._lock:
            index = self._current(gallery_id, revision)
            return index.search(query, max(1, min(k, len(index))))

    def _current(self, gallery_id: int, revision: int) -> VectorIndex:
        loaded = self._loaded.get(gallery_id)
        if loaded is not None and loaded[0] == revision:
            return loaded[1]
        index = self._from_file(gallery_id, revision) or self._rebuild(gallery_id, revision)
        self._loaded[gallery_id] = (revision, index)
        return index

    def apply(
        self,
        gallery_id: int,
        revision: int,
        added: tuple[NDArray[np.int64], NDArray[np.float32]] | None = None,
        removed: NDArray[np.int64] | None = None,
    ) -> None:
        """Bring the index from ``revision - 1`` to ``revision`` with a committed change; if the index at
        the previous revision is not at hand, it is rebuilt at the next :meth:`get` instead, and the stale
        file is deleted now: it may hold the descriptors of faces this change removed."""
        with self._lock:
            loaded = self._loaded.get(gallery_id)
            index = loaded[1] if loaded is not None and loaded[0] == revision - 1 else None
            if index is None:
                index = self._from_file(gallery_id, revision - 1)
            if index is None:
                self._loaded.pop(gallery_id, None)
                self.path(gallery_id).unlink(missing_ok=True)
                return
            if removed is not None and len(removed):
                index.remove(removed)
            if added is not None and len(added[0]):
                index.add(added[0], added[1])
            self._save(gallery_id, revision, index)
            self._loaded[gallery_id] = (revision, index)

    def discard(self, gallery_id: int) -> None:
        """Forget a deleted gallery's index, in memory and on disk."""
        with self._lock:
            self._loaded.pop(gallery_id, None)
            self.path(gallery_id).unlink(missing_ok=True)

    def _from_file(self, gallery_id: int, revision: int) -> VectorIndex | None:
        try:
            index, stamp = load_index(self.path(gallery_id))
        except IndexFileError:
            return None
        return index if stamp == fingerprint(gallery_id, revision) else None

    def _rebuild(self, gallery_id: int, revision: int) -> VectorIndex:
        with self.sessions() as session:
            gallery = session.get(Gallery, gallery_id)
            kind = IndexKind(gallery.index_kind) if gallery is not None else IndexKind.EXACT
            rows = session.execute(
                select(EnrolledFace.id, EnrolledFace.descriptor)
                .where(EnrolledFace.gallery_id == gallery_id)
                .order_by(EnrolledFace.id)
            ).all()
        index = make_index(kind)
        if rows:
            ids = np.array([row[0] for row in rows], dtype=np.int64)
            vectors = np.stack([np.frombuffer(row[1], dtype="<f4") for row in rows]).astype(np.float32)
            index.add(ids, vectors)
        self._save(gallery_id, revision, index)
        return index

    def _save(self, gallery_id: int, revision: int, index: VectorIndex) -> None:
        private_directory(self.index_dir)
        index.save(self.path(gallery_id), fingerprint(gallery_id, revision))
