"""Replace the published tables, all of them or none: one transaction per publication.

Readers of the database see either the previous publication or the new one, whole. A run
that fails or is killed mid-way rolls back (PostgreSQL and SQLite both make DELETE and
INSERT transactional), so the previous publication stays in force. The `codelist` table,
the published codes in words, is replaced in the same transaction, so its labels are always
those of the definitions the tables were published under.

Only the rows that changed are written (`replace_rows`): a row of the new publication that
the table already holds, every column equal, stays; the others are deleted and inserted.
One member state's resubmission so rewrites its own rows, the COMESA rows it moves and the
cells whose suppression changed, not the region; replicas, backups and PostgreSQL's vacuum
see that much change.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, MetaData, Table, and_, bindparam, insert, inspect
from sqlalchemy.exc import DBAPIError

from pipelines.warehouse.registry import ensure_registry, releases
from schemas.code_columns import published_tables, used_codelists
from schemas.codelist_table import CODELIST_TABLE, codelist_frame
from schemas.contract import Contract, load_contract
from schemas.tables import build_metadata

#: Rows per INSERT statement: large enough to be fast, small enough for SQLite's limits.
CHUNK = 5_000


def published_metadata(contract: Contract | None = None) -> MetaData:
    return build_metadata(contract or load_contract())


def publish_tables(
    engine: Engine,
    tables: dict[str, pd.DataFrame],
    *,
    release_id: str,
    folder: str | None = None,
    submission_ids: list[int] | None = None,
    parameters: dict[str, Any] | None = None,
    contract: Contract | None = None,
    log: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Replace every table in `tables` and the codelist table, and record the release;
    returns rows per table of `tables`. `log` is told how many rows were written."""
    contract = contract or load_contract()
    metadata = published_metadata(contract)
    ensure_registry(engine, contract)
    counts = {}
    written = 0
    codelist_table = metadata.tables[CODELIST_TABLE]
    with engine.begin() as conn:
        replaced = [*(metadata.tables[name] for name in tables), codelist_table]
        reshape_tables(conn, replaced)
        metadata.create_all(conn, tables=replaced)
        for name, frame in tables.items():
            written += replace_rows(conn, metadata.tables[name], frame)
            counts[name] = len(frame)
        replace_rows(conn, codelist_table, codelist_rows(contract))
        conn.execute(
            insert(releases).values(
                release_id=release_id,
                created_at=dt.datetime.now(dt.UTC),
                folder=folder,
                submissions=",".join(map(str, submission_ids or [])),
                parameters=json.dumps(parameters or {}, sort_keys=True, default=str),
            )
        )
    if log is not None:
        total = sum(counts.values())
        log(
            f"published {total:,} rows in {len(counts)} tables: {written:,} rows written "
            f"(deleted or inserted), the rest unchanged since the last publication"
        )
    return counts


