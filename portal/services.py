"""The pipeline as the portal uses it: one store, one engine, one contract per process, and
the registry read for the states an account may see. No rule is decided here."""

from __future__ import annotations

import functools
import json
from typing import Any, cast

import pandas as pd
from sqlalchemy import Engine

from pipelines.intake.archive import load_report
from pipelines.intake.pinned import registry_years
from pipelines.regional.availability import data_availability
from pipelines.settings import Settings
from pipelines.validation.findings import Report
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
    return None if rows.empty else cast(dict[str, Any], rows.iloc[0].to_dict())


def stored_report(rec: dict[str, Any]) -> Report | None:
    if not rec.get("report_path"):
        return None
    return Report.from_dict(load_report(store().archive_dir, rec["report_path"]))


def impact_sentences(rec: dict[str, Any], lang: str = "en") -> list[str]:
    from pipelines.intake.impact import Impact

    if not rec.get("impact"):
        return []
    try:
        return Impact.from_dict(json.loads(rec["impact"])).sentences(lang)
    except (ValueError, TypeError, KeyError, AttributeError):
        return []


def in_force(country: str) -> pd.DataFrame:
    """Per dataset and year, the submission of `country` in force: data_availability's rows
    with a submission (the same rule consolidation publishes by)."""
    reg = submissions_frame(engine(), country=country).rename(columns={"id": "submission_id"})
    grid = data_availability(contract(), reg, registry_years(reg))
    return grid[(grid["ref_area"] == country) & grid["submission_id"].notna()]


def in_force_grid(country: str, lang: str) -> tuple[list[int], list[dict[str, Any]]]:
    """Dataset x year -> the submission in force, for one state's history page."""
    frame = in_force(country)
    years = sorted(int(y) for y in frame["time_period"].unique())
    ids = {
        (d, int(y)): int(s)
        for d, y, s in zip(
            frame["dataset"], frame["time_period"], frame["submission_id"], strict=True
        )
    }
    rows = [
        {"dataset": d, "label": ds.label_in(lang), "ids": [ids.get((d, y)) for y in years]}
        for d, ds in contract().datasets.items()
    ]
    return years, rows
