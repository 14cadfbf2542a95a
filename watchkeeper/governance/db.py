"""Opening the database: the schema brought up to date by Alembic, SQLite made durable, sessions handed out.

SQLite is the embedded default (one file in the data directory); any PostgreSQL URL works the same way.
Every open runs the migrations to head, so an upgraded Watchkeeper upgrades its database before first use.
"""

from __future__ import annotations

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
        with engine.connect() as connection, _foreign_keys_off_on_sqlite(connection), connection.begin():
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            _check_foreign_keys(connection)
    except SQLAlchemyError as error:
        raise DatabaseError(f"{make_url(url).render_as_string(hide_password=True)}: {error}") from None
    return sessionmaker(engine, expire_on_commit=False)


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
    """An engine for ``url``; for SQLite, the directory is created and the connection made durable."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
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


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys off by default in SQLite; WAL + FULL sync: a committed enrolment survives a crash or
    # power cut, and readers never block the writer.
    dbapi_connection.isolation_level = None  # transactions are begun explicitly below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = FULL")
    cursor.execute("PRAGMA busy_timeout = 10000")
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
