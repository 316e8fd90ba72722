"""Which state cells each aggregate (COMESA) cell sums: the codes of an aggregate row.

A COMESA row cannot simply repeat the states' codes. A country code means something else in
each state: citizenship `KEN` is the nationals in Kenya and foreigners everywhere else, and
each state's `_O` is a different list. So, as Eurostat's EU aggregates do, a country
dimension is recoded relative to each reporting state (derived_codes.csv, `relative`):

* the state's own code -> NAT (nationals, the native-born), where the own code can occur;
* another member of the aggregate that year -> CMS_FOR (other COMESA members);
* a non-member country -> its own code (it means the same in every state) and NCMS;
* `_O` -> NCMS (which may hide members a state did not list); stateless XXA stays XXA;
* every code but the own, _T and _U also -> FOR (foreigners), where the own code can occur;
* `_T`, `_U` stay.

Where a dataset lets files use several age schemes (refugees), aggregate rows keep only the
groups of `aggregate_age_scheme` (plus _T and _U): a five-year group does not nest in UNHCR's
bands, and publishing both side by side would invite adding them up.

The result says, for every aggregate cell, which rows of the states' table it sums; the
regional tables compute the aggregate from it, and disclosure control and the tests read
the same equations from it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.regional.membership import Aggregate, aggregates
from schemas.contract import OTHER, TOTAL, UNKNOWN, Contract, Countries

STATE = "_state"
ROW = "_row"


def relative_codes(contract: Contract) -> dict[str, str]:
    """The derived code of each relative category (own, other_members, non_members, foreign)."""
    return {c.extra["relative"]: c.code for c in contract.derived.codes if c.extra.get("relative")}


def aggregate_terms(
    contract: Contract,
    states: pd.DataFrame,
    dims: list[str],
    dataset_id: str | None = None,
) -> pd.DataFrame:
    """One row per (aggregate cell, state row it sums).

    `states` holds member states' rows only (ref_area, time_period, `dims`); `dataset_id`
    gives the dimensions' breakdowns and age schemes (None: every dimension kept as it is).
    Columns: ref_area (the aggregate's code), time_period, `dims` as the aggregate row has
    them, `_state` (the contributing state) and `_row` (the row's position in `states`).
    """
    base = states[["ref_area", "time_period", *dims]].reset_index(drop=True)
    added: dict[str, np.ndarray | pd.Series] = {
        ROW: np.arange(len(base)),
        STATE: base["ref_area"].astype(str),
    }
    base = base.assign(**added)
    years = base["time_period"].unique()
    found = []
    for aggregate in aggregates(contract):
        members = aggregate.members_frame(contract, years)
        rows = base.merge(members, on=["ref_area", "time_period"])
        for dim in dims:
            mapping = _code_map(contract, aggregate, dataset_id, dim, rows)
            if mapping is None:
                continue
            rows = rows.merge(mapping, on=[STATE, "time_period", dim])
            rows = rows.drop(columns=dim).rename(columns={"_to": dim})
        found.append(rows.assign(ref_area=aggregate.code))
    if not found:
        return base.iloc[0:0]
    out = pd.concat(found, ignore_index=True)
    return out[["ref_area", "time_period", *dims, STATE, ROW]]


def _code_map(
    contract: Contract,
    aggregate: Aggregate,
    dataset_id: str | None,
    dim: str,
    rows: pd.DataFrame,
) -> pd.DataFrame | None:
    """(state, year, code) -> the aggregate codes it counts towards; None: kept as it is."""
    if dataset_id is None or dim not in contract.dimensions:
        return None
    breakdown = contract.breakdown_of(dataset_id, dim)
    used = rows[[STATE, "time_period", dim]].drop_duplicates()
    if isinstance(breakdown, Countries):
        codes = relative_codes(contract)
        members = {
            int(y): set(aggregate.members_in(contract, int(y)))
            for y in used["time_period"].unique()
        }
        countries = contract.countries.ids
        targets = [
            _country_targets(str(code), str(state), members[int(year)], countries, breakdown, codes)
            for state, year, code in used.itertuples(index=False, name=None)
        ]
        # pandas-stubs want scalars in a list column; a list per row is what explode takes.
        return used.assign(_to=targets).explode("_to").dropna(subset=["_to"])  # type: ignore[arg-type]
    scheme_id = contract.dataset(dataset_id).aggregate_age_scheme
    if contract.dimensions[dim].is_age and scheme_id:
        kept = set(contract.codelists[scheme_id].scheme) | {TOTAL, UNKNOWN}
        return used[used[dim].isin(kept)].assign(_to=lambda f: f[dim])
    return None


def _country_targets(
    code: str,
    state: str,
    members: set[str],
    countries: frozenset[str],
    breakdown: Countries,
    codes: dict[str, str],
) -> list[str]:
    """The aggregate codes a state's country code counts towards (module docstring)."""
    if code in (TOTAL, UNKNOWN):
        return [code]
    if code == state:
        return [codes["own"]] if breakdown.own_needed else []
    foreign = [codes["foreign"]] if breakdown.own_needed else []
    if code in members:
        return [codes["other_members"], *foreign]
    if code == OTHER:
        return [codes["non_members"], *foreign]
    if code in countries:
        return [code, codes["non_members"], *foreign]
    # Not a country (stateless XXA): the same in every state, neither member nor non-member.
    return [code, *foreign]