def replace_rows(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Make `table` hold exactly `frame`'s rows, writing only those that changed; returns
    the rows deleted and inserted.

    Rows are compared whole, as the database returns them and as they would be inserted
    (None for NA). A table without a primary key, an empty one, or one where more than a
    fifth of the rows changed is emptied and filled again: deleting row by row then costs
    more (on the full benchmark region in SQLite: 10 s to find nothing changed in 1.7
    million rows, 16 s to rewrite a quarter of them, 13 s to rewrite all).
    """
    columns = [c.name for c in table.columns]
    new = _rows(frame, columns)
    key = [columns.index(c.name) for c in table.primary_key.columns]
    old = _stored_rows(conn, table, columns) if key else []
    new_set = set(new)
    gone = [r for r in old if r not in new_set]
    if not old or len(gone) > len(old) // 5:
        conn.execute(table.delete())
        return len(old) + insert_rows(conn, table, columns, new)
    old_set = set(old)
    added = [r for r in new if r not in old_set]
    del old, old_set, new_set
    if gone:
        names = [columns[i] for i in key]
        match = and_(*(table.c[n] == bindparam(f"key_{n}") for n in names))
        conn.execute(
            table.delete().where(match),
            [{f"key_{n}": r[i] for n, i in zip(names, key, strict=True)} for r in gone],
        )
    return len(gone) + insert_rows(conn, table, columns, added)


def _stored_rows(conn: Connection, table: Table, columns: list[str]) -> list[tuple[Any, ...]]:
    """The rows `table` holds, as the driver returns them (tuples in `columns`' order).

    Read through the driver's own cursor: SQLAlchemy's result rows cost twice the time for
    nothing here. A boolean read back from SQLite as 1 or 0 still equals, and hashes as,
    True or False.
    """
    names = ", ".join(f'"{c}"' for c in columns)
    target = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
    driver = conn.connection.driver_connection
    assert driver is not None  # a connection in use holds its driver's connection
    cursor = driver.cursor()
    try:
        cursor.execute(f"SELECT {names} FROM {target}")
        return list(cursor.fetchall())  # tuples: both drivers' default rows
    finally:
        cursor.close()


def reshape_tables(conn: Connection, tables: list[Table]) -> list[str]:
    """Drop, in the caller's transaction, each of `tables` whose columns or key in the
    database are not its definition's (a dimension, attribute or column added to or removed
    from `definitions/` since it was created), so that it is created again as defined; a
    rolled-back publication leaves the old table as it was. Returns their names.

    Only tables about to be replaced whole are reshaped: their rows are written again anyway.
    """
    found = inspect(conn)
    dropped = []
    for table in tables:
        if not found.has_table(table.name):
            continue
        columns = [c["name"] for c in found.get_columns(table.name)]
        key = found.get_pk_constraint(table.name).get("constrained_columns") or []
        wanted = [c.name for c in table.columns]
        if columns != wanted or sorted(key) != sorted(c.name for c in table.primary_key):
            table.drop(conn)
            dropped.append(table.name)
    return dropped


def codelist_rows(contract: Contract) -> pd.DataFrame:
    """The rows of the codelist table: every codelist a table of the warehouse draws on.

    All of the contract's published tables count, not only the ones of this publication:
    a table published before and left alone now is still there to be joined.
    """
    return codelist_frame(contract, used_codelists(contract, published_tables(contract)))


def _rows(frame: pd.DataFrame, columns: list[str]) -> list[tuple[Any, ...]]:
    """`frame`'s rows as tuples of plain Python values in `columns`' order (None for NA)."""
    return list(zip(*_column_values(frame, columns), strict=True)) if len(frame) else []


def insert_rows(
    conn: Connection, table: Table, columns: list[str], rows: list[tuple[Any, ...]]
) -> int:
    """Insert `rows` (tuples in `columns`' order) into `table` the fastest way the database
    offers; returns how many.

    PostgreSQL: COPY. SQLite: the driver's executemany over tuples. Anything else: SQLAlchemy's
    executemany over dictionaries, in chunks.
    """
    if not rows:
        return 0
    dialect = conn.dialect.name
    if dialect == "postgresql" and conn.dialect.driver == "psycopg":
        names = ", ".join(f'"{c}"' for c in columns)
        target = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
        statement = f"COPY {target} ({names}) FROM STDIN"
        driver_error = conn.dialect.loaded_dbapi.Error
        driver = conn.connection.driver_connection
        assert driver is not None  # a connection in use holds its driver's connection
        try:
            with driver.cursor().copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except driver_error as exc:  # the same exception SQLAlchemy raises for an INSERT
            raise DBAPIError.instance(statement, None, exc, driver_error) from exc
    elif dialect == "sqlite":
        names = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" * len(columns))
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)
    else:
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        for start in range(0, len(records), CHUNK):
            conn.execute(insert(table), records[start : start + CHUNK])
    return len(rows)


def _column_values(frame: pd.DataFrame, columns: list[str]) -> list[list[Any]]:
    """Each column as a list of plain Python values (None for NA), in the table's order."""
    present = frame.reindex(columns=columns)
    out = []
    for col in columns:
        values = present[col]
        if pd.api.types.is_bool_dtype(values.dtype) and not values.isna().any():
            out.append(values.to_numpy(dtype=bool).tolist())
        elif pd.api.types.is_float_dtype(values.dtype):
            arr = values.to_numpy(dtype=float, na_value=np.nan)
            # numpy's stubs take no None in where(); an object array holds it.
            out.append(np.where(np.isnan(arr), None, arr).tolist())  # type: ignore[call-overload]
        elif pd.api.types.is_bool_dtype(values.dtype) or pd.api.types.is_integer_dtype(
            values.dtype
        ):
            out.append(values.astype(object).where(values.notna(), None).tolist())
        else:
            text = values.astype("str") if not pd.api.types.is_string_dtype(values) else values
            out.append(text.to_numpy(dtype=object, na_value=None).tolist())  # type: ignore[call-overload]  # stubs: na_value takes None
    return out


def read_table(engine: Engine, name: str) -> pd.DataFrame:
    """A published table, sorted by its key, as it stands in the database."""
    metadata = published_metadata()
    table = metadata.tables[name]
    key = [c.name for c in table.primary_key.columns]
    with engine.connect() as conn:
        return pd.read_sql_table(name, conn).sort_values(key).reset_index(drop=True)
