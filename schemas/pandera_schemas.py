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
from schemas.table_model import Field

MIN_YEAR = 1950


def current_year() -> int:
    return dt.date.today().year


def key_columns(contract: Contract, dataset_id: str) -> list[str]:
    """ref_area, time_period and the dataset's dimensions: what identifies an observation."""
    return list(contract.tables.harmonised(dataset_id).key)


def allowed_codes(contract: Contract, dataset_id: str, column: str) -> frozenset[str]:
    """The codes a submitted cell of `column` may hold, aliases included (derived codes are
    never among them)."""
    if column in contract.dimensions:
        return contract.codelist_of(dataset_id, column).accepted
    return contract.column_codelist(column).accepted


def published_codes(contract: Contract, dataset_id: str, column: str) -> frozenset[str]:
    """The codes a harmonised cell of `column` holds: aliases resolved, derived codes added."""
    if column in contract.dimensions:
        return contract.codelist_of(dataset_id, column).ids | contract.derived.ids
    return contract.column_codelist(column).ids


def submitted_schema(
    contract: Contract,
    dataset_id: str,
    country: str,
    *,
    columns: Iterable[str] | None = None,
    age_codes: Iterable[str] | None = None,
) -> pa.DataFrameSchema:
    """The schema of a submission's text cells; `columns` limits it to those present.

    Each field of the submitted table gets the checks of its type: the reporting area must be
    the submitting state (R4), a year a year (R4), a count a whole number (R5), a code one of
    its codelist (R3)."""
    model = contract.tables.submitted(dataset_id)
    present = set(columns) if columns is not None else set(model.field_ids)
    specs: dict[str, pa.Column] = {}
    for f in model.fields:
        checks = _submitted_checks(contract, dataset_id, country, f, age_codes)
        if checks:
            specs[f.id] = pa.Column(checks=checks)
    frame_checks = []
    measure = next(f.id for f in model.fields if f.role == "measure")
    for f in model.fields:
        missing = (
            sorted(contract.codelists[f.codelist].missing)
            if f.codelist is not None and f.codelist in contract.codelists
            else []
        )
        if missing and {measure, f.id} <= present:
            frame_checks.append(
                pa.Check(
                    lambda df, m=measure, s=f.id, codes=missing: (df[m] != "") | df[s].isin(codes),
                    error="R5:missing",
                )
            )
    keys = [k for k in model.key if k in present]
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


def _submitted_checks(
    contract: Contract,
    dataset_id: str,
    country: str,
    f: Field,
    age_codes: Iterable[str] | None,
) -> list[pa.Check]:
    if f.type == "area":
        return [pa.Check.eq(country, error="R4:ref_area")]
    if f.type == "year":
        return [
            pa.Check.year_text(min_year=MIN_YEAR, max_year=current_year(), error="R4:time_period")
        ]
    if f.type == "count":
        return [
            pa.Check.count_text(error="R5:not_integer"),
            pa.Check.count_at_most(max_value=contract.limits.max_value, error="R5:too_large"),
        ]
    if f.codelist is None:
        return []  # free text: nothing to check
    codes = allowed_codes(contract, dataset_id, f.id)
    if f.id in contract.dimensions and contract.dimensions[f.id].is_age and age_codes is not None:
        codes = frozenset(age_codes)
    checks = [pa.Check.isin(sorted(codes), error="R3:unknown_code")]
    if f.id in contract.dimensions:
        breakdown = contract.breakdown_of(dataset_id, f.id)
        if isinstance(breakdown, Countries) and not breakdown.own_needed:
            # Immigrants do not come from their own country; permits go to non-nationals.
            checks.append(pa.Check.ne(country, error="R3:own_code"))
    return checks


def harmonised_schema(contract: Contract, dataset_id: str) -> pa.DataFrameSchema:
    """The typed table of one dataset after validation (and the regional table, which has
    these fields and more): each field's type, and the codes it may hold."""
    model = contract.tables.harmonised(dataset_id)
    area_codes = sorted(contract.countries.ids | {c.code for c in contract.derived.codes})
    columns: dict[str, pa.Column] = {}
    for f in model.fields:
        if f.type == "area":
            checks = [pa.Check.isin(area_codes)]
        elif f.type == "year":
            checks = [pa.Check.in_range(MIN_YEAR, current_year())]
        elif f.type == "count":
            checks = [pa.Check.ge(0)]
        elif f.codelist is not None:
            checks = [pa.Check.isin(sorted(published_codes(contract, dataset_id, f.id)))]
        else:
            checks = []
        columns[f.id] = pa.Column(
            f.dtype,
            checks,
            nullable=f.nullable,
            # Where a value came from is known once a submission is registered, not before.
            required=not (f.stage == "harmonised" and f.nullable),
        )
    return pa.DataFrameSchema(
        columns,
        unique=list(model.key),
        strict=False,
        coerce=True,
        name=f"harmonised {dataset_id}",
    )


def has_total(contract: Contract, dataset_id: str, dimension: str) -> bool:
    return TOTAL in contract.codelist_of(dataset_id, dimension).ids


__all__ = ["harmonised_schema", "key_columns", "submitted_schema"]
