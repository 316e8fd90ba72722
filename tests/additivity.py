"""Is a set of published tables additive? Every relation whose total and parts are published.

A relation is checked where its total and *all* its parts are published with a value: a
suppressed cell (A, D, C) hides its value, and a part that is not published (a breakdown
that does not cover everyone) makes the relation incomplete. "All its parts" follows the
contract (breakdowns.complete_sums): the codes a complete breakdown needs, and every code the
rest of the population uses. Checked:

* dissemination tables, member states: every dimension with _T, holding the others fixed; a
  state-year whose submission totals differ from their parts within rule 8 (footnoted
  `non_additive`) is exempt, but must differ by 1% at most and only between submitted cells;
* dissemination tables and the migrant stock, aggregates (COMESA and the fixed-composition one):
  each cell equals the sum of the member cells it counts (aggregate_terms: country codes
  recoded relative to each state) where every member reports (n_reporting = n_members) and
  none is hidden; the migrant stock's aggregates also by sex;
* migrant_stock and migration_matrix: _T = M + F + _U.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.regional.aggregate_terms import ROW, aggregate_terms
from pipelines.regional.membership import aggregate_codes
from pipelines.validation.breakdowns import complete_sums, relations
from schemas.contract import TOTAL, UNKNOWN, Contract


def violations(contract: Contract, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per published relation whose total is not the sum of its parts."""
    exempt = _exempt(tables.get("footnotes"))
    found = []
    for name, frame in tables.items():
        dataset = contract.tables.dataset_of(name)
        if dataset is None or frame.empty:
            continue
        cube = _in_cube_shape(contract, dataset, frame)
        found.append(_regional(contract, name, dataset, cube, exempt))
    by_sex = {
        "migrant_stock": ["ref_area", "time_period"],
        "migration_matrix": ["ref_area", "counterpart_area", "time_period"],
    }
    codes = aggregate_codes(contract)
    for name, group in by_sex.items():
        if name in tables and len(tables[name]):
            states = tables[name][~tables[name]["ref_area"].isin(codes)]  # see _aggregate
            found.append(_by_sex(name, states, group))
    if "migrant_stock" in tables and len(tables["migrant_stock"]):
        found.append(_aggregate(contract, "migrant_stock", tables["migrant_stock"], ["sex"]))
    found = [f for f in found if len(f)]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame()


def _exempt(footnotes: pd.DataFrame | None) -> set[tuple[str, str, int]]:
    if footnotes is None or footnotes.empty or "kind" not in footnotes:
        return set()
    rows = footnotes[footnotes["kind"] == "non_additive"]
    return {
        (d, a, int(y))
        for d, a, y in zip(rows["dataset"], rows["ref_area"], rows["time_period"], strict=True)
    }


