"""Replace the published tables, all of them or none: one transaction per publication.

Readers of the database see either the previous publication or the new one, whole. A run
that fails or is killed mid-way rolls back (PostgreSQL and SQLite both make DELETE and
INSERT transactional), so the previous publication stays in force.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, MetaData, insert

from pipelines.warehouse.registry import ensure_registry, releases
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
    """Replace every table in `tables` and record the release; returns rows per table."""
    metadata = published_metadata(contract)
    ensure_registry(engine)
    counts = {}
    with engine.begin() as conn:
        metadata.create_all(conn, tables=[metadata.tables[name] for name in tables])
        for name, frame in tables.items():
            table = metadata.tables[name]
            conn.execute(table.delete())
            records = _records(frame, [c.name for c in table.columns])
            for start in range(0, len(records), CHUNK):
                conn.execute(insert(table), records[start : start + CHUNK])
            counts[name] = len(records)
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


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """Rows as plain Python values (None for NA), in the table's columns."""
    present = frame.reindex(columns=columns)
    out = {}
    for col in columns:
        values = present[col]
        if pd.api.types.is_bool_dtype(values.dtype):
            out[col] = [None if pd.isna(v) else bool(v) for v in values.astype(object)]
        elif pd.api.types.is_integer_dtype(values.dtype):
            out[col] = [None if pd.isna(v) else int(v) for v in values.astype(object)]
        elif pd.api.types.is_float_dtype(values.dtype):
            arr = values.to_numpy(dtype=float, na_value=np.nan)
            out[col] = [None if np.isnan(v) else float(v) for v in arr]
        else:
            out[col] = [None if pd.isna(v) else str(v) for v in values.astype(object)]
    return [dict(zip(columns, row, strict=True)) for row in zip(*out.values(), strict=True)]


def read_table(engine: Engine, name: str) -> pd.DataFrame:
    """A published table, sorted by its key, as it stands in the database."""
    metadata = published_metadata()
    table = metadata.tables[name]
    key = [c.name for c in table.primary_key.columns]
    with engine.connect() as conn:
        return pd.read_sql_table(name, conn).sort_values(key).reset_index(drop=True)
