"""The pipeline as the portal uses it: one store, one engine, one contract per process, and
the registry read for the states an account may see. No rule is decided here."""

from __future__ import annotations

import functools
import json
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from pipelines.intake.archive import load_report
from pipelines.settings import Settings
from pipelines.validation.findings import IN_FORCE, Report
from pipelines.warehouse.engine import make_engine
from pipelines.warehouse.registry import ensure_registry, submissions_frame
from schemas.contract import Contract, load_contract


@functools.cache
def store() -> Settings:
    from django.conf import settings

    return settings.STORE


@functools.cache
def engine() -> Engine:
    e = make_engine(store().database_url)
    ensure_registry(e)
    return e


@functools.cache
def contract() -> Contract:
    return load_contract()


def registry(states: list[str]) -> pd.DataFrame:
    """The submissions of `states`, newest first."""
    frame = submissions_frame(engine())
    frame = frame[frame["country"].isin(states)]
    return frame.sort_values("id", ascending=False)


def record(submission_id: int, states: list[str]) -> dict[str, Any] | None:
    """One submission, if it belongs to one of `states` (None otherwise, as if it did not
    exist)."""
    if not 0 < submission_id < 2**62:  # no such id; and pandas and SQLite stop at 2**63
        return None
    frame = submissions_frame(engine())
    rows = frame[(frame["id"] == submission_id) & frame["country"].isin(states)]
    return None if rows.empty else rows.iloc[0].to_dict()


def stored_report(rec: dict[str, Any]) -> Report | None:
    if not rec.get("report_path"):
        return None
    return Report.from_dict(load_report(store().archive_dir, rec["report_path"]))


def impact_sentences(rec: dict[str, Any]) -> list[str]:
    from pipelines.intake.impact import Impact

    if not rec.get("impact"):
        return []
    try:
        return Impact.from_dict(json.loads(rec["impact"])).sentences()
    except (ValueError, TypeError, KeyError, AttributeError):
        return []


def in_force_by_year(states: list[str]) -> pd.DataFrame:
    """Per state, dataset and year: the submission in force."""
    frame = registry(states)
    frame = frame[frame["status"].isin(IN_FORCE)]
    rows = []
    for rec in frame.itertuples():
        for year in str(rec.years or "").split(","):
            if year.strip():
                rows.append((rec.country, rec.dataset, int(year), rec.id))
    out = pd.DataFrame(rows, columns=["country", "dataset", "year", "id"])
    # the newest submission in force for a year is the one published
    out = out.sort_values("id").drop_duplicates(["country", "dataset", "year"], keep="last")
    order = {d: n for n, d in enumerate(contract().datasets)}
    return out.sort_values(["country", "dataset", "year"], key=_by(order)).reset_index(drop=True)


def in_force_grid(country: str) -> tuple[list[int], list[dict[str, Any]]]:
    """Dataset x year -> the submission in force, for one state's history page."""
    frame = in_force_by_year([country])
    years = sorted(frame["year"].unique().tolist())
    rows = []
    for dataset, ds in contract().datasets.items():
        mine = dict(zip(frame.loc[frame["dataset"] == dataset, "year"],
                        frame.loc[frame["dataset"] == dataset, "id"], strict=True))  # fmt: skip
        rows.append({"dataset": dataset, "label": ds.label, "ids": [mine.get(y) for y in years]})
    return years, rows


def _by(order: dict[str, int]):
    def key(column: pd.Series) -> pd.Series:
        return column.map(order) if column.name == "dataset" else column

    return key
