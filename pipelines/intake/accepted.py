"""Read back the accepted submissions of one member state and dataset from the archive."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from pipelines.intake.archive import load_rows
from pipelines.settings import Settings
from pipelines.warehouse.registry import submissions_frame


def accepted_submissions(engine: Engine, dataset: str, country: str) -> pd.DataFrame:
    """Registry rows of the state's accepted submissions of `dataset`, oldest first."""
    reg = submissions_frame(engine, country=country, dataset=dataset)
    return reg[reg["status"].str.startswith("accepted") & reg["rows_path"].notna()]


def accepted_rows(settings: Settings, engine: Engine, dataset: str, country: str) -> pd.DataFrame:
    """Every accepted submission's cells, with `submission_id`, oldest submission first."""
    frames = [
        load_rows(settings.archive_dir, rec.rows_path).assign(submission_id=int(rec.id))
        for rec in accepted_submissions(engine, dataset, country).itertuples()
    ]
    if not frames:
        return pd.DataFrame({"submission_id": pd.Series([], dtype="int64")})
    return pd.concat(frames, ignore_index=True)
