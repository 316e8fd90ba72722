"""Read back the accepted submissions of one member state and dataset from the archive."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Engine

from pipelines.intake.archive import load_rows
from pipelines.intake.pinned import CELLS_READ
from pipelines.intake.supersede import in_force
from pipelines.settings import Settings
from pipelines.validation.findings import in_force_status
from pipelines.warehouse.registry import submissions_frame


def accepted_submissions(engine: Engine, dataset: str, country: str) -> pd.DataFrame:
    """Registry rows of the state's submissions of `dataset` in force (accepted, or held and
    approved), oldest first."""
    reg = submissions_frame(engine, country=country, dataset=dataset)
    return reg[in_force_status(reg["status"]) & reg["rows_path"].notna()]


def accepted_rows(settings: Settings, engine: Engine, dataset: str, country: str) -> pd.DataFrame:
    """Every accepted submission's cells, with `submission_id`, oldest submission first."""
    return _load(settings, accepted_submissions(engine, dataset, country))


def registered_rows(
    settings: Settings, registry: pd.DataFrame, dataset: str, country: str
) -> pd.DataFrame:
    """The cells of the state's submissions of `dataset` that a consolidation's registry
    (pinned.pinned_registry: every one in force, or a rebuild's pinned ones) says to read,
    oldest first."""
    mine = registry[(registry["dataset"] == dataset) & (registry["country"] == country)]
    mine = mine[mine[CELLS_READ].to_numpy(dtype=bool)]
    return _load(settings, mine.sort_values("id"))


def in_force_rows(
    settings: Settings, engine: Engine, dataset: str, country: str, years: Iterable[int]
) -> pd.DataFrame:
    """The cells in force for `years`: of each year, the latest accepted submission's.

    Only the submissions in force for those years are read from the archive.
    """
    wanted = {int(y) for y in years}
    subs = accepted_submissions(engine, dataset, country)
    winners: dict[int, int] = {}
    for sid, listed in zip(subs["id"], subs["years"].fillna(""), strict=True):  # per submission
        for year in (int(y) for y in str(listed).split(",") if y):
            if year in wanted:
                winners[year] = max(winners.get(year, 0), int(sid))
    rows = _load(settings, subs[subs["id"].isin(set(winners.values()))])
    if rows.empty:
        return rows
    rows = in_force(rows)
    return rows[pd.to_numeric(rows["time_period"], errors="coerce").isin(wanted)].reset_index(
        drop=True
    )


def _load(settings: Settings, submissions: pd.DataFrame) -> pd.DataFrame:
    frames = [
        load_rows(settings.archive_dir, path).assign(submission_id=int(sid))
        for path, sid in zip(submissions["rows_path"], submissions["id"], strict=True)
    ]
    if not frames:
        return pd.DataFrame({"submission_id": pd.Series([], dtype="int64")})
    return pd.concat(frames, ignore_index=True)
