"""The additive relations of a dataset, and the sums of their complete breakdowns.

For every dimension with a `_T` code, holding the other dimensions fixed, the `_T` row equals
the sum of the other codes when those codes cover the whole population (contract section 4).
Rule 7/8 checks that equality; harmonisation derives the `_T` rows that are missing. Both use
these functions, so "complete" means the same thing in both.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from schemas.checks import KeyCodes, group_ids, number_groups
from schemas.contract import TOTAL, AgeScheme, Contract, Countries


@dataclass(frozen=True)
class Relation:
    """`dimension` = _T is the sum over its other codes, within groups of `keys`.

    A complete breakdown has every code of `required`, and the reporting state's own code
    where `own` (a country dimension whose nationals or native-born are part of everyone;
    the code differs from row to row). A country dimension's `required` (_O, the other
    countries) may instead be met by listing every one of `countries` but the own code.
    """

    dimension: str
    keys: tuple[str, ...]
    required: frozenset[str]
    own: bool = False
    countries: frozenset[str] = frozenset()


def relations(
    contract: Contract, dataset_id: str, scheme: tuple[str, ...] | None = None
) -> list[Relation]:
    """Every additive relation of a dataset; `scheme` is the file's age groups."""
    dims = contract.dataset(dataset_id).dimensions
    out = []
    for dim_id in dims:
        breakdown = contract.breakdown_of(dataset_id, dim_id)
        if breakdown is None or TOTAL not in contract.codelist_of(dataset_id, dim_id).ids:
            continue
        keys = ("ref_area", "time_period", *(d for d in dims if d != dim_id))
        if isinstance(breakdown, Countries):
            rel = Relation(
                dim_id,
                keys,
                frozenset({breakdown.rest}),
                own=breakdown.own_needed,
                countries=contract.countries.ids,
            )
        elif isinstance(breakdown, AgeScheme):
            schemes = contract.age_schemes(dataset_id)
            rel = Relation(dim_id, keys, frozenset(scheme or schemes[0].scheme))
        else:
            rel = Relation(dim_id, keys, frozenset(breakdown.codes))
        out.append(rel)
    return out


def summed_dimensions(contract: Contract, dataset_id: str) -> tuple[list[str], list[str]]:
    """The dataset's dimensions with a _T code (summed), and those without (never summed:
    permit_type), in the dataset's order."""
    dims = contract.dataset(dataset_id).dimensions
    summed = [d for d in dims if TOTAL in contract.codelist_of(dataset_id, d).ids]
    return summed, [d for d in dims if d not in summed]


