"""Engines for the embedded SQLite default and for PostgreSQL by URL."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import ConnectionPoolEntry


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL; None for an in-memory database. A `file:` URI
    (`sqlite:///file:/path/db.sqlite?mode=ro&uri=true`) names its file after `file:`."""
    parsed = make_url(url)
    database = parsed.database or ""
    if database.startswith("file:"):
        if parsed.query.get("mode") == "memory":
            return None
        database = database.removeprefix("file:").split("?", 1)[0]
    if not database or database == ":memory:":
        return None
    return Path(database)


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL so the UI can read while a run publishes."""
    if url.startswith("sqlite"):
        path = sqlite_file(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
            # SQLAlchemy begins the transactions, not the driver: Python's sqlite3 would begin
            # one only before an INSERT, so a table recreated at the start of a publication
            # (a new dimension, say) would not be rolled back with it.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN")

        return engine
    if url.startswith("postgresql://"):
        # The driver installed with the project is psycopg 3.
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)
