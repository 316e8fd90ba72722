"""Slices of a table by one country dimension: the rows a migration indicator is built from."""

from __future__ import annotations

import pandas as pd

from pipelines.regional.membership import state_rows
from schemas.contract import TOTAL, UNKNOWN, AllOf, Contract

#: Dimension and dataset ids the indicators are defined in terms of (datasets.yaml).
SEX = "sex"
CITIZENSHIP = "citizenship"
COUNTRY_OF_BIRTH = "country_of_birth"
POPULATION_STOCK = "population_stock"
IMMIGRATION = "immigration"
EMIGRATION = "emigration"
ACQUISITION = "citizenship_acquisition"
REFUGEES = "refugees"
PREVIOUS_RESIDENCE = "previous_residence"
NEXT_RESIDENCE = "next_residence"


def published_sexes(contract: Contract) -> list[str]:
    """M, F and _T: the sexes of a complete breakdown plus the total (unknown is not shown)."""
    breakdown = contract.dimensions[SEX].breakdown
    assert isinstance(breakdown, AllOf), "sex is broken down by a list of codes"
    return [*breakdown.codes, TOTAL]


def by_country(
    contract: Contract,
    dataset_id: str,
    frame: pd.DataFrame,
    dimension: str,
    sexes: list[str] | None = None,
) -> pd.DataFrame:
    """Rows of `frame` broken down by `dimension` with every other dimension at _T but sex.

    `sexes` limits sex to those codes (the published ones by default); pass [TOTAL] for the
    whole population only. The country column is renamed `country`.
    """
    dims = contract.dataset(dataset_id).dimensions
    held = [d for d in dims if d not in (dimension, SEX)]
    mask = (frame[held] == TOTAL).all(axis=1) & frame[SEX].isin(sexes or published_sexes(contract))
    cols = ["ref_area", "time_period", SEX, dimension, "obs_value", "obs_status", "conf_status"]
    return frame.loc[mask, cols].rename(columns={dimension: "country"})


def is_foreign(parts: pd.DataFrame) -> pd.Series:
    """Every country code but the reporting state's own, _T and _U (so _O and XXA count)."""
    return parts["country"].ne(parts["ref_area"]) & ~parts["country"].isin([TOTAL, UNKNOWN])


def foreign_total(
    contract: Contract, dataset_id: str, frame: pd.DataFrame, dimension: str
) -> pd.DataFrame:
    """Per state and year, the foreign population by `dimension` (both sexes, other dims _T).

    Only state-years that show at least one foreign code with a value appear: a table without
    that breakdown says nothing about foreigners. Aggregate-area rows are left out.
    """
    parts = by_country(contract, dataset_id, state_rows(contract, frame), dimension, [TOTAL])
    parts = parts[is_foreign(parts) & parts["obs_value"].notna()]
    return (
        parts.groupby(["ref_area", "time_period"], as_index=False)[["obs_value"]]
        .sum()
        .astype({"obs_value": "Int64"})
    )
