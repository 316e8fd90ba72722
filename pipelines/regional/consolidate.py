"""`regional_<dataset>`: every state's harmonised rows plus the COMESA aggregate area."""

from __future__ import annotations

import pandas as pd

from pipelines.regional.flags import flag_of, rank_of
from pipelines.regional.membership import (
    aggregate_area,
    member_counts,
    members_frame,
    state_rows,
)
from schemas.contract import Contract
from schemas.pandera_schemas import key_columns


def regional_table(contract: Contract, dataset_id: str, harmonised: pd.DataFrame) -> pd.DataFrame:
    """The published regional table of one dataset: state rows and the COMESA aggregate.

    For each key (year and every dimension) the aggregate sums the member states of that year
    that have a value for it; states outside COMESA that year keep their rows but are left out
    of the sum. Its obs_status is the strongest flag of its parts, `n_reporting` says how many
    states it sums and `n_members` how many there were. Sender-confidential cells are summed
    like any other: disclosure control of the aggregate is done at publication.

    A key for which every member's value is missing (obs_status m) gets an aggregate with no
    value, the strongest flag of those rows, and n_reporting 0: the cell cannot exist anywhere.
    """
    keys = key_columns(contract, dataset_id)
    cell = [k for k in keys if k != "ref_area"]
    states = state_rows(contract, harmonised).assign(n_reporting=1, n_members=1)
    years = states["time_period"].unique()

    parts = states.merge(members_frame(contract, years), on=["ref_area", "time_period"])
    has_value = parts["obs_value"].notna()
    rank = rank_of(contract, parts["obs_status"])
    parts = parts.assign(
        _rank=rank,
        # Flags of the missing parts only matter when no member has a value.
        _rank_valued=rank.where(has_value, -1),
        _valued=has_value.astype("int64"),
    )
    groups = parts.groupby(cell, sort=False)
    agg = groups.agg(
        _rank=("_rank", "max"),
        _rank_valued=("_rank_valued", "max"),
        n_reporting=("_valued", "sum"),
    )
    # min_count=1: a key no member has a value for stays empty rather than becoming 0.
    agg["obs_value"] = groups["obs_value"].sum(min_count=1)
    agg = agg.reset_index()
    status_rank = agg["_rank_valued"].where(agg["n_reporting"] > 0, agg["_rank"])
    comesa = agg[cell].assign(
        ref_area=aggregate_area(contract),
        obs_value=agg["obs_value"].astype("Int64"),
        obs_status=flag_of(contract, status_rank),
        conf_status="",
        derived=True,
        n_reporting=agg["n_reporting"],
        n_members=agg["time_period"].map(member_counts(contract, years)),
        submission_id=pd.NA,
        source_row=pd.NA,
    )
    columns = keys + contract.regional_value_columns()
    out = pd.concat([states[columns], comesa[columns]])
    out = out.astype(
        {
            "obs_value": "Int64",
            "n_reporting": "int64",
            "n_members": "int64",
            "submission_id": "Int64",
            "source_row": "Int64",
            "derived": "bool",
        }
    )
    return out.sort_values(keys, kind="stable").reset_index(drop=True)
