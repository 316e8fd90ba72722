"""Which accepted submission is in force for each reference year."""

from __future__ import annotations

import pandas as pd


def in_force(rows: pd.DataFrame) -> pd.DataFrame:
    """Keep, for each reference year, only the rows of the latest submission that covers it.

    `rows` holds the rows of every accepted submission of one state and dataset, with a
    `submission_id` column (ids grow with time) and `time_period` as submitted. An earlier
    submission stays in the archive; it is only no longer published for the years a later
    one covers.
    """
    if rows.empty:
        return rows
    year = pd.to_numeric(rows["time_period"], errors="coerce")
    latest = rows.groupby(year)["submission_id"].transform("max")
    return rows[rows["submission_id"] == latest].reset_index(drop=True)
