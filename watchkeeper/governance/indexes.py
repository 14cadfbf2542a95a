"""Each gallery's vector index: persisted in the data directory, used only while it matches the database.

The database is the truth; an index is a derived copy stamped with the gallery *version* it reflects: the
gallery's id, which is never reused, and its generation, a random token the database replaces with every
change to the gallery's faces. An index is used only while the database holds the same version, so no
other process's deletion, no new gallery and no rolled-back change can make one gallery's faces answer
for another's.

Writes are ordered so that a request that fails has stored nothing and a face the database lacks is never
searched:

- Adding faces: inside the transaction, once the new rows have their ids, the index is brought to the new
  version and saved, then the transaction commits. If the index cannot be saved (a full disk, say), the
  transaction rolls back and the caller is told (:class:`IndexUnavailableError`). If the commit fails
  after the save, the file's stamp is a generation the database never held: it is never used.
- Removing faces: the removal commits first (the database is what must forget them), then the index
  follows; if it cannot be saved, the old file is deleted rather than left holding removed faces, and the
  next use rebuilds from the database. A removal is never refused for the sake of a derived copy.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from watchkeeper.errors import NotFoundError, WatchkeeperError
from watchkeeper.governance.schema import EnrolledFace, Gallery
from watchkeeper.matching import IndexFileError, SearchResult, VectorIndex, load_index, make_index
from watchkeeper.private_files import private_directory

logger = logging.getLogger(__name__)


class IndexUnavailableError(WatchkeeperError):
    """A gallery's index could not be saved, so the change that needed it was not made."""

    code = "index_unavailable"


@dataclass(frozen=True, slots=True)
class GalleryVersion:
    """One state of one gallery's faces: what an index must match to be used."""

    gallery_id: int
    generation: str

    @classmethod
    def of(cls, gallery: Gallery) -> GalleryVersion:
        return cls(gallery.id, gallery.generation)

    @property
    def fingerprint(self) -> str:
        """What a persisted index is stamped with."""
        return f"gallery:{self.gallery_id}:generation:{self.generation}"


@dataclass(frozen=True, slots=True, eq=False)
class Removal:
    """Faces a transaction removed from one gallery, for its index to follow once the removal commits."""

    before: GalleryVersion
    after: GalleryVersion
    ids: NDArray[np.int64]


def new_generation(gallery: Gallery) -> tuple[GalleryVersion, GalleryVersion]:
    """Mark a change to ``gallery``'s faces (inside the transaction making it); returns the versions before
    and after, for the index to follow."""
    before = GalleryVersion.of(gallery)
    gallery.generation = uuid.uuid4().hex
    gallery.revision += 1
    return before, GalleryVersion.of(gallery)


PARTIAL_SAVE_GRACE_SECONDS = 3600.0
_INDEX_FILE = re.compile(r"gallery-(?P<gallery>[0-9]+)\.index")
_PARTIAL_SAVE = re.compile(r"\.gallery-[0-9]+\.index\..+\.tmp")
"""What :func:`watchkeeper.matching.persistence` names a file while it is being written, before the rename."""


