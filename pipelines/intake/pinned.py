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


def pinned_registry(
    registry: pd.DataFrame,
    *,
    submission_ids: Iterable[int] | None = None,
    registry_upto: int | None = None,
    as_of: str | None = None,
) -> pd.DataFrame:
    """`registry` as a consolidation pinned to these submissions sees it: rows up to
    `registry_upto`, a decision taken after `as_of` undone, and the cells of `submission_ids`
    only (the other accepted submissions stay listed, so data_availability still shows them,
    with no `rows_path`: nothing reads their cells)."""
    if registry_upto is not None:
        registry = registry[registry["id"] <= registry_upto]
    if as_of is not None and len(registry):
        decided = pd.to_datetime(registry["decided_at"], utc=True)
        later = (decided > pd.Timestamp(as_of)).fillna(False).to_numpy(dtype=bool)
        registry = registry.assign(status=registry["status"].where(~later, HELD))
    if submission_ids is not None:
        pinned = registry["id"].isin(set(submission_ids))
        kept = in_force_status(registry["status"]) & ~pinned
        registry = registry.assign(rows_path=registry["rows_path"].where(~kept.to_numpy(), None))
    return registry.reset_index(drop=True)


def registry_years(registry: pd.DataFrame) -> list[int]:
    """Every reference year any submission listed: the years data_availability covers."""
    return sorted({int(y) for ys in registry["years"].dropna() for y in str(ys).split(",") if y})
