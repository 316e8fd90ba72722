"""Pandera schemas built from the contract: one for a file as submitted, one harmonised.

The submitted schema checks text cells (rules 3-6); each check's `error` is "<rule>:<kind>",
which the validator turns into the sentence of rules.yaml. The harmonised schema checks the
typed table the pipeline publishes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
import pandera.pandas as pa

from schemas.checks import duplicated_rows  # also registers year_text and count_text
from schemas.contract import TOTAL, Contract, Countries

MIN_YEAR = 1950


def current_year() -> int:
    return dt.date.today().year


def key_columns(contract: Contract, dataset_id: str) -> list[str]:
    """ref_area, time_period and the dataset's dimensions: what identifies an observation."""
    return ["ref_area", "time_period", *contract.dataset(dataset_id).dimensions]


def allowed_codes(contract: Contract, dataset_id: str, column: str) -> frozenset[str]:
    """The codes a submitted cell of `column` may hold, aliases included (derived codes are
    never among them)."""
    if column in contract.dimensions:
        return contract.codelist_of(dataset_id, column).accepted
    return contract.codelists[contract.columns[column].codelist].accepted


def published_codes(contract: Contract, dataset_id: str, column: str) -> frozenset[str]:
    """The codes a harmonised cell of `column` holds: aliases resolved, derived codes added."""
    if column in contract.dimensions:
        return contract.codelist_of(dataset_id, column).ids | contract.derived.ids
    return contract.codelists[contract.columns[column].codelist].ids


def submitted_schema(
    contract: Contract,
    dataset_id: str,
    country: str,
    *,
    columns: Iterable[str] | None = None,
    age_codes: Iterable[str] | None = None,
) -> pa.DataFrameSchema:
    """The schema of a submission's text cells; `columns` limits it to those present."""
    present = set(columns) if columns is not None else set(contract.column_ids(dataset_id))
    specs: dict[str, pa.Column] = {
        "ref_area": pa.Column(checks=pa.Check.eq(country, error="R4:ref_area")),
        "time_period": pa.Column(
            checks=pa.Check.year_text(
                min_year=MIN_YEAR, max_year=current_year(), error="R4:time_period"
            )
        ),
        "obs_value": pa.Column(
            checks=[
                pa.Check.count_text(error="R5:not_integer"),
                pa.Check.count_at_most(max_value=contract.limits.max_value, error="R5:too_large"),
            ]
        ),
    }
    for dim in contract.dataset(dataset_id).dimensions:
        codes = allowed_codes(contract, dataset_id, dim)
        if contract.dimensions[dim].is_age and age_codes is not None:
            codes = frozenset(age_codes)
        checks = [pa.Check.isin(sorted(codes), error="R3:unknown_code")]
        breakdown = contract.breakdown_of(dataset_id, dim)
        if isinstance(breakdown, Countries) and not breakdown.own_needed:
            # Immigrants do not come from their own country; permits go to non-nationals.
            checks.append(pa.Check.ne(country, error="R3:own_code"))
        specs[dim] = pa.Column(checks=checks)
    for attr in ("obs_status", "conf_status"):
        codes = allowed_codes(contract, dataset_id, attr)
        specs[attr] = pa.Column(checks=pa.Check.isin(sorted(codes), error="R3:unknown_code"))
    frame_checks = []
    if {"obs_value", "obs_status"} <= present:
        missing = sorted(contract.codelists[contract.columns["obs_status"].codelist].missing)
        frame_checks.append(
            pa.Check(
                lambda df: (df["obs_value"] != "") | df["obs_status"].isin(missing),
                error="R5:missing",
            )
        )
    keys = [k for k in key_columns(contract, dataset_id) if k in present]
    frame_checks.append(
        pa.Check(
            lambda df: pd.Series(~duplicated_rows(df, keys), index=df.index),
            error="R6:duplicate",
        )
    )
    return pa.DataFrameSchema(
        {name: spec for name, spec in specs.items() if name in present},
        checks=frame_checks,
        name=f"{dataset_id} as submitted by {country}",
    )


def harmonised_schema(contract: Contract, dataset_id: str) -> pa.DataFrameSchema:
    """The typed table of one dataset after validation: what `regional_<dataset>` holds."""
    dims = contract.dataset(dataset_id).dimensions
    area_codes = sorted(contract.countries.ids | {c.code for c in contract.derived.codes})
    columns: dict[str, pa.Column] = {
        "ref_area": pa.Column(str, pa.Check.isin(area_codes)),
        "time_period": pa.Column("int64", pa.Check.in_range(MIN_YEAR, current_year())),
    }
    for dim in dims:
        columns[dim] = pa.Column(
            str, pa.Check.isin(sorted(published_codes(contract, dataset_id, dim)))
        )
    columns["obs_value"] = pa.Column("Int64", pa.Check.ge(0), nullable=True)
    for attr in ("obs_status", "conf_status"):
        codes = published_codes(contract, dataset_id, attr)
        columns[attr] = pa.Column(str, pa.Check.isin(sorted(codes)))
    columns["derived"] = pa.Column(bool)
    return pa.DataFrameSchema(
        columns,
        unique=["ref_area", "time_period", *dims],
        strict=False,
        coerce=True,
        name=f"harmonised {dataset_id}",
    )


def has_total(contract: Contract, dataset_id: str, dimension: str) -> bool:
    return TOTAL in contract.codelist_of(dataset_id, dimension).ids


__all__ = ["harmonised_schema", "key_columns", "submitted_schema"]
