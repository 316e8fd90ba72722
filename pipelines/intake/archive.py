"""The archive: every submitted file kept byte for byte under a name derived from its content.

The uploaded file name is never used as a path (it is metadata only), so no name — "../x",
"CON", a 300-character title — can escape the archive or collide. Writes go to a temporary
file first and are renamed into place, so a killed process never leaves half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store_file(archive_dir: Path, data: bytes, suffix: str) -> str:
    """Keep `data` as files/<ab>/<sha256><suffix>; returns that path relative to the archive."""
    digest = sha256_of(data)
    relative = Path("files") / digest[:2] / f"{digest}{suffix}"
    target = archive_dir / relative
    if not target.exists():  # same bytes, same name: nothing to do
        _write_atomically(target, data)
    return relative.as_posix()


def store_report(archive_dir: Path, submission_id: int, report_json: str) -> str:
    relative = Path("reports") / f"{submission_id}.json"
    _write_atomically(archive_dir / relative, report_json.encode("utf-8"))
    return relative.as_posix()


def store_rows(archive_dir: Path, submission_id: int, rows: pd.DataFrame) -> str:
    """The accepted file's cells (column ids, text) with their row numbers, as Parquet."""
    relative = Path("rows") / f"{submission_id}.parquet"
    target = archive_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".parquet")
    os.close(fd)
    table = pa.Table.from_pandas(rows, preserve_index=False)
    # Plain text columns, whatever pandas held them as: the archive outlives this code.
    schema = pa.schema(
        [
            pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) else f
            for f in table.schema
        ]
    )
    pq.write_table(table.cast(schema).replace_schema_metadata(None), tmp)
    os.replace(tmp, target)
    return relative.as_posix()


def load_rows(archive_dir: Path, relative: str) -> pd.DataFrame:
    return pd.read_parquet(archive_dir / relative)


def load_report(archive_dir: Path, relative: str) -> dict:
    """A submission's validation report (JSON) as it was written at intake."""
    return json.loads((archive_dir / relative).read_text(encoding="utf-8"))
