"""What requests carry that the REST API and the web pages read the same way: record numbers and uploads."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Interval
from fastapi import UploadFile

from watchkeeper.errors import InputError

DATABASE_INTEGER_MAX = 2**63 - 1
"""The largest integer a database column holds."""

RecordNumber = Annotated[int, Interval(ge=0, le=DATABASE_INTEGER_MAX)]
"""A record's id, an audit sequence number, or a position in a listing, named in a path, query or header.

They are compared with database columns, and SQLite's INTEGER and PostgreSQL's BIGINT hold signed 64-bit
values: a larger number cannot name any record, and passing it on would fail inside the database driver as
a server error. Bounding it here refuses it as an out-of-range parameter (422) before any handler runs, and
publishes the bound in the OpenAPI document."""


async def read_upload(upload: UploadFile) -> bytes:
    """An uploaded file's bytes (the request size limit has already bounded them)."""
    data = await upload.read()
    if not data:
        raise InputError(upload.filename or "upload", "the file is empty")
    return data
