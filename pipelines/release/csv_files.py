"""The CSV file of a published table: what a person opens in Excel or reads with any tool."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipelines.release.neutralise import blank_non_finite, neutralise_frame

#: UTF-8 with a byte-order mark: without it Excel reads UTF-8 as the local code page and
#: mangles names such as "Côte d'Ivoire"; pandas, R and Python's csv module skip the mark.
ENCODING = "utf-8-sig"


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write `frame` as comma-separated UTF-8 with BOM, empty cells for missing values."""
    safe = neutralise_frame(blank_non_finite(frame))
    safe.to_csv(path, index=False, encoding=ENCODING, na_rep="", lineterminator="\r\n")
    return path