def _older_than(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime > seconds
    except FileNotFoundError:
        return False


class GalleryIndexes:
    """Loads, rebuilds, updates and saves the gallery indexes of one data directory."""

    def __init__(self, sessions: sessionmaker[Session], index_dir: Path) -> None:
        self.sessions = sessions
        self.index_dir = index_dir
        self._loaded: dict[int, tuple[GalleryVersion, VectorIndex]] = {}
        self._lock = threading.Lock()

    def path(self, gallery_id: int) -> Path:
        return self.index_dir / f"gallery-{gallery_id}.index"

    def get(self, version: GalleryVersion) -> VectorIndex:
        """The index of the gallery at ``version``: from memory, from its file, or rebuilt from the database.

        For inspection; searches go through :meth:`search`, which keeps them apart from updates."""
        with self._lock:
            return self._current(version)

    def search(self, version: GalleryVersion, query: NDArray[np.float32], k: int) -> SearchResult:
        """The ``k`` nearest faces to ``query`` (fewer if the gallery is smaller), under the lock that
        updates take, since an index may not be searched while it is being changed."""
        with self._lock:
            index = self._current(version)
            return index.search(query, max(1, min(k, len(index))))

    def add(
        self,
        session: Session,
        before: GalleryVersion,
        after: GalleryVersion,
        ids: NDArray[np.int64],
        vectors: NDArray[np.float32],
    ) -> None:
        """Bring the index from ``before`` to ``after`` by adding faces that ``session`` has written but not
        committed, and save it. Call inside that transaction, which must not commit if this raises
        :class:`IndexUnavailableError`; if the index at ``before`` is not at hand, it is rebuilt from what
        the transaction sees, which already includes the new faces."""
        with self._lock:
            try:
                index = self._at_hand(before)
                if index is None:
                    index = self._rebuild(session, after.gallery_id)[1]
                else:
                    index.add(ids, vectors)
                self._save(after, index)
            except BaseException:
                self._loaded.pop(after.gallery_id, None)  # it may hold the faces that are not stored
                raise
            self._loaded[after.gallery_id] = (after, index)

    def remove(self, removal: Removal) -> None:
        """Follow a removal that has committed. If the index cannot be saved, or was not at hand, its file
        is deleted (it must not keep removed faces) and the next use rebuilds it; the removal stands
        either way."""
        gallery_id = removal.after.gallery_id
        with self._lock:
            index = self._at_hand(removal.before)
            if index is None:
                self._forget(gallery_id)
                return
            try:
                index.remove(removal.ids)
                self._save(removal.after, index)
            except BaseException as error:
                self._forget(gallery_id)
                if not isinstance(error, IndexUnavailableError):
                    raise
                logger.warning("gallery %d: index to be rebuilt on next use: %s", gallery_id, error)
                return
            self._loaded[gallery_id] = (removal.after, index)

    def discard(self, gallery_id: int) -> None:
        """Forget a deleted gallery's index, in memory and on disk."""
        with self._lock:
            self._forget(gallery_id)

    def delete_orphans(self, galleries: Collection[int]) -> int:
        """Delete the index files no gallery in ``galleries`` owns (a gallery deletion whose process died
        between its commit and the unlink) and the partial saves a killed process left: neither is ever used,
        but both may hold descriptors of faces gone from the database. A partial save is left alone for
        :data:`PARTIAL_SAVE_GRACE_SECONDS`, since another process may be writing it now; returns the count."""
        if not self.index_dir.is_dir():
            return 0
        deleted = 0
        with self._lock:
            for path in sorted(self.index_dir.iterdir()):
                owner = _INDEX_FILE.fullmatch(path.name)
                if owner is not None and int(owner["gallery"]) not in galleries:
                    self._loaded.pop(int(owner["gallery"]), None)
                elif not (_PARTIAL_SAVE.fullmatch(path.name) and _older_than(path, PARTIAL_SAVE_GRACE_SECONDS)):
                    continue
                path.unlink(missing_ok=True)
                deleted += 1
        return deleted

    def _forget(self, gallery_id: int) -> None:
        self._loaded.pop(gallery_id, None)
        try:
            self.path(gallery_id).unlink(missing_ok=True)
        except OSError as error:
            # Harmless to searches (its stamp matches no gallery now), but it may hold faces that are gone
            # from the database, so whoever runs Watchkeeper must hear of it.
            logger.error("gallery %d: could not delete its old index file: %s", gallery_id, error)

    def _current(self, version: GalleryVersion) -> VectorIndex:
        """The index at ``version`` or, if the gallery changed since ``version`` was read, at the newer
        version the rebuild read (a search is then answered from the newer state, never an older one)."""
        index = self._at_hand(version)
        if index is not None:
            return index
        with self.sessions() as session:
            read, index = self._rebuild(session, version.gallery_id)
        self._save_for_next_time(read, index)
        self._loaded[version.gallery_id] = (read, index)
        return index

    def _at_hand(self, version: GalleryVersion) -> VectorIndex | None:
        """The index at ``version`` from memory or from its file (then kept in memory), if either has it."""
        loaded = self._loaded.get(version.gallery_id)
        if loaded is not None and loaded[0] == version:
            return loaded[1]
        try:
            index, stamp = load_index(self.path(version.gallery_id))
        except IndexFileError:
            return None
        if stamp != version.fingerprint:
            return None
        self._loaded[version.gallery_id] = (version, index)
        return index

    def _rebuild(self, session: Session, gallery_id: int) -> tuple[GalleryVersion, VectorIndex]:
        """The gallery's index as ``session`` sees its faces, and the version that is."""
        gallery = session.get(Gallery, gallery_id)
        if gallery is None:
            raise NotFoundError(f"gallery {gallery_id} no longer exists")
        rows = session.execute(
            select(EnrolledFace.id, EnrolledFace.descriptor)
            .where(EnrolledFace.gallery_id == gallery_id)
            .order_by(EnrolledFace.id)
        ).all()
        index = make_index(gallery.index_kind)
        if rows:
            ids = np.array([row[0] for row in rows], dtype=np.int64)
            vectors = np.stack([row[1] for row in rows])
            index.add(ids, vectors)
        return GalleryVersion.of(gallery), index

    def _save_for_next_time(self, version: GalleryVersion, index: VectorIndex) -> None:
        """Persist an index rebuilt for reading: it is correct in memory, and the file only spares the next
        process a rebuild, so failing to write it is reported, not passed on to the search."""
        try:
            self._save(version, index)
        except IndexUnavailableError as error:
            logger.warning("gallery %d: rebuilt index kept in memory only: %s", version.gallery_id, error)

    def _save(self, version: GalleryVersion, index: VectorIndex) -> None:
        try:
            private_directory(self.index_dir)
            index.save(self.path(version.gallery_id), version.fingerprint)
        except OSError as error:
            raise IndexUnavailableError(
                f"the gallery's index could not be saved in {self.index_dir.name}/: {error.strerror or error}"
            ) from error
