"""`regional_<dataset>`: every state's harmonised rows plus the aggregate areas (COMESA) of
the cells the dissemination tables publish."""

from __future__ import annotations

import pandas as pd

from pipelines.regional.aggregate_terms import ROW, STATE, aggregate_terms
from pipelines.regional.dissemination import in_some_table
from pipelines.regional.flags import flag_of, rank_of
from pipelines.regional.membership import aggregates, state_rows
from schemas.contract import Contract
from schemas.pandera_schemas import key_columns


def regional_table(contract: Contract, dataset_id: str, harmonised: pd.DataFrame) -> pd.DataFrame:
    """The regional table of one dataset: state rows and the aggregate areas' rows.

    Every state row is kept (the quality checks and the indicators read them); aggregate rows
    are computed for the cells some dissemination table of the dataset shows, the only ones
    anybody reads: at the benchmark's scale a small part of every dimension crossed.

    An aggregate cell sums the cells of the member states of that year (or of today, for the
    fixed-composition aggregate) that have a value for it, with country dimensions recoded
    relative to each state (nationals, other members, non-members; see aggregate_terms). States
    outside the aggregate that year keep their rows but are left out of the sum. Its obs_status
    is the strongest flag of its parts, `n_reporting` says how many states it sums and
    `n_members` how many there were. Sender-confidential cells are summed like any other:
    disclosure control of the aggregate is done at publication.

    A key for which every member's value is missing gets an aggregate with no value, the
    strongest flag of those rows, and n_reporting 0.
    """
    keys = key_columns(contract, dataset_id)
    dims = list(contract.dataset(dataset_id).dimensions)
    states = state_rows(contract, harmonised).reset_index(drop=True)
    states = states.assign(n_reporting=1, n_members=1)
    years = states["time_period"].unique()

    shown = states[in_some_table(contract, dataset_id, states)].reset_index(drop=True)
    terms = aggregate_terms(contract, shown, dims, dataset_id)
    rows = terms[ROW].to_numpy()
    parts = terms.assign(
        obs_value=shown["obs_value"].to_numpy()[rows],
        _rank=rank_of(contract, pd.Series(shown["obs_status"].to_numpy()[rows])),
    )
    has_value = parts["obs_value"].notna()
    parts = parts.assign(
        # Flags of the missing parts only matter when no member has a value.
        _rank_valued=parts["_rank"].where(has_value, -1),
        _valued_state=parts[STATE].where(has_value),
    )
    groups = parts.groupby(keys, sort=False)
    agg = groups.agg(
        _rank=("_rank", "max"),
        _rank_valued=("_rank_valued", "max"),
        n_reporting=("_valued_state", "nunique"),
    )
    # min_count=1: a key no member has a value for stays empty rather than becoming 0.
    agg["obs_value"] = groups["obs_value"].sum(min_count=1)
    agg = agg.reset_index()
    counts = {a.code: a.member_counts(contract, years) for a in aggregates(contract)}
    n_members = pd.concat(
        [
            agg.loc[agg["ref_area"] == code, "time_period"].map(per_year)
            for code, per_year in counts.items()
        ]
    ).reindex(agg.index)
    status_rank = agg["_rank_valued"].where(agg["n_reporting"] > 0, agg["_rank"])
    combined = agg[keys].assign(
        obs_value=agg["obs_value"].astype("Int64"),
        obs_status=flag_of(contract, status_rank),
        conf_status="",
        derived=True,
        n_reporting=agg["n_reporting"],
        n_members=n_members,
        # pandas-stubs take no NA among assign()'s scalars; pandas fills the column with it.
        submission_id=pd.NA,  # type: ignore[arg-type]
        source_row=pd.NA,  # type: ignore[arg-type]
    )
    model = contract.tables.internal(dataset_id)
    attributes = {
        f.id: "" for f in model.fields if f.role == "attribute" and f.stage == "submitted"
    }
    combined = combined.assign(**{a: v for a, v in attributes.items() if a not in combined})
    out = pd.concat([model.conform(states), model.conform(combined)])
    return out.sort_values(keys, kind="stable").reset_index(drop=True)
