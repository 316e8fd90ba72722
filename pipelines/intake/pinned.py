"""The registry a consolidation reads: every submission, or the ones a rebuild is pinned to.

A release records the submissions it used, the last registry row it saw and when it was
made. Rebuilding it reads the registry as it stood then: only those submissions, and a review
decided later undone (the file is held again), so the same Dagster job recomputes the same
tables.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from pipelines.validation.findings import HELD, in_force_status

#: The registry column saying whether a consolidation reads the submission's cells: in force,
#: archived, and (in a rebuild) among the pinned submissions.
CELLS_READ = "cells_read"


def pinned_registry(
    registry: pd.DataFrame,
    *,
    submission_ids: Iterable[int] | None = None,
    registry_upto: int | None = None,
    as_of: str | None = None,
) -> pd.DataFrame:
    """`registry` as a consolidation sees it, with CELLS_READ saying whose cells it reads.

    Unpinned, every submission in force is read. Pinned: rows up to `registry_upto`, a
    decision taken after `as_of` undone, and the cells of `submission_ids` only (the other
    submissions in force stay listed, so data_availability still shows them, but are not
    read)."""
    if registry_upto is not None:
        registry = registry[registry["id"] <= registry_upto]
    if as_of is not None and len(registry):
        decided = pd.to_datetime(registry["decided_at"], utc=True)
        later = (decided > pd.Timestamp(as_of)).fillna(False).to_numpy(dtype=bool)
        registry = registry.assign(status=registry["status"].where(~later, HELD))
    read = in_force_status(registry["status"]) & registry["rows_path"].notna()
    if submission_ids is not None:
        read &= registry["id"].isin(set(submission_ids))
    return registry.assign(**{CELLS_READ: read.to_numpy(dtype=bool)}).reset_index(drop=True)


def registry_years(registry: pd.DataFrame) -> list[int]:
    """Every reference year any submission listed: the years data_availability covers."""
    return sorted({int(y) for ys in registry["years"].dropna() for y in str(ys).split(",") if y})
