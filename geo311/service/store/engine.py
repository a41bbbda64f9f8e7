"""Database connections of the store: URLs, SQLite settings, migrations at open.

SQLite runs in WAL mode with foreign keys on and ``synchronous=FULL`` (a commit
is on disk when it returns), reading through a memory map (``mmap_size``); a write
transaction starts with ``BEGIN IMMEDIATE`` so concurrent writers queue on the lock
(``busy_timeout``) instead of failing when a read turns into a write. PostgreSQL goes
through psycopg 3.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from geo311.errors import InputError

__all__ = ["DEFAULT_DB", "Engines", "connect", "database_url", "migrate"]

DEFAULT_DB = Path("var/geo311.sqlite")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
MMAP_BYTES = 256 * 1024 * 1024  # SQLite reads pages through a memory map: no read() per page
MIGRATION_LOCK = 311_009  # PostgreSQL advisory lock id held while migrating
POOL_SIZE = 8       # PostgreSQL connections kept per process (a worker runs 4 threads)
POOL_OVERFLOW = 8   # and opened beyond them under a burst


def database_url(url: str | None = None) -> str:
    """The SQLAlchemy URL of ``url``: None gives the SQLite file ``$GEO311_DB`` or
    ``./var/geo311.sqlite`` (its directory created); a plain path is a SQLite file;
    ``postgresql://`` uses psycopg 3.

    Raises
    ------
    InputError
        If the URL is malformed or names another kind of database.
    """
    if url is None or not str(url).strip():
        url = os.environ.get("GEO311_DB") or str(DEFAULT_DB)
    url = str(url).strip()
    if "://" not in url:
        path = Path(url).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InputError(f"database URL {url!r} is malformed (use sqlite:///path or "
                         "postgresql://user@host:port/db)", url=url) from None
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return url
    raise InputError(f"database URL {url!r}: the store runs on sqlite or postgresql",
                     url=url)


def _sqlite_engine(url: str, begin: str) -> Engine:
    """A SQLite engine whose transactions start with ``begin``, on WAL, FULL sync, FKs on."""
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _settings(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL",
                       f"busy_timeout={BUSY_TIMEOUT_MS}", f"mmap_size={MMAP_BYTES}"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql(begin)

    return engine


@dataclass(frozen=True)
class Engines:
    """The store's engines: ``read`` (SQLite: plain transactions; PostgreSQL:
    autocommit) and ``write`` (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: plain
    transactions on the same pool as ``read``)."""

    read: Engine
    write: Engine
    url: str

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.read.dialect.name

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.read.dispose()
        self.write.dispose()


def connect(url: str | None = None) -> Engines:
    """Return the engines of the database ``url`` (see :func:`database_url`)."""
    url = database_url(url)
    if url.startswith("sqlite"):
        return Engines(_sqlite_engine(url, "BEGIN"), _sqlite_engine(url, "BEGIN IMMEDIATE"), url)
    # Pre-ping (one short round trip per checkout): a pooled connection the server dropped
    # (a restart, a failover, an idle timeout) is replaced before use instead of failing a
    # request. Reads run in autocommit: no BEGIN and ROLLBACK round trips around a SELECT.
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW,
                           pool_pre_ping=True)
    return Engines(engine.execution_options(isolation_level="AUTOCOMMIT"), engine, url)


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def migrate(engines: Engines) -> None:
    """Bring the database to the latest migration (once, even when processes race).

    Raises
    ------
    InputError
        If the database cannot be reached or migrated (the message says why).
    """
    try:
        with engines.read.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
        if current == _head():
            return
        with engines.write.begin() as connection:
            if engines.dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:id)"),
                                   {"id": MIGRATION_LOCK})
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as error:
        raise InputError(f"cannot open the database {make_url(engines.url)!r}: "
                         f"{error.orig}", url=engines.url) from None
