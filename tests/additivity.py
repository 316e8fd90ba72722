"""Is a set of published tables additive? Every relation whose total and parts are published.

A relation is checked where its total and *all* its parts are published with a value: a
suppressed cell (A, D, C) hides its value, and a part that is not published (a breakdown
that does not cover everyone) makes the relation incomplete. "All its parts" follows the
contract (breakdowns.complete_sums): the codes a complete breakdown needs, and every code the
rest of the population uses. Checked:

* regional tables, member states: every dimension with _T, holding the others fixed; a
  state-year whose submission totals differ from their parts within rule 8 (footnoted
  `non_additive`) is exempt, but must differ by 1% at most and only between submitted cells;
* regional tables and the migrant stock, COMESA: the aggregate equals the sum of the members
  where every member reports (n_reporting = n_members) and none is suppressed, and its own
  relations where every cell involved is such a complete aggregate;
* migrant_stock and migration_matrix: _T = M + F + _U.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.regional.membership import aggregate_area, members_frame
from pipelines.validation.breakdowns import complete_sums, relations
from schemas.contract import TOTAL, UNKNOWN, Contract


def violations(contract: Contract, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per published relation whose total is not the sum of its parts."""
    exempt = _exempt(tables.get("footnotes"))
    found = []
    for dataset in contract.datasets:
        frame = tables.get(f"regional_{dataset}")
        if frame is None or frame.empty:
            continue
        found.append(_regional(contract, dataset, frame, exempt))
    by_sex = {
        "migrant_stock": ["ref_area", "time_period"],
        "migration_matrix": ["ref_area", "counterpart_area", "time_period"],
    }
    area = aggregate_area(contract)
    for name, group in by_sex.items():
        if name in tables and len(tables[name]):
            states = tables[name][tables[name]["ref_area"] != area]  # COMESA: see _aggregate
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


def _regional(contract: Contract, dataset: str, frame: pd.DataFrame, exempt: set) -> pd.DataFrame:
    area = aggregate_area(contract)
    states = _values(frame[frame["ref_area"] != area]).reset_index(drop=True)
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
                out.append(
                    bad[~footnoted].assign(table=f"regional_{dataset}", relation=rel.dimension)
                )
    comesa = _aggregate(contract, f"regional_{dataset}", frame, [])
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
    """COMESA = the sum of that year's members, where all report and none is suppressed;
    and, for `also` dimensions, COMESA's own total = the sum of its complete parts."""
    area = aggregate_area(contract)
    comesa = frame[frame["ref_area"] == area]
    if comesa.empty:
        return pd.DataFrame()
    key = [c for c in frame.columns if c in _key(contract, name) and c != "ref_area"]
    full = comesa[(comesa["n_reporting"] == comesa["n_members"]) & comesa["obs_value"].notna()]
    members = members_frame(contract, frame["time_period"].unique())
    states = frame.merge(members, on=["ref_area", "time_period"])
    hidden = states[states["obs_value"].isna()][key].drop_duplicates().assign(_hidden=True)
    sums = states.groupby(key, as_index=False)["obs_value"].sum()
    both = full.merge(sums, on=key, suffixes=("", "_sum")).merge(hidden, on=key, how="left")
    bad = both[both["_hidden"].isna() & (both["obs_value"] != both["obs_value_sum"])]
    out = [bad.assign(table=name, relation="COMESA")]
    if also:
        # _U is summed over the states whose sex breakdown leaves persons out: partial by nature
        parts = comesa[(comesa["n_reporting"] == comesa["n_members"]) | (comesa["sex"] == UNKNOWN)]
        out.append(_by_sex(name, parts, ["time_period"]))
    out = [o for o in out if len(o)]
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame()


def _key(contract: Contract, name: str) -> list[str]:
    if name in contract.outputs:
        return list(contract.outputs[name].key)
    dataset = name.removeprefix("regional_")
    return ["ref_area", "time_period", *contract.dataset(dataset).dimensions]
