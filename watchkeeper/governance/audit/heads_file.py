"""The audit log's signed tree heads, also kept outside the database: an append-only file beside the key.

Whoever can write the database can delete its newest entries together with their checkpoints, or all of
them, and what is left verifies on its own. A head kept elsewhere cannot be taken back that way: this file
(``keys/audit-checkpoints.log``, mode 0600) receives the database's newest signed head after every commit
that appended to the log, and verification checks the stored log against every head in it.

Design:

* **After the commit, never before.** A head is written only once the database holds what it signs, so
  the file never runs ahead of an honest database. A crash between the commit and the write leaves the
  file *behind* the database by the last append(s): not an error, since the next append or verification
  writes the database's newer head, and verification only does so once the whole log, this file included,
  has verified. A head in the file that is larger than the stored log, or has another root, is tampering.
* **Several writers** (the server and command-line runs) append to one file: each record is one
  ``write`` on a descriptor opened with ``O_APPEND``, under an exclusive ``flock``, then ``fsync``. Under
  the lock the writer skips a head no newer than the file's last one, so the file grows in size order and
  concurrent commits do not interleave an older head after a newer one.
* **Torn records.** A power cut during a write may leave a partial record at the end. Readers ignore an
  incomplete final record and the next writer cuts it off before appending; a record is complete when it
  ends with a signature line and a blank line. Nothing earlier in the file is ever rewritten.
* **Records** are signed notes followed by a blank line, so the file is also a valid witness file
  (:func:`~.checkpoint.split_checkpoints` reads both).
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from watchkeeper.governance.audit.checkpoint import SIGNATURE_PREFIX, split_checkpoints

HEADS_FILE = "audit-checkpoints.log"
"""The file's name in the data directory's ``keys/``."""

_RECORD_END = b"\n\n"
_SIGNATURE_LINE = b"\n" + SIGNATURE_PREFIX.encode("utf-8")
_TAIL_BYTES = 65536 * 2
"""More than the longest checkpoint accepted, so the tail always holds the last complete record's end."""


def complete_length(data: bytes) -> int:
    """The length of the longest prefix of ``data`` that ends with a complete record (0 if none does)."""
    end = len(data)
    while end >= len(_RECORD_END):
        end = data.rfind(_RECORD_END, 0, end)
        if end < 0:
            return 0
        line_start = data.rfind(b"\n", 0, end)
        if data[line_start:end].startswith(_SIGNATURE_LINE):
            return end + len(_RECORD_END)
    return 0


def _size_of(record: str) -> int | None:
    """The size line of a signed note (its second line), without checking the signature: only to keep
    the file in size order, never to trust a head."""
    lines = record.lstrip("\n").split("\n")
    return int(lines[1]) if len(lines) > 1 and lines[1].isdigit() else None


@dataclass(frozen=True)
class HeadsFile:
    """The append-only file of signed heads at ``path``."""

    path: Path

    def read(self) -> list[str]:
        """The signed notes of every complete record, in file order (an absent file has none)."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        return split_checkpoints(data[: complete_length(data)].decode("utf-8", errors="replace"))

    def newest(self) -> str | None:
        """The signed note of the last complete record, read from the file's end whatever its length (None
        if the file is absent or holds no complete record)."""
        try:
            with self.path.open("rb") as file:
                start = max(0, file.seek(0, os.SEEK_END) - _TAIL_BYTES)
                file.seek(start)
                record = _last_record(file.read())
        except FileNotFoundError:
            return None
        return split_checkpoints(record)[-1] if record else None

    def append(self, signed: str, size: int) -> bool:
        """Append the head ``signed`` (of ``size`` entries) unless the file's last head is as large; whether
        it was written."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            last = self._cut_torn_tail(descriptor)
            if last is not None and last >= size:
                return False
            os.write(descriptor, signed.encode("utf-8") + b"\n")
            os.fsync(descriptor)
            return True
        finally:
            os.close(descriptor)  # releases the lock

    def _cut_torn_tail(self, descriptor: int) -> int | None:
        """Cut off an incomplete final record (left by a crash mid-write); the size of the last head."""
        length = os.fstat(descriptor).st_size
        start = max(0, length - _TAIL_BYTES)
        tail = os.pread(descriptor, length - start, start)
        complete = complete_length(tail)
        if start + complete != length and (complete or start == 0):
            os.ftruncate(descriptor, start + complete)
        record = _last_record(tail)
        return _size_of(record) if record else None


def _last_record(tail: bytes) -> str | None:
    """The last complete record of the file's ``tail`` (at least :data:`_TAIL_BYTES` of its end, or all
    of it), None if it has none."""
    complete = complete_length(tail)
    if not complete:
        return None
    previous = complete_length(tail[: complete - len(_RECORD_END)])
    return tail[previous:complete].decode("utf-8", errors="replace")