def _values(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(
        value=frame["obs_value"].astype("Float64").to_numpy(dtype=float, na_value=np.nan),
        flag_rank=0,
    )


def _in_cube_shape(contract: Contract, dataset: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A dissemination table with the dimensions it leaves out at _T, as in the cube."""
    held = [d for d in contract.dataset(dataset).dimensions if d not in frame]
    return frame.assign(**dict.fromkeys(held, TOTAL))


def _regional(
    contract: Contract, name: str, dataset: str, frame: pd.DataFrame, exempt: set
) -> pd.DataFrame:
    states = _values(frame[~frame["ref_area"].isin(aggregate_codes(contract))])
    states = states.reset_index(drop=True)
    out = []
    for scheme in contract.age_schemes(dataset) or [None]:
        for rel in relations(contract, dataset, scheme.scheme if scheme else None):
            keys = list(rel.keys)
            # A suppressed part still shows that its code is used: count it for completeness
            # (as 0), then leave out the groups that hide a part.
            sums = complete_sums(states.assign(value=states["value"].fillna(0)), rel)
            totals = states[states[rel.dimension] == TOTAL][[*keys, "value", "derived"]]
            both = totals.merge(sums, on=keys)
            both = both[both["value"].notna() & ~_has_hidden_part(states, rel, both)]
            bad = both[both["value"] != both["part_sum"]]
            footnoted = np.array(
                [
                    (dataset, a, int(y)) in exempt
                    for a, y in zip(bad["ref_area"], bad["time_period"], strict=True)
                ],
                dtype=bool,
            )
            # A footnoted difference is the state's own rounding, within rule 8's 1%.
            allowed = bad[footnoted]
            gap = (allowed["value"] - allowed["part_sum"]).abs() / allowed["value"]
            assert (gap <= 0.01).all(), allowed
            if (~footnoted).any():
                out.append(bad[~footnoted].assign(table=name, relation=rel.dimension))
    comesa = _aggregate(contract, name, frame, [])
    if len(comesa):
        years = {(d, y) for d, _, y in exempt if d == dataset}
        comesa = comesa[[(dataset, int(y)) not in years for y in comesa["time_period"]]]
    out.append(comesa)
    out = [o for o in out if len(o)]
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _has_hidden_part(states: pd.DataFrame, rel, groups: pd.DataFrame) -> np.ndarray:
    """Groups with a part that is published without a value (suppressed, or m)."""
    keys = list(rel.keys)
    hidden = states[(states[rel.dimension] != TOTAL) & states["value"].isna()]
    if hidden.empty:
        return np.zeros(len(groups), dtype=bool)
    marks = hidden[keys].drop_duplicates().assign(_hidden=True)
    hit = groups[keys].merge(marks, on=keys, how="left")["_hidden"]
    return hit.fillna(False).to_numpy(dtype=bool)


def _by_sex(name: str, frame: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    """_T = M + F + _U, where _T, M and F are published with a value (_U absent means 0)."""
    wide = frame.pivot_table(index=group, columns="sex", values="obs_value", aggfunc="first")
    wide = wide.reindex(columns=["M", "F", UNKNOWN, TOTAL]).astype("Float64")
    hidden = frame[frame["obs_value"].isna()][group].drop_duplicates().assign(_hidden=True)
    wide = wide.reset_index().merge(hidden, on=group, how="left")
    complete = wide[["M", "F", TOTAL]].notna().all(axis=1) & wide["_hidden"].isna()
    rest = wide[UNKNOWN].fillna(0)
    bad = wide[complete & (wide[TOTAL] != wide["M"] + wide["F"] + rest)]
    return bad.assign(table=name, relation="sex")


def _aggregate(contract: Contract, name: str, frame: pd.DataFrame, also: list[str]) -> pd.DataFrame:
    """Each aggregate cell (COMESA) = the sum of the member cells it counts, where every
    member reports (n_reporting = n_members) and none is hidden; and, for `also` (sex), the
    aggregate's own total = the sum of its complete parts."""
    codes = aggregate_codes(contract)
    aggregates = frame[frame["ref_area"].isin(codes)]
    if aggregates.empty:
        return pd.DataFrame()
    key = _key(contract, name)
    dims = [k for k in key if k not in ("ref_area", "time_period")]
    dataset = contract.tables.dataset_of(name)
    states = frame[~frame["ref_area"].isin(codes)].reset_index(drop=True)
    terms = aggregate_terms(contract, states, dims, dataset)
    values = states["obs_value"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    terms = terms.assign(_value=values[terms[ROW].to_numpy()])
    sums = terms.groupby(key, as_index=False).agg(
        _sum=("_value", "sum"), _hidden=("_value", lambda v: v.isna().any())
    )
    full = aggregates[
        (aggregates["n_reporting"] == aggregates["n_members"]) & aggregates["obs_value"].notna()
    ]
    both = full.merge(sums, on=key)
    bad = both[~both["_hidden"] & (both["obs_value"] != both["_sum"])]
    out = [bad.assign(table=name, relation="aggregate")]
    if also:
        # _U is summed over the states whose sex breakdown leaves persons out: partial by nature
        complete = aggregates["n_reporting"] == aggregates["n_members"]
        for code in codes:
            rows = aggregates[
                (aggregates["ref_area"] == code) & (complete | (aggregates["sex"] == UNKNOWN))
            ]
            out.append(_by_sex(name, rows, ["time_period"]))
    out = [o for o in out if len(o)]
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _key(contract: Contract, name: str) -> list[str]:
    if name in contract.outputs:
        return list(contract.outputs[name].key)
    dataset = contract.tables.dataset_of(name)
    assert dataset is not None, name
    return ["ref_area", "time_period", *contract.dataset(dataset).dimensions]
