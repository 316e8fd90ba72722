"""Replace the published tables, all of them or none: one transaction per publication.

Readers of the database see either the previous publication or the new one, whole. A run
that fails or is killed mid-way rolls back (PostgreSQL and SQLite both make DELETE and
INSERT transactional), so the previous publication stays in force. The `codelist` table,
the published codes in words, is replaced in the same transaction, so its labels are always
those of the definitions the tables were published under.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, MetaData, Table, insert, inspect
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
) -> dict[str, int]:
    """Replace every table in `tables` and the codelist table, and record the release;
    returns rows per table of `tables`."""
    contract = contract or load_contract()
    metadata = published_metadata(contract)
    ensure_registry(engine, contract)
    counts = {}
    codelist_table = metadata.tables[CODELIST_TABLE]
    with engine.begin() as conn:
        replaced = [*(metadata.tables[name] for name in tables), codelist_table]
        reshape_tables(conn, replaced)
        metadata.create_all(conn, tables=replaced)
        for name, frame in tables.items():
            table = metadata.tables[name]
            conn.execute(table.delete())
            counts[name] = bulk_insert(conn, table, frame)
        conn.execute(codelist_table.delete())
        bulk_insert(conn, codelist_table, codelist_rows(contract))
        conn.execute(
            insert(releases).values(
                release_id=release_id,
                created_at=dt.datetime.now(dt.UTC),
                folder=folder,
                submissions=",".join(map(str, submission_ids or [])),
                parameters=json.dumps(parameters or {}, sort_keys=True, default=str),
            )
        )
    return counts


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


def bulk_insert(conn: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert `frame`'s rows into `table` the fastest way the database offers; returns rows.

    PostgreSQL: COPY. SQLite: the driver's executemany over tuples. Anything else: SQLAlchemy's
    executemany over dictionaries, in chunks.
    """
    columns = [c.name for c in table.columns]
    rows = list(zip(*_column_values(frame, columns), strict=True)) if len(frame) else []
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
