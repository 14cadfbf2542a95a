"""Opening the database: the schema brought up to date by Alembic, SQLite made durable, sessions handed out.

SQLite is the embedded default (one file in the data directory); any PostgreSQL URL works the same way.
Every open runs the migrations to head, so an upgraded Watchkeeper upgrades its database before first use.

An SQLite database is private and forgets what is deleted: the file is created 0600 before SQLite opens
it (SQLite gives its ``-wal`` and ``-shm`` files the database file's mode), every connection overwrites
deleted content with zeros (``secure_delete``), and after an act that deletes biometric data commits,
:func:`erase_deleted` checkpoints the write-ahead log and truncates it, so the removed rows' old pages
are in no file once the act returns. PostgreSQL keeps dead rows until it vacuums them and in its own WAL:
there, erasure is the database administrator's (VACUUM, WAL archive retention, encrypted storage).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from watchkeeper.errors import StorageUnavailableError, WatchkeeperError
from watchkeeper.private_files import private_directories, private_file, restrict_if_present

SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
"""The files SQLite keeps beside a database file (made 0600 too, when an older version left them wider)."""
logger = logging.getLogger("watchkeeper.database")


class DatabaseError(WatchkeeperError):
    """The database cannot be opened or migrated."""

    code = "database_unavailable"


def alembic_config(url: str) -> Config:
    """Alembic's configuration for ``url``, with the migrations shipped inside the package."""
    config = Config()
    config.set_main_option("script_location", str(files("watchkeeper.governance") / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def open_database(url: str) -> sessionmaker[Session]:
    """A session factory for ``url``, after migrating its schema to the newest revision."""
    engine = make_engine(url)
    try:
        with migrating(engine) as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except SQLAlchemyError as error:
        raise DatabaseError(f"{make_url(url).render_as_string(hide_password=True)}: {error}") from None
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """A connection for migrations in one transaction: all of them apply or none does (a downgrade that
    refuses part-way leaves the database as it was), with SQLite's foreign keys handled as below."""
    with engine.connect() as connection, _foreign_keys_off_on_sqlite(connection), connection.begin():
        yield connection
        _check_foreign_keys(connection)


@contextmanager
def _foreign_keys_off_on_sqlite(connection: Connection) -> Iterator[None]:
    """SQLite alters a table by building a new one and dropping the old; with foreign keys enforced, that
    drop deletes or clears every row referring to the table (subjects with their gallery, search candidates'
    faces). So migrations run with enforcement off, as SQLite prescribes, and :func:`_check_foreign_keys`
    checks every reference before they commit. The pragma only takes effect outside a transaction."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise DatabaseError(f"the migrated database has {len(broken)} broken references, e.g. {tuple(broken[0])}")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; for SQLite, the file is created private and the connection made durable."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        _private_database_file(Path(parsed.database))
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin_immediate)
    event.listen(engine, "handle_error", _storage_failure)
    return engine


SQLITE_STORAGE_FAILURES = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_BUSY")
"""SQLite's result codes (and their extended forms) for storage that cannot take a write: a full disk, an
I/O error, a read-only file, a file that cannot be opened, a lock held past the busy timeout."""


def _storage_failure(context: ExceptionContext) -> None:
    """Report SQLite's storage failures as :class:`StorageUnavailableError`, in one line, wherever they
    happen (a statement, a commit, opening the file), so every caller reports them alike: the server as a
    503, the command line with exit code 3. SQLAlchemy rolls the transaction back first."""
    name = getattr(context.original_exception, "sqlite_errorname", "")
    if name.startswith(SQLITE_STORAGE_FAILURES):
        database = context.engine.url.database if context.engine is not None else None
        raise StorageUnavailableError(database or "the database", str(context.original_exception))


def _private_database_file(path: Path) -> None:
    """The database file (and any missing directory above it) created owner-only before SQLite opens it;
    the files of an older version's database tightened."""
    private_directories(path.parent)
    private_file(path)
    for suffix in SQLITE_COMPANIONS:
        restrict_if_present(path.with_name(path.name + suffix))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys off by default in SQLite; WAL + FULL sync: a committed enrolment survives a crash or
    # power cut, and readers never block the writer. secure_delete: a deleted row's bytes are zeroed in
    # the pages written, rather than left in free space for anyone reading the file.
    dbapi_connection.isolation_level = None  # transactions are begun explicitly below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA busy_timeout = 10000")
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock at the start, so two writers never both read the audit log's head and then
    # collide; the second waits (busy_timeout) instead.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed if the block finishes, rolled back entirely if it raises."""
    with sessions() as session, session.begin():
        yield session


def erase_deleted(sessions: sessionmaker[Session]) -> None:
    """Call after an act that deleted biometric data has committed: with SQLite, copy the write-ahead log
    into the database (where ``secure_delete`` has zeroed the deleted rows) and truncate it, since until
    then the log still holds the pages as they were when the data was written. Nothing to do on PostgreSQL.

    The checkpoint waits (up to the busy timeout) for readers of older snapshots to finish; if one is still
    reading, the log is left for the next deleting act to truncate, and a warning says so.
    """
    engine = sessions.kw["bind"]
    if engine.dialect.name != "sqlite":
        return
    connection = engine.raw_connection()  # outside any transaction: a checkpoint cannot run inside one
    try:
        cursor = connection.cursor()
        busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        cursor.close()
    finally:
        connection.close()
    if busy:
        logger.warning("the write-ahead log could not be truncated after a deletion: a reader was still open")