def grand_totals(contract: Contract, dataset_id: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows with every summed dimension at _T: one grand total per state, year and code
    of each dimension that is never summed."""
    summed, _ = summed_dimensions(contract, dataset_id)
    if not summed:
        return frame
    return frame[(frame[summed] == TOTAL).all(axis=1)]


def complete_sums(df: pd.DataFrame, rel: Relation, coded: KeyCodes | None = None) -> pd.DataFrame:
    """Per group of `rel.keys` whose breakdown is complete: part_sum, n_parts and flag_rank.

    `df` has the key columns, `value` (float, NaN for a missing value) and `flag_rank` (the
    obs_status precedence of the row). `coded`: df's key columns as KeyCodes, which makes the
    groups one subtraction away; the result then also has `_key`, each group's number there.
    """
    keys = list(rel.keys)
    column = df[rel.dimension]
    pos = np.flatnonzero((column != TOTAL).to_numpy() & df["value"].notna().to_numpy())
    codes = column.iloc[pos]
    covers = codes.isin(rel.required).to_numpy()
    needed = len(rel.required)
    own = np.zeros(len(pos), dtype=bool)
    if rel.own or rel.countries:
        areas = df["ref_area"].iloc[pos]
        distinct = areas.unique()
        if len(distinct) == 1:  # the usual case: one state's file, compared as codes
            own = (codes == distinct[0]).to_numpy()
        else:
            own = codes.astype(str).to_numpy() == areas.astype(str).to_numpy()
    if rel.own:
        covers = covers | own
        needed += 1
    if coded is not None:
        key = coded.without(rel.dimension)[pos]
        ids, first = number_groups(key, coded.span)
    else:
        ids, first = group_ids(df.iloc[pos], keys)
    n = len(first)
    flags = df["flag_rank"].to_numpy()[pos]
    sums = df[keys].iloc[pos[first]].reset_index(drop=True)
    if coded is not None:
        sums["_key"] = key[first]
    values = df["value"].to_numpy(dtype="float64")[pos]
    sums["part_sum"] = np.bincount(ids, weights=values, minlength=n)
    sums["n_parts"] = np.bincount(ids, minlength=n)
    sums["covered"] = np.bincount(ids, weights=covers.astype("float64"), minlength=n)
    if rel.countries:
        # Every other country listed one by one stands for the residual _O.
        others = codes.isin(rel.countries).to_numpy() & ~own
        listed = np.bincount(ids, weights=others.astype("float64"), minlength=n)
        sums.loc[listed >= len(rel.countries) - 1, "covered"] += 1
    if flags.any():
        sums["flag_rank"] = pd.Series(flags).groupby(ids).max().to_numpy()
    else:
        sums["flag_rank"] = np.zeros(n, dtype=flags.dtype)
    sums = sums[sums["covered"] >= needed].drop(columns="covered")
    return sums[~_misses_codes_used_below(df, pos, codes, sums, rel)]


def _misses_codes_used_below(
    df: pd.DataFrame, pos: np.ndarray, codes: pd.Series, sums: pd.DataFrame, rel: Relation
) -> np.ndarray:
    """Groups whose breakdown lacks a code the file uses elsewhere within the same population.

    A group whose other keys hold _T covers every row that matches it on its other keys; and
    a row that holds _T where the group has a code (a total over sex, say) covers the group's
    population too. If those rows use a code of the dimension (say citizenship _O given for
    both sexes together) that the group's parts do not, the parts are not the whole
    population: that code's persons of this group are unknown, not zero, and a total built
    from the parts would leave them out. Most files use the same codes everywhere, which the
    first test settles.
    """
    keys = list(rel.keys)
    short = sums["n_parts"].to_numpy() < codes.nunique()
    if not short.any():
        return np.zeros(len(sums), dtype=bool)
    parts = df.iloc[pos]
    out = np.zeros(len(sums), dtype=bool)
    candidates = sums[short].assign(_gid=np.arange(int(short.sum())))
    totals = (candidates[keys] == TOTAL).to_numpy()
    patterns = totals @ (1 << np.arange(len(keys)))
    for pattern in np.unique(patterns):
        fixed = [k for i, k in enumerate(keys) if not (int(pattern) >> i) & 1]
        these = candidates[patterns == pattern]
        used = _codes_over(parts, these, fixed, rel.dimension)
        used_n = these["_gid"].map(used).fillna(0).to_numpy()
        missing = these["n_parts"].to_numpy() < used_n
        out[np.flatnonzero(short)[patterns == pattern]] = missing
    return out


def _codes_over(
    parts: pd.DataFrame, groups: pd.DataFrame, fixed: list[str], dimension: str
) -> pd.Series:
    """Per group (`_gid`), how many codes of `dimension` the rows covering it use.

    A row covers the group when, on each of the group's `fixed` keys, it holds the group's
    code or _T (a wider population). ref_area and time_period are never _T.
    """
    widenable = [k for k in fixed if k not in ("ref_area", "time_period")]
    found = []
    for n in range(len(widenable) + 1):
        for wide in itertools.combinations(widenable, n):
            rows = parts
            if wide:
                rows = rows[(rows[list(wide)] == TOTAL).all(axis=1)]
            if rows.empty:
                continue
            match = [k for k in fixed if k not in wide]
            if not match:
                pairs = groups[["_gid"]].merge(rows[[dimension]].drop_duplicates(), how="cross")
            else:
                pairs = groups[[*match, "_gid"]].merge(
                    rows[[*match, dimension]].drop_duplicates(), on=match
                )
            found.append(pairs[["_gid", dimension]])
    if not found:
        return pd.Series(dtype="int64")
    both = pd.concat(found, ignore_index=True).drop_duplicates()
    return both.groupby("_gid").size()


def tainted(groups: pd.DataFrame, invalid: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Which groups hold, or may hold, a row that failed another rule.

    `invalid` has the key columns of rows with errors, NaN where the error is in that column:
    such a row might belong to any group that matches on its other columns, so all of them are
    left unchecked (a wrong year must not also show up as a broken total).
    """
    mask = np.zeros(len(groups), dtype=bool)
    if invalid.empty or groups.empty:
        return mask
    inv = invalid[keys]
    patterns = inv.isna().to_numpy() @ (1 << np.arange(len(keys)))
    for pattern in np.unique(patterns):
        cols = [k for i, k in enumerate(keys) if not (int(pattern) >> i) & 1]
        if not cols:
            return np.ones(len(groups), dtype=bool)
        sub = inv.loc[patterns == pattern, cols].astype(str).drop_duplicates()
        left = groups[cols].astype(str)
        if len(cols) == 1:
            mask |= left[cols[0]].isin(sub[cols[0]]).to_numpy()
        else:
            mask |= pd.MultiIndex.from_frame(left).isin(pd.MultiIndex.from_frame(sub))
    return mask


def age_scheme(contract: Contract, dataset: str, frame: pd.DataFrame) -> tuple[str, ...] | None:
    """The age groups of the file's scheme: the scheme most of its age codes belong to."""
    schemes = contract.age_schemes(dataset)
    if "age" not in frame or not schemes:
        return None
    counts = frame["age"].value_counts()
    best = max(schemes, key=lambda s: int(counts.reindex(list(s.scheme)).fillna(0).sum()))
    return best.scheme
