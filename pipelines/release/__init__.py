"""A release: every published table as CSV, Parquet, XLSX and (datasets) SDMX-CSV 2.0.

`write_release` writes one folder per release, all at once or not at all; what each table
publishes, and the words that describe it, come from `definitions/`.
"""

from __future__ import annotations

from pipelines.release.files import (
    ReleaseExists,
    commit_release,
    recover_releases,
    write_release,
)
from pipelines.release.tables import TableSpec, published_frame, table_spec

__all__ = [
    "ReleaseExists",
    "TableSpec",
    "commit_release",
    "published_frame",
    "recover_releases",
    "table_spec",
    "write_release",
]
