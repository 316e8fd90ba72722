"""The Parquet file of a published table: the typed copy for programs (pandas, R, DuckDB)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.release.tables import TableSpec


def write_parquet(frame: pd.DataFrame, spec: TableSpec, path: Path) -> Path:
    """Write `frame` as it is, with the table's label and column descriptions as metadata.

    Values are not neutralised: Parquet is not opened by spreadsheets, and a program must get
    back exactly what was published.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    about = {
        "name": spec.name,
        "label": spec.label,
        "description": spec.description,
        "columns": {c.id: c.description for c in spec.columns},
    }
    metadata = {**(table.schema.metadata or {}), b"migstats": json.dumps(about).encode()}
    pq.write_table(table.replace_schema_metadata(metadata), path)
    return path
